/**
 * The API server's submit: reads the form (`SubmitForm`), decodes the definition, then runs the
 * CLI's own pipeline (`Submit.planPackage`, then `Submit.deploy`: lock, upload with the cluster's
 * uploader, state writes, wait until running, rollback of everything written on any failure or
 * when the client goes away). Answers 201 with what the CLI prints, or 200 with the packing plan
 * for a dry run.
 */
import { FileSystem, type HttpServerRequest, type HttpServerResponse, Path } from "@effect/platform"
import { Duration, Effect, Option } from "effect"
import { isValidTopologyName } from "../internal/topologyName.js"
import type { ClustersService } from "../Clusters.js"
import * as Planning from "../cli/heron/Planning.js"
import * as Submit from "../cli/heron/Submit.js"
import { formatTarget, parseProperties } from "../cli/heron/Target.js"
import type { RedactorService } from "../Redactor.js"
import type { Caller } from "./ApiAuth.js"
import type { ApiBadRequest, ApiConflict, ApiFailed, ApiNotFound } from "./ApiErrors.js"
import { DryRun, Submitted } from "./ApiServerApi.js"
import type { ApiSettingsValue } from "./ApiSettings.js"
import * as Definition from "./Definition.js"
import { DEFAULT_WAIT_SECS } from "./Limits.js"
import { failures, json } from "./Respond.js"
import * as ServerProgress from "./ServerProgress.js"
import * as SubmitForm from "./SubmitForm.js"

/** What a submit needs of the runtime. */
export interface SubmitDeps {
  readonly clusters: ClustersService
  readonly settings: ApiSettingsValue
  readonly redactor: RedactorService
  readonly fs: FileSystem.FileSystem
  readonly path: Path.Path
}

/** Handles `POST /api/v1/topologies/{cluster}/{role}/{environ}`. */
export const submit = (deps: SubmitDeps) =>
(
  target: { readonly cluster: string; readonly role: string; readonly environ: string },
  request: HttpServerRequest.HttpServerRequest,
  caller: Caller
): Effect.Effect<HttpServerResponse.HttpServerResponse, ApiBadRequest | ApiNotFound | ApiConflict | ApiFailed> =>
  Effect.gen(function*() {
    const fail = failures(deps.redactor)
    // Before the body is read: an unknown cluster costs no upload.
    const cluster = deps.clusters.get(target.cluster)
    const settings = deps.settings.clusters.find((c) => c.name === target.cluster)
    if (Option.isNone(cluster) || settings === undefined) return yield* fail.notFound(`this runtime does not serve cluster ${target.cluster}`)
    const sm = cluster.value.stateManager

    const form = yield* SubmitForm.read(request).pipe(
      Effect.catchAll((p): Effect.Effect<never, ApiBadRequest | ApiFailed> => (p._tag === "Bad" ? fail.badRequest(p.message) : fail.failed(p.message)))
    )
    const definition = yield* Definition.decode(form.definition).pipe(Effect.catchAll((m) => fail.badRequest(`bad definition: ${m}`)))
    if (!isValidTopologyName(form.name)) return yield* fail.badRequest(`invalid topology name "${form.name}": use letters, digits, '.', '_' and '-'`)
    const properties = yield* parseProperties(form.properties, "config_property").pipe(Effect.catchAll((e) => fail.badRequest(e.message)))
    const tooMany = Definition.containerProblems(properties)
    if (tooMany.length > 0) return yield* fail.badRequest(tooMany.join("; "))

    const progress = ServerProgress.logged({ verb: "submit", cluster: target.cluster, topology: form.name, by: caller.label })
    yield* progress.step(1, Submit.SUBMIT_STEPS, `received the package of ${form.name} for ${formatTarget(target)} (${form.packageBytes} bytes)`)
    const submitRequest: Submit.SubmitRequest = {
      target,
      file: form.packageFile,
      name: Option.some(form.name),
      properties,
      clusterDefaults: settings.topologyDefaults,
      deployDeactivated: form.deployDeactivated,
      timeout: Duration.seconds(Option.getOrElse(form.timeoutSecs, () => DEFAULT_WAIT_SECS)),
      user: Option.getOrElse(form.user, () => target.role),
      workDir: deps.path.dirname(form.packageFile)
    }
    const prepared = yield* Submit.planPackage(submitRequest, { plan: Planning.planner(settings), progress }, { file: form.packageFile, definition }, Submit.SUBMIT_STEPS)
      .pipe(Effect.catchAll((e) => fail.badRequest(e.message)))
    const name = prepared.topology.name
    if (form.dryRun) {
      return yield* json(DryRun, { message: `packing plan of ${name}: ${prepared.packingPlan.containers.length} containers`, name, packingPlan: prepared.packingPlan })
    }

    // What `deploy` refuses under the lock, answered as a conflict when it is already so.
    const existing = yield* sm.get("topologies", name).pipe(Effect.catchAll((e) => fail.failed(`reading the state: ${e.message}`)))
    if (Option.isSome(existing)) {
      return yield* fail.conflict(existing.value.state === "KILLED"
        ? `topology ${name} is being killed on cluster ${target.cluster}: submit again once it is gone`
        : `topology ${name} already runs on cluster ${target.cluster} (id ${existing.value.id}): kill it first, or submit under another --name`)
    }
    const submitted = yield* Submit.deploy(submitRequest, { stateManager: sm, uploader: cluster.value.uploader, progress }, prepared).pipe(
      Effect.catchAll((e) => fail.failed(e.message))
    )
    return yield* json(Submitted, {
      message: `${submitted.name} submitted`,
      ...target,
      name: submitted.name,
      id: submitted.id,
      state: submitted.state === "PAUSED" ? "PAUSED" as const : "RUNNING" as const,
      packageUri: yield* deps.redactor.redact(submitted.packageUri),
      containers: submitted.containers,
      instances: submitted.instances
    }, 201)
  }).pipe(
    Effect.scoped,
    Effect.provideService(FileSystem.FileSystem, deps.fs),
    Effect.provideService(Path.Path, deps.path)
  )
