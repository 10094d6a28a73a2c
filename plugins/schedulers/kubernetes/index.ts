/**
 * The built-in `kubernetes` scheduler plugin: each topology runs as two StatefulSets (container 0,
 * containers 1..n) and a headless Service in a namespace, through the Kubernetes API.
 *
 * ```ts
 * export default defineCluster({
 *   scheduler: kubernetes({ namespace: "heron", image: "registry.example/heron-runtime:0.1.0",
 *                           serviceAccount: "heron-executor",
 *                           podTemplate: { configMap: "heron-pod-template", key: "pod-template.yaml" } }),
 *   ...
 * })
 * ```
 */
import { Effect, Layer } from "effect"
import { definePlugin, PluginError } from "../../../core/Plugin.js"
import { Config } from "./Config.js"

export { Config } from "./Config.js"
export * as Manifests from "./Manifests.js"

/** The version of this plugin. */
export const version = "0.1.0"

/** The scheduler's layer. Its module (and `@kubernetes/client-node`, hundreds of modules) is only
 * imported when a runtime builds the scheduler, not when a cluster file is merely loaded (the CLI). */
const layer = (config: Config) =>
  Layer.unwrapEffect(Effect.tryPromise({
    try: () => import("./KubernetesScheduler.js"),
    catch: (e) => new PluginError({ plugin: "scheduler/kubernetes", message: `cannot load the scheduler: ${e instanceof Error ? e.message : String(e)}` })
  }).pipe(Effect.map((m) => m.layer(config))))

/** The plugin definition, loaded by name (`scheduler/kubernetes`) or through {@link kubernetes}. */
export const definition = definePlugin({
  module: import.meta.url,
  kind: "scheduler",
  name: "kubernetes",
  version,
  config: Config,
  layer
})

/** Chooses the kubernetes scheduler in a cluster file; `image` is required (see {@link Config}). */
export const kubernetes = (o: typeof Config.Encoded) => definition.configure(o)
