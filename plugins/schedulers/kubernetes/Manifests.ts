/**
 * The objects of one topology, built from its launch request (pure, no API call):
 *
 * - `<topology>-manager`: a StatefulSet of one pod running container 0 (TManager, metrics cache);
 * - `<topology>-executors`: a StatefulSet of n pods running containers 1..n, pod ordinal + 1 being
 *   the container index; its pods share one template whose resources are the largest container's;
 * - `<topology>`: a headless Service giving every pod a stable DNS name
 *   (`<pod>.<topology>.<namespace>.svc`).
 *
 * Both StatefulSets use `podManagementPolicy: Parallel` (all pods start at once) and the
 * `OnDelete` update strategy: a changed template reaches only the pods the scheduler deletes,
 * so an update restarts exactly the containers whose plan changed. The executors StatefulSet and
 * the Service are owned by the manager StatefulSet ({@link withOwner}): deleting it deletes the
 * whole topology.
 */
import { Either } from "effect"
import type { IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet"
import type { IOwnerReference } from "@kubernetes-models/apimachinery/apis/meta/v1/OwnerReference"
import type { IPodTemplateSpec } from "kubernetes-models/v1/PodTemplateSpec"
import type { IService } from "kubernetes-models/v1/Service"
import type { LaunchRequest } from "../../../core/Scheduler.js"
import type { Config } from "./Config.js"
import { executorsContainer, hashOf, managerContainer, specHash } from "./internal/containers.js"
import {
  componentSelector,
  invalidTopologyName,
  keys,
  objectNames,
  topologyAnnotations,
  topologyLabels,
  topologySelector,
  type Component
} from "./internal/names.js"
import { podTemplate } from "./internal/podTemplate.js"

/** The three objects of a topology, and the hash of what each container runs. */
export interface Manifests {
  readonly manager: IStatefulSet
  readonly executors: IStatefulSet
  readonly service: IService
  /** Container index → hash of its argv, env and resources. */
  readonly specs: Readonly<Record<string, string>>
}

/** What a StatefulSet's pods run, as recorded in its annotations. */
export interface Recorded {
  readonly specs: Readonly<Record<string, string>>
  readonly templateHash: string | undefined
}

const parseSpecs = (text: string | undefined): Readonly<Record<string, string>> => {
  try {
    const parsed: unknown = JSON.parse(text ?? "{}")
    return typeof parsed === "object" && parsed !== null
      ? Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === "string"))
      : {}
  } catch {
    return {}
  }
}

/** The spec hashes and template hash a StatefulSet's annotations record. */
export const recorded = (annotations: Readonly<Record<string, string>> | undefined): Recorded => ({
  specs: parseSpecs(annotations?.[keys.containerSpecs]),
  templateHash: annotations?.[keys.templateHash]
})

const statefulSet = (
  request: LaunchRequest,
  config: Config,
  component: Component,
  replicas: number,
  template: IPodTemplateSpec,
  specs: Readonly<Record<string, string>>
): IStatefulSet => {
  const ref = request.topology
  const names = objectNames(ref.name)
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: {
      name: component === "manager" ? names.manager : names.executors,
      namespace: config.namespace,
      labels: topologyLabels(ref, config.labels, component),
      annotations: {
        ...topologyAnnotations(ref, request.packageUri),
        [keys.containerSpecs]: JSON.stringify(specs),
        [keys.templateHash]: hashOf(template)
      }
    },
    spec: {
      replicas,
      serviceName: names.service,
      podManagementPolicy: "Parallel",
      updateStrategy: { type: "OnDelete" },
      selector: { matchLabels: { ...componentSelector(ref, component) } },
      template
    }
  }
}

/** The manifests of `request`, with `template` (the operator's pod template) under every pod, or
 * why the request cannot run on Kubernetes (a topology name that cannot name objects, containers
 * that cannot share a template). */
export const build = (request: LaunchRequest, config: Config, template?: IPodTemplateSpec): Either.Either<Manifests, string> =>
  Either.gen(function*() {
    const ref = request.topology
    const invalid = invalidTopologyName(ref.name)
    if (invalid !== undefined) return yield* Either.left(invalid)
    const zero = request.containers.find((c) => c.index === 0)
    if (zero === undefined) return yield* Either.left("the request has no container 0 (the TManager)")
    const others = request.containers.filter((c) => c.index !== 0)
    const executor = yield* executorsContainer(others)
    const pods = (component: Component, container: typeof executor, heronHome: string | undefined) =>
      podTemplate(template, {
        labels: topologyLabels(ref, config.labels, component),
        annotations: {},
        container,
        image: config.image,
        imagePullPolicy: config.imagePullPolicy,
        serviceAccount: config.serviceAccount,
        terminationGracePeriodSeconds: config.terminationGracePeriodSeconds,
        heronHome
      })
    const home = (env: Readonly<Record<string, string>>) => (env["HERON_HOME"]?.startsWith("/") ? env["HERON_HOME"] : undefined)
    const specs = (cs: typeof request.containers) => Object.fromEntries(cs.map((c) => [String(c.index), specHash(c)]))
    const commonHome = others.every((c) => c.env["HERON_HOME"] === others[0]?.env["HERON_HOME"]) ? home(others[0]?.env ?? {}) : undefined
    return {
      manager: statefulSet(request, config, "manager", 1, pods("manager", managerContainer(zero), home(zero.env)), specs([zero])),
      executors: statefulSet(request, config, "executors", others.length, pods("executors", executor, commonHome), specs(others)),
      service: {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
          name: objectNames(ref.name).service,
          namespace: config.namespace,
          labels: topologyLabels(ref, config.labels),
          annotations: topologyAnnotations(ref, request.packageUri)
        },
        // Headless, and listing pods before they are ready: containers find each other by name
        // while they start.
        spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: { ...topologySelector(ref) } }
      },
      specs: specs(request.containers)
    }
  })

/** The owner reference to the manager StatefulSet (`uid` from the API server). */
export const ownerReference = (managerName: string, uid: string): IOwnerReference => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  name: managerName,
  uid,
  blockOwnerDeletion: true,
  controller: false
})

/** `object` owned by `owner`: the garbage collector deletes it when the owner goes. */
export const withOwner = <A extends { readonly metadata?: { readonly ownerReferences?: ReadonlyArray<IOwnerReference> | undefined } | undefined }>(
  object: A,
  owner: IOwnerReference
): A => ({ ...object, metadata: { ...object.metadata, ownerReferences: [owner] } })
