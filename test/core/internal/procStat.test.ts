import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { readFileSync } from "node:fs"
import * as ProcStat from "../../../core/internal/procStat.js"

/** A stat line of `comm` with fields 3 onwards; field 5 (pgrp) is 4242 and field 22 `startTime`. */
const statLine = (comm: string, state: string, startTime: string) => {
  const fields = [state, "1", "4242", "4242", "0", "-1", ...Array.from({ length: 13 }, () => "0"), startTime, "1"]
  return `4242 (${comm}) ${fields.join(" ")}\n`
}

describe("procStat.parse", () => {
  it("counts fields from the last parenthesis, whatever the command name holds", () => {
    expect(ProcStat.parse(statLine("a) b (c d", "S", "987654"))).toEqual(Option.some({ state: "S", pgrp: 4242, startTime: 987654 }))
    expect(ProcStat.parse(statLine("we ird) (name", "Z", "1"))).toEqual(Option.some({ state: "Z", pgrp: 4242, startTime: 1 }))
    expect(ProcStat.parse(statLine("", "R", "5"))).toEqual(Option.some({ state: "R", pgrp: 4242, startTime: 5 }))
  })

  it("reads the fields the localfs state manager's test fixed: state, field 5 and field 22", () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 4))
    fields[18] = "987654" // field 22
    expect(ProcStat.parse(`4242 (we ird) (name) S ${fields.join(" ")}\n`)).toEqual(
      Option.some({ state: "S", pgrp: 5, startTime: 987654 })
    )
  })

  it("is None for what is not a stat line", () => {
    expect(ProcStat.parse("garbage")).toEqual(Option.none())
    expect(ProcStat.parse("")).toEqual(Option.none())
    expect(ProcStat.parse("4242 (cut) S 1 4242")).toEqual(Option.none())
    expect(ProcStat.parse(statLine("x", "S", "soon"))).toEqual(Option.none())
    expect(ProcStat.parse(statLine("x", "S", "1.5"))).toEqual(Option.none())
  })
})

describe("procStat.isDead / isAliveSince", () => {
  const stat = (state: string, startTime = 7) => ({ state, pgrp: 1, startTime })

  it("takes zombies (Z) and dead (X) processes as exited", () => {
    expect(["R", "S", "D", "T", "Z", "X"].filter((s) => ProcStat.isDead(stat(s)))).toEqual(["Z", "X"])
  })

  it("is true only for the same start time and a process that has not exited", () => {
    expect(ProcStat.isAliveSince(7)(stat("S"))).toBe(true)
    expect(ProcStat.isAliveSince(8)(stat("S"))).toBe(false)
    expect(ProcStat.isAliveSince(7)(stat("Z"))).toBe(false)
  })
})

layer(NodeContext.layer, { excludeTestServices: true })("procStat.read", (it) => {
  it.effect("reads this process's start time as /proc/self/stat field 22, by pid and as self", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const raw = readFileSync("/proc/self/stat", "utf8")
      const fields = raw.slice(raw.lastIndexOf(")") + 2).split(" ")
      const byPid = yield* ProcStat.read(fs, process.pid)
      const field22 = Number(fields[19])
      // The state is whatever the main thread does meanwhile (the read runs on libuv's pool).
      expect(Option.map(byPid, ({ pgrp, startTime }) => ({ pgrp, startTime }))).toEqual(
        Option.some({ pgrp: Number(fields[2]), startTime: field22 })
      )
      expect(Option.map(yield* ProcStat.read(fs, "self"), (s) => s.startTime)).toEqual(Option.some(field22))
    }))

  it.effect("is None, not an error, for a pid that names no process", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      expect(yield* ProcStat.read(fs, 2 ** 22 + 1)).toEqual(Option.none())
    }))
})
