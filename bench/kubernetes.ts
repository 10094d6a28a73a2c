/**
 * Requests made to the Kubernetes API by the kubernetes scheduler (issue 8): per submit, per
 * status read, per update, per restart, per kill, and per minute of a running topology.
 *
 *   npm run bench:kubernetes                  # ~1 minute: one real minute of running topologies
 *   npm run bench:kubernetes -- --quick       # ~30 s: a 25 s window, scaled to a minute
 *   npm run bench:kubernetes -- --json <file> # also write every figure
 *
 * No API server can run here: the scheduler (built as the runtime builds it, through
 * `@kubernetes/client-node`) talks to the API-server double of the tests
 * (test/support/services/kubeApiServer.ts), which records every request it answers; the counts
 * below are the double's, checked against the scheduler's own. The topology is the word count
 * (examples/word-count.ts, 2 containers + the TManager), its launch request made by the
 * supervisor's own code. A running topology's cost is measured over a real window, with the
 * default watch timeout (300 s) and with a 10 s one, for 1 and for 10 topologies.
 */
import { Effect, Option, Scope, Exit } from "effect"
import { writeFileSync } from "node:fs"
import { resolve } from "node:path"
import { startKubeApiServer, type KubeApiServer } from "../test/support/services/kubeApiServer.js"
import { allRunning, countsSince, options, scheduler, setUp, total, wordCountRequest } from "../test/plugins/schedulers/kubernetes/helpers.js"

const argv = process.argv.slice(2)
const quick = argv.includes("--quick")
const jsonAt = argv.indexOf("--json")
const jsonFile = jsonAt < 0 ? undefined : resolve(argv[jsonAt + 1] ?? "kubernetes-bench-results.json")
const windowMs = quick ? 25_000 : 60_000

interface Row {
  readonly what: string
  readonly requests: number
  readonly detail: string
  readonly note: string
}

