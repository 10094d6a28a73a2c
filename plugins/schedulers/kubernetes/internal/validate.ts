/**
 * Every manifest is checked twice before it is sent: against the API's OpenAPI schema with
 * `kubernetes-models` (types, required fields, enums), and for unknown fields by a round trip
 * through client-node's models (which keep only the fields the API defines: `validate()` alone
 * lets a misspelt field through, which the API server would drop or refuse). The client-node
 * model the round trip yields is what is sent.
 */
import type { V1Service, V1StatefulSet } from "@kubernetes/client-node"
import { ObjectSerializer } from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js"
import { Either } from "effect"
import { StatefulSet, type IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet"
import { PodTemplateSpec, type IPodTemplateSpec } from "kubernetes-models/v1/PodTemplateSpec"
import { Service, type IService } from "kubernetes-models/v1/Service"

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Paths present in `original` that are missing from `kept` (nulls count as absent). */
export const unknownFields = (original: unknown, kept: unknown, path = ""): Array<string> => {
  if (Array.isArray(original)) {
    return original.flatMap((o, i) => unknownFields(o, Array.isArray(kept) ? kept[i] : undefined, `${path}[${i}]`))
  }
  if (!isRecord(original)) return []
  return Object.entries(original).flatMap(([k, v]) => {
    const here = path === "" ? k : `${path}.${k}`
    if (v === null || v === undefined) return []
    if (!isRecord(kept) || kept[k] === undefined) return [here]
    return unknownFields(v, kept[k], here)
  })
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** Runs a kubernetes-models validation; its error lists every violation with its path. */
const schemaCheck = (validate: () => void): Either.Either<void, string> => {
  try {
    validate()
    return Either.right(undefined)
  } catch (e) {
    return Either.left(messageOf(e))
  }
}

/** client-node's model of `manifest` (type `clientType`), or the fields the API would not know. */
const roundTrip = <A>(manifest: unknown, clientType: string): Either.Either<A, string> => {
  const model: A = ObjectSerializer.deserialize(manifest, clientType, "")
  const unknown = unknownFields(manifest, ObjectSerializer.serialize(model, clientType, ""))
  return unknown.length === 0 ? Either.right(model) : Either.left(`unknown field(s) ${unknown.join(", ")}`)
}

const describe = (m: { readonly kind: string; readonly metadata?: { readonly name?: string } }) => `${m.kind} ${m.metadata?.name ?? "(unnamed)"}`

/** A StatefulSet checked against the schema and for unknown fields, as client-node sends it. */
export const checkStatefulSet = (m: IStatefulSet): Either.Either<V1StatefulSet, string> =>
  schemaCheck(() => new StatefulSet(m).validate()).pipe(
    Either.flatMap(() => roundTrip<V1StatefulSet>(m, "V1StatefulSet")),
    Either.mapLeft((why) => `${describe(m)} is invalid: ${why}`)
  )

/** A Service checked against the schema and for unknown fields, as client-node sends it. */
export const checkService = (m: IService): Either.Either<V1Service, string> =>
  schemaCheck(() => new Service(m).validate()).pipe(
    Either.flatMap(() => roundTrip<V1Service>(m, "V1Service")),
    Either.mapLeft((why) => `${describe(m)} is invalid: ${why}`)
  )

/** A pod template spec as a user wrote it (decoded YAML or JSON): a `PodTemplate` object (its
 * `template`) or the spec itself, checked against the schema and for unknown fields. */
export const decodePodTemplateSpec = (raw: unknown): Either.Either<IPodTemplateSpec, string> => {
  const spec = isRecord(raw) && raw["kind"] === "PodTemplate" ? raw["template"] : raw
  if (!isRecord(spec)) return Either.left("expected a PodTemplate or a pod template spec (an object with metadata and spec)")
  const kept: IPodTemplateSpec = ObjectSerializer.serialize(ObjectSerializer.deserialize(spec, "V1PodTemplateSpec", ""), "V1PodTemplateSpec", "")
  const unknown = unknownFields(spec, kept)
  if (unknown.length > 0) return Either.left(`unknown field(s) ${unknown.join(", ")}`)
  // A template may leave the containers out (only tolerations, volumes ...): the executor is added.
  const complete: IPodTemplateSpec = { ...kept, spec: { ...kept.spec, containers: kept.spec?.containers ?? [] } }
  return schemaCheck(() => new PodTemplateSpec(complete).validate()).pipe(Either.map(() => complete))
}
