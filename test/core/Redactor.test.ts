import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Redactor from "../../core/Redactor.js"

describe("Redactor", () => {
  it("hides a secret, its JSON-escaped form, and a longer secret containing a shorter one", () => {
    expect(Redactor.redactWith(["abc", "abcdef"], "x abcdef y abc")).toBe("x <redacted> y <redacted>")
    expect(Redactor.redactWith(['p"w'], JSON.stringify({ pw: 'p"w' }))).toBe('{"pw":"<redacted>"}')
    expect(Redactor.redactWith([""], "nothing to hide")).toBe("nothing to hide")
  })
  it.effect("registers secrets at run time", () =>
    Effect.gen(function* () {
      const r = yield* Redactor.make
      yield* r.register("tok3n")
      yield* r.register("")
      expect(yield* r.redact("auth tok3n")).toBe("auth <redacted>")
    }))
})
