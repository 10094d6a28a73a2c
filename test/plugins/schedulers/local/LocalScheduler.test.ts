import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { ContainerLaunch, LaunchRequest } from "../../../../core/Scheduler.js"
import {
  pids,
  ready,
  eventually,
  existsSync,
  fixture,
  isGone,
  pidOf,
  procInfo,
  readFileSync,
  readJson,
  request,
  scheduler,
  testRoot,
  topologyRef
} from "./helpers.js"

const { home } = testRoot()

describe("local scheduler: schedule / status / kill", () => {
  it.scopedLive("starts one process per container with its cwd, env and argv, and reports them running", () =>
    Effect.gen(function*() {
      const h = home()
      const s = yield* scheduler(h)
      yield* s.schedule(request("wc", [0, 1, 2]))
      const status = yield* s.status(topologyRef("wc"))
      expect(status.map((c) => [c.index, c.state, c.restarts])).toEqual([[0, "running", 0], [1, "running", 0], [2, "running", 0]])
      const dir = join(h, "topologies", "wc")
      for (const c of status) {
        const pid = pidOf(c.handle)
        const info = procInfo(pid)
        expect(c.handle).toBe(`${pid}@${info.startTime}`)
        expect(info.cwd).toBe(join(dir, `container-${c.index}`))
        expect(info.cmdline).toEqual([process.execPath, fixture])
        expect(info.env).toMatchObject({ FOO: "bar", HERON_CONTAINER_INDEX: String(c.index), HERON_TOPOLOGY_NAME: "wc" })
        // Leads its own process group, so that kill reaches its descendants.
        expect(info.pgid).toBe(pid)
        const log = join(dir, `container-${c.index}`, "container.log")
        yield* eventually(Effect.sync(() => existsSync(log) ? readFileSync(log, "utf8") : ""), (t) => t.includes(`started container ${c.index} pid ${pid}`))
      }
      expect(readJson(join(dir, "containers.json"))).toMatchObject({
        topology: { name: "wc" },
        containers: status.map((c) => ({ index: c.index, pid: pidOf(c.handle), restarts: 0, argv: [process.execPath, fixture] }))
      })
      expect(yield* s.jobLinks(topologyRef("wc"))).toEqual([
        pathToFileURL(dir).href,
        ...[0, 1, 2].map((i) => pathToFileURL(join(dir, `container-${i}`, "container.log")).href)
      ])
      yield* s.kill(topologyRef("wc"))
    }))

  it.scopedLive("schedule is idempotent: running containers are adopted, missing ones started", () =>
    Effect.gen(function*() {
      const s = yield* scheduler(home())
      yield* s.schedule(request("idem", [0, 1]))
      const before = yield* pids(s, "idem")
      yield* s.schedule(request("idem", [0, 1, 2]))
      const after = yield* pids(s, "idem")
      expect(after.slice(0, 2)).toEqual(before)
      expect(after).toHaveLength(3)
      expect(after.every((pid) => !isGone(pid))).toBe(true)
      yield* s.kill(topologyRef("idem"))
    }))

  it.scopedLive("kill leaves no process of the group alive, grandchildren included, and keeps the logs", () =>
    Effect.gen(function*() {
      const h = home()
      // The grandchild ignores SIGTERM: only waiting for the whole group, then SIGKILL, stops it.
      const s = yield* scheduler(h, { killGraceMs: 300, monitorIntervalMs: 50 })
      yield* s.schedule(request("gc", [0, 1], () => ["--grandchild"]))
      const dir = join(h, "topologies", "gc")
      const leaders = yield* pids(s, "gc")
      const grandchildren = yield* Effect.forEach([0, 1], (i) => {
        const file = join(dir, `container-${i}`, "grandchild.pid")
        return eventually(Effect.sync(() => existsSync(file) ? Number(readFileSync(file, "utf8")) : 0), (pid) => pid > 0)
      })
      for (const [i, g] of grandchildren.entries()) expect(procInfo(g).pgid).toBe(leaders[i])
      yield* s.kill(topologyRef("gc"))
      const all = [...leaders, ...grandchildren]
      // Leaders are reaped by this process and orphans by init; both take a moment after the group is gone.
      yield* eventually(Effect.sync(() => all.filter((pid) => !isGone(pid))), (alive) => alive.length === 0, 5000)
      expect(yield* s.status(topologyRef("gc"))).toEqual([])
      expect(existsSync(join(dir, "containers.json"))).toBe(false)
      expect(existsSync(join(dir, "container-0", "container.log"))).toBe(true)
    }))

  it.scopedLive("kill escalates to SIGKILL after killGraceMs when SIGTERM is ignored", () =>
    Effect.gen(function*() {
      const h = home()
      const s = yield* scheduler(h, { killGraceMs: 200, monitorIntervalMs: 50 })
      yield* s.schedule(request("stubborn", [0], () => ["--ignore-term"]))
      const [pid = 0] = yield* pids(s, "stubborn")
      yield* ready(h, "stubborn", 0, pid)
      const started = Date.now()
      yield* s.kill(topologyRef("stubborn"))
      expect(Date.now() - started).toBeGreaterThanOrEqual(200)
      yield* eventually(Effect.sync(() => isGone(pid)), (gone) => gone, 3000)
    }))

  it.scopedLive("kill of an unknown topology succeeds", () =>
    Effect.gen(function*() {
      const s = yield* scheduler(home())
      yield* s.kill(topologyRef("nothing-here"))
      expect(yield* s.status(topologyRef("nothing-here"))).toEqual([])
    }))

  it.scopedLive("fails with a SchedulerError for a program that cannot start or a name that escapes", () =>
    Effect.gen(function*() {
      const s = yield* scheduler(home())
      const ok = request("bad", [0])
      const missing = new LaunchRequest({
        ...ok,
        containers: ok.containers.map((c) => new ContainerLaunch({ ...c, argv: ["/nonexistent/heron-executor"] }))
      })
      const err = yield* Effect.flip(s.schedule(missing))
      expect(err).toMatchObject({ _tag: "SchedulerError", op: "schedule", topology: "bad", retryable: false })
      expect(err.message).toContain("/nonexistent/heron-executor")
      expect(yield* s.status(topologyRef("bad"))).toEqual([])

      const escape = yield* Effect.flip(s.schedule(request("../escape", [0])))
      expect(escape).toMatchObject({ _tag: "SchedulerError", retryable: false })
      expect(escape.message).toContain("invalid topology name")
    }))
})

