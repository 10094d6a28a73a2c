import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { spawn } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Scheduler } from "../../../../core/Scheduler.js"
import {
  eventually,
  existsSync,
  fixture,
  isGone,
  pidOf,
  pids,
  procInfo,
  request,
  scheduler,
  schedulerLayer,
  testRoot,
  topologyRef
} from "./helpers.js"

const { root, home } = testRoot()

/** A process that is not a container: detached (its own group), cwd under the test root. */
const sleeper = Effect.sync(() => {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], { cwd: root, detached: true, stdio: "ignore" })
  child.unref()
  return child.pid ?? 0
})

/** Writes a `containers.json` as a previous runtime would have. */
const writeRecord = (h: string, name: string, containers: ReadonlyArray<{ index: number; pid: number; startTime: number }>) => {
  const dir = join(h, "topologies", name)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, "containers.json"), JSON.stringify({
    topology: topologyRef(name),
    containers: containers.map((c) => ({ ...c, argv: [process.execPath, fixture], env: { FOO: "bar" }, restarts: 0 }))
  }))
}

/** Starts a {@link sleeper} and records it as container 0 of `name` with another start time, as if
 * the container's pid had been reused by an unrelated process. */
const recordReusedPid = (h: string, name: string) =>
  Effect.gen(function*() {
    const other = yield* sleeper
    const real = yield* eventually(Effect.sync(() => procInfo(other).startTime), (t) => t > 0)
    writeRecord(h, name, [{ index: 0, pid: other, startTime: real + 1 }])
    return { other, real }
  })

describe("local scheduler adoption", () => {
  it.live("a new runtime adopts the containers of the previous one, which outlived it, and monitors them", () =>
    Effect.gen(function*() {
      const h = home()
      const first = yield* Scope.make()
      const s1 = yield* Layer.buildWithScope(schedulerLayer(h), first).pipe(Effect.map((ctx) => Context.get(ctx, Scheduler)))
      yield* s1.schedule(request("keep", [0, 1]))
      const before = yield* s1.status(topologyRef("keep"))
      // The runtime stops without killing: its monitor ends, its containers go on.
      yield* Scope.close(first, Exit.void)
      const [p0, p1] = before.map((c) => pidOf(c.handle))
      expect(isGone(p0!) || isGone(p1!)).toBe(false)

      yield* Effect.scoped(Effect.gen(function*() {
        const s2 = yield* scheduler(h)
        const adopted = yield* s2.status(topologyRef("keep"))
        expect(adopted.map((c) => [c.handle, c.state, c.restarts])).toEqual(before.map((c) => [c.handle, "running", 0]))
        // schedule on the new runtime adopts rather than starts.
        yield* s2.schedule(request("keep", [0, 1]))
        expect(yield* pids(s2, "keep")).toEqual([p0, p1])
        // An adopted container is not our child: the monitor sees its death through /proc.
        process.kill(p0!, "SIGKILL")
        const relaunched = yield* eventually(s2.status(topologyRef("keep")), (st) => st[0]?.restarts === 1 && st[0].state === "running")
        expect(pidOf(relaunched[0]!.handle)).not.toBe(p0)
        expect(pidOf(relaunched[1]!.handle)).toBe(p1)
        yield* s2.kill(topologyRef("keep"))
        const all = [p0!, ...relaunched.map((c) => pidOf(c.handle))]
        yield* eventually(Effect.sync(() => all.filter((pid) => !isGone(pid))), (alive) => alive.length === 0, 5000)
      }))
    }))

  it.live("a standby started before the leader scheduled reports the leader's recorded containers, then adopts them", () =>
    Effect.gen(function*() {
      const h = home()
      yield* Effect.scoped(Effect.gen(function*() {
        // The standby's scheduler exists first, knowing nothing; the leader schedules afterwards.
        const standby = yield* scheduler(h)
        const leaderScope = yield* Scope.make()
        const leader = yield* Layer.buildWithScope(schedulerLayer(h), leaderScope).pipe(Effect.map((ctx) => Context.get(ctx, Scheduler)))
        yield* leader.schedule(request("late", [0, 1]))
        const recorded = yield* leader.status(topologyRef("late"))
        yield* Scope.close(leaderScope, Exit.void)
        // What the supervisor asks first, to tell adopting from launching.
        expect((yield* standby.status(topologyRef("late"))).map((c) => [c.handle, c.state])).toEqual(recorded.map((c) => [c.handle, "running"]))
        yield* standby.update(request("late", [0, 1]))
        expect(yield* pids(standby, "late")).toEqual(recorded.map((c) => pidOf(c.handle)))
        yield* standby.kill(topologyRef("late"))
      }))
    }))

  it.scopedLive("a recorded pid that now belongs to another process (other start time) counts as exited and is not signalled", () =>
    Effect.gen(function*() {
      const h = home()
      const { other, real } = yield* recordReusedPid(h, "reused")
      // A long backoff keeps the monitor from relaunching while we look.
      const s = yield* scheduler(h, { restartBackoffMs: 60_000, monitorIntervalMs: 50 })
      const [status] = yield* s.status(topologyRef("reused"))
      expect(status).toMatchObject({ index: 0, state: "exited", handle: `${other}@${real + 1}` })
      expect(status?.message).toContain("another process")
      yield* s.kill(topologyRef("reused"))
      expect(isGone(other)).toBe(false)
      expect(existsSync(join(h, "topologies", "reused", "containers.json"))).toBe(false)
    }))

  it.scopedLive("the monitor relaunches a container whose pid was reused, leaving the other process alone", () =>
    Effect.gen(function*() {
      const h = home()
      const { other } = yield* recordReusedPid(h, "reused2")
      const s = yield* scheduler(h)
      const st = yield* eventually(s.status(topologyRef("reused2")), (x) => x[0]?.state === "running")
      const pid = pidOf(st[0]!.handle)
      expect(pid).not.toBe(other)
      expect(procInfo(pid).cwd).toBe(join(h, "topologies", "reused2", "container-0"))
      expect(isGone(other)).toBe(false)
      yield* s.kill(topologyRef("reused2"))
      expect(isGone(other)).toBe(false)
    }))

  it.scopedLive("a corrupt containers.json is skipped: the runtime still starts", () =>
    Effect.gen(function*() {
      const h = home()
      mkdirSync(join(h, "topologies", "broken"), { recursive: true })
      writeFileSync(join(h, "topologies", "broken", "containers.json"), "{ not json")
      const s = yield* scheduler(h)
      expect(yield* s.status(topologyRef("broken"))).toEqual([])
      yield* s.schedule(request("fine", [0]))
      expect(yield* pids(s, "fine")).toHaveLength(1)
      yield* s.kill(topologyRef("fine"))
    }))
})
