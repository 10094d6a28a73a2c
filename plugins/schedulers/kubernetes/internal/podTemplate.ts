/**
 * Merges the scheduler's pod (labels, the `executor` container, service account, ...) over the
 * pod template an operator keeps in a ConfigMap. The template's fields stay (node selectors,
 * tolerations, affinity, volumes, sidecars, security context, the executor's `envFrom`, volume
 * mounts and extra env); what the scheduler sets wins: image, command, the launch env, resources,
 * labels, restart policy.
 */
import type { IContainer } from "kubernetes-models/v1/Container"
import type { IEnvVar } from "kubernetes-models/v1/EnvVar"
import type { IPodTemplateSpec } from "kubernetes-models/v1/PodTemplateSpec"
import type { IVolume } from "kubernetes-models/v1/Volume"
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount"
import { EXECUTOR_CONTAINER } from "./containers.js"

/** What the scheduler sets on every pod of a StatefulSet. */
export interface PodSettings {
  readonly labels: Readonly<Record<string, string>>
  readonly annotations: Readonly<Record<string, string>>
  readonly container: IContainer
  readonly image: string
  readonly imagePullPolicy?: "Always" | "IfNotPresent" | "Never" | undefined
  readonly serviceAccount?: string | undefined
  readonly terminationGracePeriodSeconds?: number | undefined
  /** The container's `HERON_HOME`: an `emptyDir` is mounted there, so it is writable whatever the image. */
  readonly heronHome?: string | undefined
}

const HOME_VOLUME = "heron-home"

const byName = <A extends { readonly name: string }>(ours: ReadonlyArray<A>, theirs: ReadonlyArray<A> | undefined): Array<A> =>
  [...ours, ...(theirs ?? []).filter((t) => !ours.some((o) => o.name === t.name))]

const mergeContainer = (base: IContainer | undefined, s: PodSettings): IContainer => {
  const ours = s.container
  const mounts: Array<IVolumeMount> = s.heronHome === undefined ? [] : [{ name: HOME_VOLUME, mountPath: s.heronHome }]
  const env: Array<IEnvVar> = byName(ours.env ?? [], base?.env)
  return {
    ...base,
    ...ours,
    image: s.image,
    ...(s.imagePullPolicy === undefined ? {} : { imagePullPolicy: s.imagePullPolicy }),
    env,
    resources: {
      requests: { ...base?.resources?.requests, ...ours.resources?.requests },
      limits: { ...base?.resources?.limits, ...ours.resources?.limits }
    },
    ...(mounts.length === 0 && base?.volumeMounts === undefined ? {} : { volumeMounts: byName(mounts, base?.volumeMounts).filter((m, i, all) => all.findIndex((o) => o.mountPath === m.mountPath) === i) })
  }
}

/** The pod template of a StatefulSet: `s` over `template` (when the operator gave one). */
export const podTemplate = (template: IPodTemplateSpec | undefined, s: PodSettings): IPodTemplateSpec => {
  const spec = template?.spec
  const containers = spec?.containers ?? []
  const executor = containers.find((c) => c.name === EXECUTOR_CONTAINER)
  const volumes: Array<IVolume> = s.heronHome === undefined ? [] : [{ name: HOME_VOLUME, emptyDir: {} }]
  const annotations = { ...template?.metadata?.annotations, ...s.annotations }
  return {
    metadata: {
      labels: { ...template?.metadata?.labels, ...s.labels },
      ...(Object.keys(annotations).length === 0 ? {} : { annotations })
    },
    spec: {
      ...spec,
      // A StatefulSet's pods always restart.
      restartPolicy: "Always",
      ...(s.serviceAccount === undefined ? {} : { serviceAccountName: s.serviceAccount }),
      ...(s.terminationGracePeriodSeconds === undefined ? {} : { terminationGracePeriodSeconds: s.terminationGracePeriodSeconds }),
      containers: [mergeContainer(executor, s), ...containers.filter((c) => c !== executor)],
      ...(volumes.length === 0 && spec?.volumes === undefined ? {} : { volumes: byName(volumes, spec?.volumes) })
    }
  }
}
