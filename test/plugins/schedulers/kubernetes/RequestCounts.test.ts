import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { KubeApiServer } from "../../../support/services/kubeApiServer.js"
import { allRunning, countsSince, eventually, NAMESPACE, options, scheduledWordCount, scheduler, setUp, total, wordCountRequest } from "./helpers.js"

/** Waits until the double has answered `n` requests since `from` (the watch is forked). */
const settled = (api: KubeApiServer, from: number, n: number) => eventually(Effect.sync(() => api.requests.length - from), (m) => m >= n)

describe("requests to the Kubernetes API", () => {
  it.scopedLive("a submit costs 5 requests: list + watch of its pods, two StatefulSets and a Service created", () =>
    Effect.gen(function*() {
      const { api, scheduler: s, stats, request } = yield* setUp()
      yield* s.schedule(request)
      yield* settled(api, 0, 5)
      expect(countsSince(api, 0)).toEqual({ "list pods": 1, "watch pods": 1, "create statefulsets": 2, "create services": 1 })
      // The scheduler counts what it sends the same way.
      expect(yield* stats.requests).toEqual(countsSince(api, 0))
      // With a pod template, one more: the ConfigMap is read at each schedule.
      api.put("configmaps", NAMESPACE, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "tpl" }, data: { t: "spec: {}" } })
      const { scheduler: templated } = yield* scheduler(options(api.url, { podTemplate: { configMap: "tpl", key: "t" } }))
      const from = api.requests.length
      const other = yield* wordCountRequest({ name: "other" })
      yield* templated.schedule(other)
      yield* settled(api, from, 6)
      expect(countsSince(api, from)).toEqual({ "get configmaps": 1, "list pods": 1, "watch pods": 1, "create statefulsets": 2, "create services": 1 })
    }))

  it.scopedLive("a kill costs 1 request (the watch is open already), 3 from a scheduler that never saw the topology", () =>
    Effect.gen(function*() {
      const { api, scheduler: s, request } = yield* scheduledWordCount()
      let from = api.requests.length
      yield* s.kill(request.topology)
      expect(countsSince(api, from)).toEqual({ "delete statefulsets": 1 })
      yield* s.schedule(request)
      yield* eventually(s.status(request.topology), allRunning(3))
      // A restarted runtime: its scheduler lists and watches the pods, then deletes.
      const { scheduler: fresh } = yield* scheduler(options(api.url))
      from = api.requests.length
      yield* fresh.kill(request.topology)
      expect(countsSince(api, from)).toEqual({ "list pods": 1, "watch pods": 1, "delete statefulsets": 1 })
      expect(api.list("pods", NAMESPACE)).toEqual([])
    }))

  it.scopedLive("a running topology costs one watch renewal per watchTimeoutSeconds, however often its status is read", () =>
    Effect.gen(function*() {
      const { api, scheduler: s, request } = yield* scheduledWordCount({ watchTimeoutSeconds: 1 })
      const from = api.requests.length
      const started = Date.now()
      let reads = 0
      while (Date.now() - started < 3_500) {
        yield* s.status(request.topology)
        reads++
        yield* Effect.sleep("50 millis")
      }
      const seconds = (Date.now() - started) / 1000
      const counts = countsSince(api, from)
      // Only renewals of the watch, each from the last version seen (no LIST), at most one a second.
      expect(Object.keys(counts)).toEqual(["watch pods"])
      expect(total(counts)).toBeGreaterThanOrEqual(2)
      expect(total(counts)).toBeLessThanOrEqual(Math.ceil(seconds) + 1)
      expect(reads).toBeGreaterThan(30)
      const renewals = api.requests.slice(from)
      expect(renewals.every((r) => r.query["resourceVersion"] !== undefined && r.query["resourceVersion"] !== "0" && r.query["timeoutSeconds"] === "1")).toBe(true)
      yield* s.kill(request.topology)
    }))

  it.scopedLive("with the default watch timeout a running topology sends nothing for seconds; changes still arrive through the watch", () =>
    Effect.gen(function*() {
      const { api, scheduler: s, request, running: first } = yield* scheduledWordCount()
      const from = api.requests.length
      // A pod replaced behind the scheduler's back (a node drained): the watch tells it.
      yield* Effect.promise(() => fetch(`${api.url}/api/v1/namespaces/${NAMESPACE}/pods/word-count-executors-0`, { method: "DELETE" }))
      yield* eventually(s.status(request.topology), (st) => allRunning(3)(st) && st[1]?.handle !== first[1]?.handle)
      for (let i = 0; i < 20; i++) yield* s.status(request.topology)
      yield* Effect.sleep("1 second")
      // The one request is the DELETE sent above, not the scheduler's.
      expect(countsSince(api, from)).toEqual({ "delete pods": 1 })
      yield* s.kill(request.topology)
    }))

  it.scopedLive("a watch whose version is gone (410) lists once and watches again", () =>
    Effect.gen(function*() {
      const { api, scheduler: s, request, running: before } = yield* scheduledWordCount()
      const from = api.requests.length
      api.compact()
      api.endWatches()
      // Changed while no watch is open: the new list must show it.
      yield* Effect.promise(() => fetch(`${api.url}/api/v1/namespaces/${NAMESPACE}/pods/word-count-manager-0`, { method: "DELETE" }))
      yield* eventually(s.status(request.topology), (st) => allRunning(3)(st) && st[0]?.handle !== before[0]?.handle)
      // The expired watch, the list, and the watch from the list's version (sent just after it).
      const counts = yield* eventually(Effect.sync(() => countsSince(api, from)), (c) => c["watch pods"] === 2)
      expect(counts).toEqual({ "watch pods": 2, "list pods": 1, "delete pods": 1 })
      const expired = api.requests.slice(from).find((r) => r.verb === "watch")
      expect(Number(expired?.query["resourceVersion"])).toBeGreaterThan(0)
      yield* s.kill(request.topology)
    }))
})
