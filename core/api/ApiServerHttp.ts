/**
 * Handlers of {@link ApiServerApi}, with the authentication they run behind (`ApiAuth`). Reads
 * `Clusters`, redacts every message with `Redactor`, takes tokens and cluster settings from
 * `ApiSettings` (closed when the runtime provides none).
 */
import { FileSystem, HttpApiBuilder, Path } from "@effect/platform"
import { NodeFileSystem, NodePath } from "@effect/platform-node"
import { Effect, Layer, Option } from "effect"
import { Clusters } from "../Clusters.js"
import { Redactor } from "../Redactor.js"
import { TrackerApi } from "../tracker/TrackerApi.js"
import * as ApiAuth from "./ApiAuth.js"
import { UpdateRequest, Updated } from "./ApiServerApi.js"
import { ApiSettings } from "./ApiSettings.js"
import * as RequestBody from "./RequestBody.js"
import { failures, json } from "./Respond.js"
import { submit } from "./SubmitHttp.js"
import * as Verbs from "./Verbs.js"

const instancesOf = (plan: { readonly containers: ReadonlyArray<{ readonly instances: ReadonlyArray<unknown> }> }) =>
  plan.containers.reduce((n, c) => n + c.instances.length, 0)

const handlers = HttpApiBuilder.group(TrackerApi, "apiserver", (h) =>
  Effect.gen(function*() {
    const deps = {
      clusters: yield* Clusters,
      redactor: yield* Redactor,
      settings: yield* ApiSettings,
      fs: yield* FileSystem.FileSystem,
      path: yield* Path.Path
    }
    const verbs = Verbs.make(deps)
    const fail = failures(deps.redactor)
    const target = (p: Verbs.TopologyTarget) => ({ cluster: p.cluster, role: p.role, environ: p.environ, name: p.name })
    const stateVerb = (state: "RUNNING" | "PAUSED", done: string) => ({ path }: { readonly path: Verbs.TopologyTarget }) =>
      Effect.gen(function*() {
        const outcome = yield* verbs.setState(path, state, yield* ApiAuth.ApiCaller)
        return {
          message: outcome === "changed" ? `${path.name} ${done}` : `${path.name} was already ${done}`,
          ...target(path),
          state,
          changed: outcome === "changed"
        }
      })

    return h
      .handleRaw("submit", ({ path, request }) => Effect.flatMap(ApiAuth.ApiCaller, (caller) => submit(deps)(path, request, caller)))
      .handle("list", ({ path }) =>
        Effect.map(verbs.list(path), (topologies) => ({ cluster: path.cluster, role: path.role, environ: path.environ, topologies })))
      .handle("kill", ({ path, urlParams }) =>
        Effect.gen(function*() {
          const outcome = yield* verbs.kill(path, urlParams.timeout, yield* ApiAuth.ApiCaller)
          return { message: outcome === "killed" ? `${path.name} killed` : `${path.name} was not running; its leftover state was removed`, ...target(path), outcome }
        }))
      .handle("activate", stateVerb("RUNNING", "activated"))
      .handle("deactivate", stateVerb("PAUSED", "deactivated"))
      .handle("restart", ({ path, urlParams }) =>
        Effect.gen(function*() {
          const asked = urlParams.container ?? urlParams.container_id
          const container = asked === undefined || asked < 0 ? Option.none<number>() : Option.some(asked)
          yield* verbs.restart(path, container, yield* ApiAuth.ApiCaller)
          const restarted = Option.getOrElse(container, (): "all" => "all")
          return { message: `${path.name} restarted (${restarted === "all" ? "every container" : `container ${restarted}`})`, ...target(path), restarted }
        }))
      .handleRaw("update", ({ path, request, urlParams }) =>
        Effect.gen(function*() {
          const body = yield* RequestBody.read(request, UpdateRequest).pipe(Effect.catchAll((m) => fail.badRequest(`bad update request: ${m}`)))
          const updated = yield* verbs.update(path, body, urlParams.timeout, yield* ApiAuth.ApiCaller)
          const containers = updated.packingPlan.containers.length
          const instances = instancesOf(updated.packingPlan)
          return yield* json(Updated, {
            message: updated.dryRun
              ? `packing plan of ${path.name}: ${containers} containers, ${instances} instances (dry run)`
              : updated.changed
              ? `${path.name} updated: ${containers} containers, ${instances} instances`
              : `${path.name} already has that parallelism: nothing to change`,
            ...target(path),
            changed: updated.changed,
            dryRun: updated.dryRun,
            containers,
            instances,
            packingPlan: updated.packingPlan
          })
        }))
  }))

/**
 * The API server: its handlers, its authentication and the `WWW-Authenticate` challenge of its
 * 401s. Registered in `Tracker.layer`.
 */
export const ApiServerHttp = Layer.mergeAll(handlers, ApiAuth.challenge).pipe(
  Layer.provide([ApiAuth.layer, NodeFileSystem.layer, NodePath.layer])
)
