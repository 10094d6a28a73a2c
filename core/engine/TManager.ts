/**
 * The TManager (container 0): stream managers register with it over TCP; once every container of
 * the packing plan has registered with the instances the plan puts there, it assembles the
 * physical plan, writes it to `pplans/<topology>` and pushes it to every stream manager. It pushes
 * again when a stream manager re-registers (its container restarted), when the packing plan
 * changes, and when the topology's state changes (RUNNING / PAUSED: spouts activate or deactivate).
 * Its own location goes to `tmanagers/<topology>` (ephemeral: it vanishes with this process).
 */
import { Effect, Option, Queue, Schema, Stream } from "effect"
import type * as net from "node:net"
import { TManagerLocation } from "../model/Locations.js"
import type { PackingPlan } from "../model/PackingPlan.js"
import { PhysicalPlan } from "../model/PhysicalPlan.js"
import type { Topology } from "../model/Topology.js"
import type { StateManagerService } from "../StateManager.js"
import { assemble, matchesPacking, stmgrId } from "./internal/Assemble.js"
import * as Control from "./internal/Control.js"
import { listen } from "./internal/Net.js"
import * as MetricsCache from "./metricscache/MetricsCache.js"
import * as Shell from "./shell/Shell.js"

/** What the TManager needs: who it is, where it listens, and the state it starts from. */
export interface TManagerOptions {
  readonly topologyName: string
  readonly topologyId: string
  /** The host stream managers reach this process at. */
  readonly host: string
  /** The address to listen on. */
  readonly listenHost: string
  readonly stateManager: StateManagerService
  readonly topology: Topology
  readonly packing: PackingPlan
  /** The cluster's `metrics.cache` limits for the topology's metrics cache (which runs here too). */
  readonly metricsCache?: Parameters<typeof MetricsCache.limitsOf>[0]
}

type Event =
  | { readonly _tag: "Registered"; readonly socket: net.Socket; readonly reg: Control.Register }
  | { readonly _tag: "Closed"; readonly socket: net.Socket }
  | { readonly _tag: "Topology"; readonly topology: Topology }
  | { readonly _tag: "Packing"; readonly packing: PackingPlan }

const encodePlan = Schema.encodeSync(PhysicalPlan)

/** Runs the TManager until interrupted. */
export const run = (o: TManagerOptions) =>
  Effect.gen(function* () {
    const events = yield* Queue.unbounded<Event>()
    const offer = (e: Event) => Queue.unsafeOffer(events, e)
    const { port } = yield* listen("tmanager", o.listenHost, 0, (socket) => {
      Control.receive(socket, Control.ToTManager, (reg) => offer({ _tag: "Registered", socket, reg }), (why) => {
        socket.destroy(new Error(`bad control message: ${why}`))
      })
      socket.on("error", () => socket.destroy())
      socket.on("close", () => offer({ _tag: "Closed", socket }))
    })
    // Container 0's shell: its files (the TManager's log) through the Tracker, as every container's.
    const shell = yield* Shell.serve({ container: 0, role: "tmanager", cwd: process.cwd(), listenHost: o.listenHost, instances: [] })
    yield* o.stateManager.set("tmanagers", o.topologyName, new TManagerLocation({
      topologyName: o.topologyName,
      topologyId: o.topologyId,
      host: o.host,
      controllerPort: port,
      serverPort: port,
      statsPort: 0,
      shellPort: shell.port
    }))
    yield* Effect.logInfo(`tmanager listening on ${o.host}:${port}`)
    yield* MetricsCache.start({ ...o, limits: MetricsCache.limitsOf(o.metricsCache) })

    const watch = <A>(s: Stream.Stream<Option.Option<A>, unknown>, f: (a: A) => Event) =>
      s.pipe(
        Stream.runForEach((v) => Effect.sync(() => Option.map(v, (a) => offer(f(a))))),
        Effect.catchAll((e) => Effect.logWarning(`tmanager: watch ended: ${String(e)}`)),
        Effect.forkScoped
      )
    yield* watch(o.stateManager.watch("topologies", o.topologyName), (topology) => ({ _tag: "Topology", topology }))
    yield* watch(o.stateManager.watch("packingplans", o.topologyName), (packing) => ({ _tag: "Packing", packing }))

    let topology = o.topology
    let packing = o.packing
    const regs = new Map<number, { readonly socket: net.Socket; readonly reg: Control.Register }>()
    let last: { readonly plan: PhysicalPlan; readonly json: string } | undefined

    const push = (socket: net.Socket, plan: PhysicalPlan) => Control.send(socket, Control.Plan, Control.Plan.make({ plan }))

    const publish = (registered: net.Socket | undefined) =>
      Effect.gen(function* () {
        const assembled = assemble(topology, packing, new Map([...regs].map(([c, r]) => [c, r.reg])))
        const plan = Option.isSome(assembled)
          ? assembled.value
          : last === undefined ? undefined : new PhysicalPlan({ ...last.plan, topology })
        if (plan === undefined) return
        const json = JSON.stringify(encodePlan(plan))
        if (last === undefined || json !== last.json) {
          yield* o.stateManager.set("pplans", o.topologyName, plan)
          last = { plan, json }
          if (Option.isSome(assembled)) {
            yield* Effect.logInfo(`physical plan: ${plan.stmgrs.length} stream manager(s), ${plan.instances.length} instance(s), ${plan.topology.state}`)
          }
          for (const r of regs.values()) push(r.socket, plan)
        } else if (registered !== undefined) push(registered, plan)
      })

    for (;;) {
      const ev = yield* Queue.take(events)
      switch (ev._tag) {
        case "Registered": {
          const { reg, socket } = ev
          if (reg.topologyName !== o.topologyName || reg.topologyId !== o.topologyId) {
            Control.send(socket, Control.Refused, Control.Refused.make({ message: `this TManager serves ${o.topologyName} (${o.topologyId})` }))
            socket.end()
            continue
          }
          const before = regs.get(reg.containerIndex)
          if (before !== undefined && before.socket !== socket) before.socket.destroy()
          regs.set(reg.containerIndex, { socket, reg })
          yield* Effect.logInfo(`${stmgrId(reg.containerIndex)} registered (pid ${reg.pid}, ${reg.host}:${reg.dataPort})${matchesPacking(packing, reg) ? "" : "; its instances differ from the packing plan: waiting for a restart"}`)
          yield* publish(socket)
          break
        }
        case "Closed":
          for (const [c, r] of regs) {
            if (r.socket !== ev.socket) continue
            regs.delete(c)
            yield* Effect.logInfo(`${stmgrId(c)} disconnected`)
          }
          break
        case "Topology":
          topology = ev.topology
          yield* publish(undefined)
          break
        case "Packing":
          packing = ev.packing
          yield* publish(undefined)
          break
      }
    }
  })
