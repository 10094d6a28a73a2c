import { describe, expect, it } from "@effect/vitest"
import { Console, Effect } from "effect"
import * as Logging from "../../../core/runtime/Logging.js"

const capture = () => {
  const lines: Array<string> = []
  const push = (...args: ReadonlyArray<unknown>) => Effect.sync(() => { lines.push(args.map(String).join(" ")) })
  const consoleService: Console.Console = {
    [Console.TypeId]: Console.TypeId,
    assert: () => Effect.void, clear: Effect.void, count: () => Effect.void, countReset: () => Effect.void,
    debug: push, dir: () => Effect.void, dirxml: () => Effect.void, error: push, group: () => Effect.void,
    groupEnd: Effect.void, info: push, log: push, table: () => Effect.void, time: () => Effect.void,
    timeEnd: () => Effect.void, timeLog: () => Effect.void, trace: push, warn: push,
    unsafe: {
      assert: () => {}, clear: () => {}, count: () => {}, countReset: () => {}, debug: () => {}, dir: () => {},
      dirxml: () => {}, error: (...args) => { lines.push(["stderr:", ...args.map(String)].join(" ")) }, group: () => {}, groupCollapsed: () => {}, groupEnd: () => {},
      info: () => {}, log: (...args) => { lines.push(["stdout:", ...args.map(String)].join(" ")) }, table: () => {}, time: () => {}, timeEnd: () => {},
      timeLog: () => {}, trace: () => {}, warn: () => {}
    }
  }
  return { lines, consoleService }
}

describe("runtime logger", () => {
  it.effect("writes one JSON object per line to stderr with secrets redacted", () =>
    Effect.gen(function* () {
      const { lines, consoleService } = capture()
      yield* Effect.logInfo("connecting with password=s3cr3t-value").pipe(
        Effect.annotateLogs({ token: "s3cr3t-value" }),
        Effect.provide(Logging.layer(["s3cr3t-value"])),
        Effect.withConsole(consoleService)
      )
      expect(lines).toHaveLength(1)
      const [line] = lines
      expect(line?.startsWith("stderr: ")).toBe(true)
      expect(line).not.toContain("s3cr3t-value")
      const parsed = JSON.parse(String(line).slice("stderr: ".length)) as { message: string; annotations: { token: string } }
      expect(parsed.message).toBe("connecting with password=<redacted>")
      expect(parsed.annotations.token).toBe("<redacted>")
    }))
})
