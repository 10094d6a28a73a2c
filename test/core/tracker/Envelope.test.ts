import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { TrackerFailure, formatSeconds, redactDeep, render, respond } from "../../../core/tracker/Envelope.js"
import * as Redactor from "../../../core/Redactor.js"

describe("formatSeconds", () => {
  it("always writes a fractional part, in fixed notation", () => {
    expect(formatSeconds(0)).toBe("0.0")
    expect(formatSeconds(2)).toBe("2.0")
    expect(formatSeconds(0.0012)).toBe("0.0012")
    expect(formatSeconds(1.2e-7)).toBe("0.0")
    expect(formatSeconds(0.0000123)).toBe("0.000012")
    expect(formatSeconds(-1)).toBe("0.0")
    expect(formatSeconds(Number.NaN)).toBe("0.0")
  })
})

describe("render", () => {
  const version = { version: "0.1.0" }
  it("writes the envelope keys in order with executiontime as a float", () => {
    const text = render({ status: "success", message: "", result: { a: 1 }, tracker_version: version }, 0)
    expect(text).toBe('{"status":"success","executiontime":0.0,"message":"","result":{"a":1},"tracker_version":{"version":"0.1.0"}}')
    expect(JSON.parse(text)).toMatchObject({ status: "success", executiontime: 0 })
  })
  it("only replaces its own placeholder", () => {
    const text = render({ status: "success", message: "", result: "__heron_tracker_executiontime__", tracker_version: version }, 1.5)
    expect(JSON.parse(text)).toMatchObject({ executiontime: 1.5, result: "__heron_tracker_executiontime__" })
  })
})

describe("redactDeep", () => {
  it.effect("redacts strings in keys, values and arrays, including secrets JSON would escape", () =>
    Effect.gen(function*() {
      const r = yield* Redactor.make
      yield* r.register("s3cr3t")
      yield* r.register('pa"ss')
      const out = yield* redactDeep(r.redact)({ "s3cr3t-key": ["x s3cr3t y", 42, true, null], q: 'a pa"ss b' })
      expect(out).toEqual({ "<redacted>-key": ["x <redacted> y", 42, true, null], q: "a <redacted> b" })
      expect(JSON.stringify(out)).not.toContain("s3cr3t")
    }))
})

describe("respond", () => {
  it.effect("answers success with 200 and failure with the failure's status, message and a null result", () =>
    Effect.gen(function*() {
      const r = yield* Redactor.make
      yield* r.register("hunter2")
      const ok = yield* respond(r.redact)(Effect.succeed({ pw: "hunter2" }))
      expect(ok.status).toBe(200)
      const ko = yield* respond(r.redact)(Effect.fail(new TrackerFailure({ status: 404, message: "Unknown cluster: hunter2" })))
      expect(ko.status).toBe(404)
      expect(ok.headers["access-control-allow-origin"]).toBe("*")
    }))

  it.effect("serves a result without secrets as it is, and redacts every secret in keys and values, escaped ones too", () =>
    Effect.gen(function*() {
      const r = yield* Redactor.make
      yield* r.register("s3cr3t")
      yield* r.register('pa"ss')
      const body = (res: { readonly body: unknown }) =>
        Effect.promise(() => new Response((res.body as { readonly body: Uint8Array }).body).json() as Promise<{ readonly result: unknown }>)
      const clean = yield* respond(r.redact)(Effect.succeed({ plan: ["a", 1, null], n: 2 }))
      expect((yield* body(clean)).result).toEqual({ plan: ["a", 1, null], n: 2 })
      const dirty = yield* respond(r.redact)(Effect.succeed({ "s3cr3t-key": ["x s3cr3t y", 42], q: 'a pa"ss b' }))
      expect((yield* body(dirty)).result).toEqual({ "<redacted>-key": ["x <redacted> y", 42], q: "a <redacted> b" })
    }))
})