const describe = (counts: Readonly<Record<string, number>>) =>
  Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${n} ${k}`).join(", ") || "none"

const settle = (api: KubeApiServer, from: number, n: number) =>
  Effect.gen(function*() {
    const deadline = Date.now() + 10_000
    while (api.requests.length - from < n && Date.now() < deadline) yield* Effect.sleep("20 millis")
  })

const until = <A, E>(self: Effect.Effect<A, E>, done: (a: A) => boolean) =>
  Effect.gen(function*() {
    const deadline = Date.now() + 15_000
    for (;;) {
      const a = yield* self
      if (done(a) || Date.now() > deadline) return a
      yield* Effect.sleep("25 millis")
    }
  })

/** Requests of `count` topologies kept running for the window, with `watchTimeoutSeconds`. */
const perMinute = (count: number, watchTimeoutSeconds: number) =>
  Effect.gen(function*() {
    const api = yield* startKubeApiServer()
    const { scheduler: s } = yield* scheduler(options(api.url, { watchTimeoutSeconds }))
    for (let i = 0; i < count; i++) {
      const r = yield* wordCountRequest({ name: `wc-${i}` })
      yield* s.schedule(r)
      yield* until(s.status(r.topology), allRunning(3))
    }
    const from = api.requests.length
    const started = Date.now()
    // The Tracker and the supervisor read status as they please: once a second per topology here.
    while (Date.now() - started < windowMs) {
      for (let i = 0; i < count; i++) yield* s.status((yield* wordCountRequest({ name: `wc-${i}` })).topology)
      yield* Effect.sleep("1 second")
    }
    const minutes = (Date.now() - started) / 60_000
    const counts = countsSince(api, from)
    return { counts, perMinute: total(counts) / minutes, expected: (count * 60) / watchTimeoutSeconds }
  })

const program = Effect.gen(function*() {
  const rows: Array<Row> = []
  const { api, scheduler: s, stats, request: two } = yield* setUp({}, { containers: 2 })

  let from = api.requests.length
  yield* s.schedule(two)
  yield* settle(api, from, 5)
  const submit = countsSince(api, from)
  rows.push({ what: "submit (schedule)", requests: total(submit), detail: describe(submit), note: "the pod list + watch start here; +1 (get configmaps) with a pod template" })
  yield* until(s.status(two.topology), allRunning(3))

  from = api.requests.length
  for (let i = 0; i < 100; i++) yield* s.status(two.topology)
  rows.push({ what: "100 status reads", requests: api.requests.length - from, detail: describe(countsSince(api, from)), note: "answered from the watch" })

  from = api.requests.length
  yield* s.update(yield* wordCountRequest({ containers: 3 }))
  const update = countsSince(api, from)
  rows.push({ what: "update (2 → 3 containers)", requests: total(update), detail: describe(update), note: "reads, one JSON patch, one delete per changed container" })
  yield* until(s.status(two.topology), allRunning(4))

  from = api.requests.length
  yield* s.restart(two.topology, Option.some(1))
  rows.push({ what: "restart one container", requests: api.requests.length - from, detail: describe(countsSince(api, from)), note: "its pod deleted; the StatefulSet remakes it" })
  from = api.requests.length
  yield* s.restart(two.topology, Option.none())
  rows.push({ what: "restart all containers", requests: api.requests.length - from, detail: describe(countsSince(api, from)), note: "one delete of the pod collection" })
  yield* until(s.status(two.topology), allRunning(4))

  from = api.requests.length
  yield* s.kill(two.topology)
  const kill = countsSince(api, from)
  rows.push({ what: "kill", requests: total(kill), detail: describe(kill), note: "Foreground deletion of the manager; owner references take the rest" })

  const own = yield* stats.requests
  const recorded = countsSince(api, 0)
  const agree = JSON.stringify(Object.entries(own).sort()) === JSON.stringify(Object.entries(recorded).sort())

  const { scheduler: fresh } = yield* scheduler(options(api.url))
  yield* s.schedule(two)
  yield* until(s.status(two.topology), allRunning(3))
  from = api.requests.length
  yield* fresh.kill(two.topology)
  const coldKill = countsSince(api, from)
  rows.push({ what: "kill by a restarted runtime", requests: total(coldKill), detail: describe(coldKill), note: "it lists and watches the pods first" })

  process.stderr.write(`[bench:kubernetes] running topologies for ${windowMs / 1000} s (x4, at once)...\n`)
  const windows = yield* Effect.all([perMinute(1, 300), perMinute(1, 10), perMinute(10, 300), perMinute(10, 10)], { concurrency: "unbounded" })
  const labels = ["1 topology, watch timeout 300 s", "1 topology, watch timeout 10 s", "10 topologies, watch timeout 300 s", "10 topologies, watch timeout 10 s"]
  windows.forEach((w, i) => rows.push({
    what: `per minute running: ${labels[i]}`,
    requests: Math.round(w.perMinute * 100) / 100,
    detail: describe(w.counts),
    note: `steady state ${w.expected.toFixed(1)}/min: one watch renewal per timeout per topology (${quick ? `${windowMs / 1000} s window scaled` : "one real minute"})`
  }))
  return { rows, agree }
})

const scope = Effect.runSync(Scope.make())
Effect.runPromise(Scope.extend(program, scope).pipe(Effect.ensuring(Scope.close(scope, Exit.void)))).then(({ rows, agree }) => {
  const header = ["what", "requests", "which", "note"]
  const cells = rows.map((r) => [r.what, String(r.requests), r.detail, r.note])
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? "").length)))
  const line = (c: ReadonlyArray<string>) => `| ${c.map((x, i) => x.padEnd(widths[i] ?? 0)).join(" | ")} |`
  process.stdout.write(`Requests to the Kubernetes API (API-server double; no real API server runs here)\n\n`)
  process.stdout.write(`${[line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n")}\n\n`)
  process.stdout.write(`The scheduler's own request counts ${agree ? "match" : "DIFFER FROM"} the double's.\n`)
  if (jsonFile !== undefined) writeFileSync(jsonFile, `${JSON.stringify({ windowMs, rows, countsAgree: agree }, null, 2)}\n`)
  process.exit(agree ? 0 : 1)
}, (e: unknown) => {
  process.stderr.write(`bench:kubernetes failed: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
