/**
 * `heron --service-url URL submit`: bundles the topology here (esbuild, as a local submit does),
 * then sends the package and its definition (plain JSON, see `core/api/Definition.ts`) to the
 * API server, which packs, uploads, writes the state and waits until the topology runs, rolling
 * everything back on failure. The upload's progress is reported as it goes.
 */
import { FileSystem, HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { Effect, Option, Ref, Schema } from "effect"
import { API_PREFIX, DryRun, Submitted } from "../../../api/ApiServerApi.js"
import * as Definition from "../../../api/Definition.js"
import { formatBytes, MAX_PACKAGE_BYTES } from "../../../api/Limits.js"
import type { PackingPlan } from "../../../model/PackingPlan.js"
import { isValidTopologyName } from "../../../internal/topologyName.js"
import { because, CommandError } from "../CommandError.js"
import type { Progress } from "../Progress.js"
import * as Submit from "../Submit.js"
import { formatTarget, parseProperties, type Target } from "../Target.js"
import * as MultipartBody from "./MultipartBody.js"
import { authorize, type RemoteApi } from "./RemoteApi.js"
import { checkWait, refusal, unreachable } from "./Refusal.js"

/** What a remote submit was asked. */
export interface RemoteSubmitRequest {
  readonly target: Target
  readonly file: string
  readonly name: Option.Option<string>
  /** `--config-property` values, `key=value`, sent as they are (the server merges them). */
  readonly properties: ReadonlyArray<string>
  readonly deployDeactivated: boolean
  readonly timeoutSecs: number
  readonly user: string
  readonly workDir: string
}

const Failure = Schema.Struct({ _tag: Schema.String, message: Schema.String })

/** Bundles the file and checks what the server would refuse anyway (name, properties, size). */
const bundle = (api: RemoteApi, req: RemoteSubmitRequest, bundler: Submit.Bundler, progress: Progress, total: number) =>
  Effect.gen(function*() {
    yield* parseProperties(req.properties)
    yield* checkWait(req.timeoutSecs)
    // A bad token or an unreachable server fails before the bundling and the upload.
    yield* api.list(req.target)
    yield* progress.step(1, total, `validating and bundling ${req.file}`)
    const pkg = yield* bundler(req.file, req.workDir, Option.match(req.name, { onNone: () => ({}), onSome: (name) => ({ name }) }))
      .pipe(Effect.mapError(because("")))
    const definition = yield* Submit.definitionOf(pkg.topology)
    const name = Option.getOrElse(req.name, () => definition.name)
    if (!isValidTopologyName(name)) return yield* new CommandError({ message: `invalid topology name "${name}": use letters, digits, '.', '_' and '-'` })
    const fs = yield* FileSystem.FileSystem
    const size = Number((yield* fs.stat(pkg.file).pipe(Effect.mapError(because(`reading ${pkg.file}`)))).size)
    if (size > MAX_PACKAGE_BYTES) {
      return yield* new CommandError({ message: `the package of ${name} is ${formatBytes(size)}: the API server takes at most ${formatBytes(MAX_PACKAGE_BYTES)}` })
    }
    yield* progress.detail(`package ${pkg.file} (${formatBytes(size)})`)
    const text = yield* Definition.encode(definition).pipe(Effect.mapError(because("encoding the definition")))
    return { name, file: pkg.file, size, definition: text }
  })

/** Sends the form; the answer's body decoded with `success` when its status is `status`. */
const send = <A, I>(
  api: RemoteApi,
  req: RemoteSubmitRequest,
  bundled: { readonly name: string; readonly file: string; readonly size: number; readonly definition: string },
  extra: ReadonlyArray<readonly [string, string]>,
  onSent: (bytes: number) => Effect.Effect<void>,
  expect: { readonly status: number; readonly success: Schema.Schema<A, I> }
) =>
  Effect.gen(function*() {
    const { url, token } = api.service
    const fields: ReadonlyArray<readonly [string, string]> = [
      ["name", bundled.name],
      ["definition", bundled.definition],
      ["user", req.user],
      ["timeout", String(req.timeoutSecs)],
      ...(req.deployDeactivated ? [["deploy_deactivated", "true"] as const] : []),
      ...req.properties.map((p) => ["config_property", p] as const),
      ...extra
    ]
    const body = yield* MultipartBody.make(fields, {
      field: "topology",
      filename: "topology.tar.gz",
      path: bundled.file,
      size: bundled.size,
      contentType: "application/gzip"
    }, onSent)
    const t = req.target
    const request = HttpClientRequest.post(`${url}${API_PREFIX}/${t.cluster}/${t.role}/${t.environ}`).pipe(
      authorize(token),
      HttpClientRequest.bodyStream(body.stream, { contentType: body.contentType, contentLength: body.contentLength })
    )
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(request).pipe(Effect.mapError((e) => unreachable(url, e.message)))
    if (response.status === expect.status) {
      return yield* HttpClientResponse.schemaBodyJson(expect.success)(response).pipe(
        Effect.mapError((e) => unreachable(url, `unexpected answer: ${e.message.split("\n")[0] ?? ""}`))
      )
    }
    const failure = yield* HttpClientResponse.schemaBodyJson(Failure)(response).pipe(
      Effect.mapError(() => unreachable(url, `unexpected answer: HTTP ${response.status}`))
    )
    return yield* Effect.fail(refusal(url, Option.isSome(token))(failure))
  }).pipe(Effect.scoped)

/** Reports the upload at each quarter, then the server's part once every byte is sent. */
const uploadProgress = (progress: Progress, size: number, done: Effect.Effect<void>) =>
  Effect.map(Ref.make(0), (quarter) => (sent: number) =>
    Effect.gen(function*() {
      const reached = size === 0 ? 4 : Math.floor((sent / size) * 4)
      const before = yield* Ref.modify(quarter, (q) => [q, Math.max(q, reached)] as const)
      if (reached > before) yield* progress.note(`uploaded ${reached * 25}% (${formatBytes(sent)} of ${formatBytes(size)})`)
      if (sent >= size && before < 4) yield* done
    }))

/** Steps of a remote submit, for `[i/N]`. */
export const REMOTE_SUBMIT_STEPS = 3

/** The whole remote submit; answers as a local submit does. */
export const submit = (api: RemoteApi, req: RemoteSubmitRequest, bundler: Submit.Bundler, progress: Progress) =>
  Effect.gen(function*() {
    const total = REMOTE_SUBMIT_STEPS
    const bundled = yield* bundle(api, req, bundler, progress, total)
    yield* progress.step(2, total, `uploading the package of ${bundled.name} to ${api.service.url} (${formatBytes(bundled.size)})`)
    const onSent = yield* uploadProgress(progress, bundled.size,
      progress.step(3, total, `the runtime deploys ${bundled.name} on ${formatTarget(req.target)} and waits for it to run (up to ${req.timeoutSecs}s)`))
    const s = yield* send(api, req, bundled, [], onSent, { status: 201, success: Submitted })
    const submitted: Submit.Submitted = {
      target: { cluster: s.cluster, role: s.role, environ: s.environ },
      name: s.name,
      id: s.id,
      state: s.state,
      packageUri: s.packageUri,
      containers: s.containers,
      instances: s.instances
    }
    return submitted
  }).pipe(Effect.withSpan("heron.submit.remote", { attributes: { target: formatTarget(req.target), file: req.file } }))

/** `--dry-run`: bundles here, packs on the server (its cluster's packing), writes nothing. */
export const dryRun = (api: RemoteApi, req: RemoteSubmitRequest, bundler: Submit.Bundler, progress: Progress) =>
  Effect.gen(function*() {
    const bundled = yield* bundle(api, req, bundler, progress, 2)
    yield* progress.step(2, 2, `packing ${bundled.name} on ${api.service.url}`)
    const plan = yield* send(api, req, bundled, [["dry_run", "true"]], () => Effect.void, { status: 200, success: DryRun })
    return { name: plan.name, packingPlan: plan.packingPlan satisfies PackingPlan }
  })
