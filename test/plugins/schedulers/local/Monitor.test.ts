import { describe, expect, it } from "@effect/vitest"
import { Effect, HashMap, Logger } from "effect"
import { rmSync, symlinkSync } from "node:fs"
import { join } from "node:path"
import { ContainerLaunch, LaunchRequest } from "../../../../core/Scheduler.js"
import {
  eventually,
  existsSync,
  fixture,
  isGone,
  pidOf,
  pids,
  readJson,
  request,
  scheduler,
  testRoot,
  topologyRef
} from "./helpers.js"

const { home } = testRoot()

interface Logged {
  readonly at: number
  readonly level: string
  readonly message: string
  readonly annotations: Record<string, unknown>
}

/** A logger that keeps what the monitor (a fiber forked when the layer is built) logs. */
const capture = () => {
  const logged: Array<Logged> = []
  const logger = Logger.make(({ annotations, date, logLevel, message }) => {
    logged.push({
      at: date.getTime(),
      level: logLevel.label,
      message: Array.isArray(message) ? message.map(String).join(" ") : String(message),
      annotations: Object.fromEntries(HashMap.toEntries(annotations))
    })
  })
  return { logged, layer: Logger.add(logger) }
}

describe("local scheduler monitor", () => {
  it.scopedLive("relaunches a container killed from outside, counts the restart and logs it", () =>
    Effect.gen(function*() {
      const h = home()
      const logs = capture()
      const s = yield* scheduler(h).pipe(Effect.provide(logs.layer))
      yield* s.schedule(request("mon", [0, 1]))
      const [p0, p1] = yield* pids(s, "mon")
      process.kill(p1!, "SIGKILL")
      const status = yield* eventually(s.status(topologyRef("mon")), (st) => st[1]?.restarts === 1 && st[1].state === "running")
      const q1 = pidOf(status[1]!.handle)
      expect(q1).not.toBe(p1)
      expect(isGone(q1)).toBe(false)
      expect(pidOf(status[0]!.handle)).toBe(p0)
      expect(status[0]!.restarts).toBe(0)
      expect(readJson(join(h, "topologies", "mon", "containers.json"))).toMatchObject({
        containers: [{ index: 0, pid: p0, restarts: 0 }, { index: 1, pid: q1, restarts: 1 }]
      })
      const relaunch = logs.logged.find((l) => l.level === "WARN" && l.message.startsWith("relaunched container 1"))
      expect(relaunch?.annotations).toMatchObject({ topology: "mon", container: 1 })
      yield* s.kill(topologyRef("mon"))
    }))

  it.scopedLive("backs off exponentially, up to maxRestartBackoffMs, for a container that keeps exiting", () =>
    Effect.gen(function*() {
      const h = home()
      const logs = capture()
      const s = yield* scheduler(h, { restartBackoffMs: 200, maxRestartBackoffMs: 800, monitorIntervalMs: 20 }).pipe(Effect.provide(logs.layer))
      yield* s.schedule(request("crash", [0], () => ["--exit=3"]))
      const exited = yield* eventually(s.status(topologyRef("crash")), (st) => st[0]?.state === "exited")
      expect(exited[0]?.message).toBe("exited with code 3")
      // The delays the monitor chose, as it says them: 200, 400, 800, then capped at 800.
      const delays = yield* eventually(
        Effect.sync(() => logs.logged.flatMap((l) => {
          const m = /^container 0 exited with code 3; relaunching in (\d+) ms$/.exec(l.message)
          return m === null ? [] : [Number(m[1])]
        })),
        (ds) => ds.length >= 5
      )
      expect(delays.slice(0, 5)).toEqual([200, 400, 800, 800, 800])
      // And it waited them: each relaunch comes at least its delay after the exit the monitor saw
      // (both times from the monitor's own clock, not the child's start-up).
      const at = (prefix: string) => logs.logged.filter((l) => l.message.startsWith(prefix)).map((l) => l.at)
      const exits = at("container 0 exited with code 3")
      const relaunches = at("relaunched container 0")
      for (let k = 0; k < 4; k++) expect(relaunches[k]! - exits[k]!).toBeGreaterThanOrEqual(delays[k]!)
      expect((yield* s.status(topologyRef("crash")))[0]!.restarts).toBeGreaterThanOrEqual(4)
      yield* s.kill(topologyRef("crash"))
    }), { timeout: 20_000 })

  it.scopedLive("keeps running when a relaunch fails, and relaunches once it can", () =>
    Effect.gen(function*() {
      const h = home()
      const logs = capture()
      // The program is reached through a link that the test removes, so the relaunch fails.
      const program = join(h, "node-link")
      symlinkSync(process.execPath, program)
      const s = yield* scheduler(h).pipe(Effect.provide(logs.layer))
      const ok = request("flaky", [0])
      yield* s.schedule(new LaunchRequest({
        ...ok,
        containers: ok.containers.map((c) => new ContainerLaunch({ ...c, argv: [program, fixture] }))
      }))
      const [p0] = yield* pids(s, "flaky")
      rmSync(program)
      process.kill(p0!, "SIGKILL")
      yield* eventually(
        Effect.sync(() => logs.logged.filter((l) => l.level === "ERROR" && l.message.includes("cannot relaunch container 0"))),
        (errors) => errors.length >= 2
      )
      symlinkSync(process.execPath, program)
      const status = yield* eventually(s.status(topologyRef("flaky")), (st) => st[0]?.state === "running")
      expect(pidOf(status[0]!.handle)).not.toBe(p0)
      expect(existsSync(join(h, "topologies", "flaky", "containers.json"))).toBe(true)
      yield* s.kill(topologyRef("flaky"))
    }))
})
