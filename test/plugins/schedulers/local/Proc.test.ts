import { describe, expect, it } from "@effect/vitest"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Option } from "effect"
import { readFileSync } from "node:fs"
import * as Proc from "../../../../plugins/schedulers/local/internal/Proc.js"

describe("local scheduler /proc parsing", () => {
  it.effect("reads this process's start time as /proc/self/stat field 22", () =>
    Effect.gen(function*() {
      const raw = readFileSync("/proc/self/stat", "utf8")
      const field22 = Number(raw.slice(raw.lastIndexOf(")") + 2).split(" ")[19])
      const stat = yield* Proc.readStat(process.pid)
      expect(Option.map(stat, (s) => s.startTime)).toEqual(Option.some(field22))
      expect(yield* Proc.isAlive(process.pid, field22)).toBe(true)
      expect(yield* Proc.isAlive(process.pid, field22 + 1)).toBe(false)
      expect(yield* Proc.readStat(2 ** 22 + 1)).toEqual(Option.none())
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