describe("local scheduler: restart / update", () => {
  it.scopedLive("restart of one container changes only its pid and counts the restart", () =>
    Effect.gen(function*() {
      const s = yield* scheduler(home())
      yield* s.schedule(request("rs", [0, 1, 2]))
      const before = yield* pids(s, "rs")
      yield* s.restart(topologyRef("rs"), Option.some(1))
      const after = yield* s.status(topologyRef("rs"))
      expect(pidOf(after[0]!.handle)).toBe(before[0])
      expect(pidOf(after[1]!.handle)).not.toBe(before[1])
      expect(pidOf(after[2]!.handle)).toBe(before[2])
      expect(after.map((c) => [c.state, c.restarts])).toEqual([["running", 0], ["running", 1], ["running", 0]])
      yield* eventually(Effect.sync(() => isGone(before[1]!)), (gone) => gone, 3000)

      yield* s.restart(topologyRef("rs"), Option.none())
      const all = yield* s.status(topologyRef("rs"))
      expect(all.map((c) => c.restarts)).toEqual([1, 2, 1])
      expect(all.map((c) => pidOf(c.handle)).some((pid) => [...before, pidOf(after[1]!.handle)].includes(pid))).toBe(false)

      const unknown = yield* Effect.flip(s.restart(topologyRef("rs"), Option.some(9)))
      expect(unknown).toMatchObject({ _tag: "SchedulerError", op: "restart", topology: "rs", retryable: false })
      yield* s.kill(topologyRef("rs"))
    }))

  it.scopedLive("update starts new containers, stops removed ones, restarts changed ones, leaves the rest", () =>
    Effect.gen(function*() {
      const s = yield* scheduler(home())
      yield* s.schedule(request("up", [0, 1, 2]))
      const [p0, p1, p2] = yield* pids(s, "up")
      // 0 unchanged, 1 gets a new env, 2 removed, 3 added.
      yield* s.update(request("up", [0, 1, 3], () => [], (i) => ({ FOO: i === 1 ? "changed" : "bar" })))
      const status = yield* s.status(topologyRef("up"))
      expect(status.map((c) => [c.index, c.state, c.restarts])).toEqual([[0, "running", 0], [1, "running", 1], [3, "running", 0]])
      const [q0, q1] = status.map((c) => pidOf(c.handle))
      expect(q0).toBe(p0)
      expect(q1).not.toBe(p1)
      expect(procInfo(q1!).env.FOO).toBe("changed")
      yield* eventually(Effect.sync(() => [p1, p2].every((pid) => isGone(pid!))), (gone) => gone, 3000)
      yield* s.kill(topologyRef("up"))
    }))
})
