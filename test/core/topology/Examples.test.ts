// The examples import `heron-runtime/topology` (the package's dist, as users do); the checks here
// are structural, like the CLI's.
import { describe, expect, it } from "@effect/vitest"
import atLeastOnce from "../../../examples/at-least-once.js"
import exclamation from "../../../examples/exclamation.js"
import wordCount from "../../../examples/word-count.js"
import { configKeys, isBuiltTopology } from "../../../core/topology/index.js"

const shape = (t: typeof wordCount) =>
  t.components.map((c) => [c.name, c.kind, c.parallelism, c.inputs.map((i) => `${i.component}/${i.stream}/${i.grouping._tag}`)])

describe("examples", () => {
  it("word-count: sentence → split (shuffle) → count (fields on word), 2 containers", () => {
    expect(isBuiltTopology(wordCount)).toBe(true)
    expect(wordCount.name).toBe("word-count")
    expect(shape(wordCount)).toEqual([
      ["sentence", "spout", 1, []],
      ["split", "bolt", 2, ["sentence/default/shuffle"]],
      ["count", "bolt", 2, ["split/default/fields"]]
    ])
    expect(wordCount.components[2]?.inputs[0]?.grouping).toEqual({ _tag: "fields", fields: ["word"] })
    expect(wordCount.config[configKeys.containers]).toBe("2")
  })

  it("exclamation: word → exclaim1 → exclaim2", () => {
    expect(exclamation.name).toBe("exclamation")
    expect(shape(exclamation)).toEqual([
      ["word", "spout", 2, []],
      ["exclaim1", "bolt", 2, ["word/default/shuffle"]],
      ["exclaim2", "bolt", 2, ["exclaim1/default/shuffle"]]
    ])
  })

  it("at-least-once: numbers → relay → record, reliability at-least-once", () => {
    expect(atLeastOnce.name).toBe("at-least-once")
    expect(shape(atLeastOnce)).toEqual([
      ["numbers", "spout", 1, []],
      ["relay", "bolt", 2, ["numbers/default/shuffle"]],
      ["record", "bolt", 2, ["relay/default/fields"]]
    ])
    expect(atLeastOnce.config[configKeys.reliability]).toBe("ATLEAST_ONCE")
    expect(atLeastOnce.config[configKeys.containers]).toBe("2")
  })
})
