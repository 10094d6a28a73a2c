import { describe, expect, it } from "@effect/vitest"
import { heronCounters, isCounter, numericValue, target } from "../../../../plugins/sinks/statsd/internal/names.js"

describe("statsd names", () => {
  it("are <prefix>.<topology>.<component>.<instance>.<metric> without tags", () => {
    expect(target("heron", "wc", "h:6001/split/container_1_split_3", "__emit-count/default", false))
      .toEqual({ name: "heron.wc.split.container_1_split_3.__emit-count.default", tags: undefined })
  })

  it("are <prefix>.<metric> with topology, component and instance as tags", () => {
    expect(target("prod.heron", "wc", "h:6001/split/container_1_split_3", "__emit-count/default", true)).toEqual({
      name: "prod.heron.__emit-count.default",
      tags: { topology: "wc", component: "split", instance: "container_1_split_3" }
    })
  })

  it("keep no character that breaks a StatsD line or that StatsD would drop", () => {
    const t = target("heron", "word count", "h:1/sp|lit/i:1", "a:b|c@d#e,f/g h", false)
    expect(t.name).toBe("heron.word_count.sp_lit.i_1.a_b_c_d_e_f.g_h")
    const tagged = target("heron", "word count", "h:1/sp|lit/i#1,x", "m", true)
    expect(tagged.tags).toEqual({ topology: "word_count", component: "sp_lit", instance: "i_1_x" })
  })

  it("tell Heron's counters from gauges", () => {
    expect(isCounter(heronCounters, "__emit-count/default")).toBe(true)
    expect(isCounter(heronCounters, "__execute-count/sentence/default")).toBe(true)
    expect(isCounter(heronCounters, "__tuples_to_workers")).toBe(true)
    expect(isCounter(heronCounters, "__execute-latency/sentence/default")).toBe(false)
    expect(isCounter(heronCounters, "__roots_pending")).toBe(false)
    expect(isCounter(heronCounters, "__emit-counts")).toBe(false)
    expect(isCounter(["words"], "words/total")).toBe(true)
  })

  it("read only finite numbers", () => {
    expect(numericValue("1.5")).toBe(1.5)
    expect(numericValue("-3")).toBe(-3)
    expect(numericValue("")).toBeUndefined()
    expect(numericValue("NaN")).toBeUndefined()
    expect(numericValue("-Infinity")).toBeUndefined()
    expect(numericValue("12 apples")).toBeUndefined()
  })
})
