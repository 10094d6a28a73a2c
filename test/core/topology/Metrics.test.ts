import { describe, expect, it } from "@effect/vitest"
import { CountMetric, GaugeMetric, ReducedMetric, reducers } from "../../../core/topology/index.js"

describe("user metrics", () => {
  it("CountMetric reports the count of the interval, then restarts at 0", () => {
    const m = new CountMetric()
    expect(m.getValueAndReset()).toBe(0)
    m.incr()
    m.incr(4)
    const { getValueAndReset } = m // usable unbound, as the instance collects it
    expect(getValueAndReset()).toBe(5)
    expect(m.getValueAndReset()).toBe(0)
  })

  it("GaugeMetric reports the last value and keeps it", () => {
    const m = new GaugeMetric()
    expect(m.getValueAndReset()).toBeUndefined()
    m.set(3)
    m.set(7)
    expect(m.getValueAndReset()).toBe(7)
    expect(m.getValueAndReset()).toBe(7)
    expect(new GaugeMetric(2).getValueAndReset()).toBe(2)
  })

  it("ReducedMetric reduces each interval, undefined when nothing was updated", () => {
    const feed = (m: ReducedMetric, values: ReadonlyArray<number>) => {
      for (const v of values) m.update(v)
      return m.getValueAndReset()
    }
    expect(feed(new ReducedMetric("mean"), [1, 2, 6])).toBe(3)
    expect(feed(new ReducedMetric("sum"), [1, 2, 6])).toBe(9)
    expect(feed(new ReducedMetric("max"), [1, 8, 6])).toBe(8)
    expect(feed(new ReducedMetric("min"), [4, -2, 6])).toBe(-2)
    const mean = new ReducedMetric(reducers.mean)
    expect(feed(mean, [10, 20])).toBe(15)
    expect(mean.getValueAndReset()).toBeUndefined()
    expect(feed(mean, [4])).toBe(4)
    const count = new ReducedMetric(() => {
      let n = 0
      return { update: () => void (n += 1), result: () => n }
    })
    expect(feed(count, [5, 5, 5])).toBe(3)
    expect(count.getValueAndReset()).toBe(0)
  })
})
