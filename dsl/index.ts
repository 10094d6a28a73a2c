/**
 * What cluster files import: `defineCluster`, `env`, `plugin`, and the plugin contract for
 * third-party packages (`definePlugin`).
 */
export { defineCluster, type ClusterInput, type PackingAlgorithm } from "./defineCluster.js"
export { env } from "./env.js"
export { plugin } from "./plugin.js"
export { definePlugin, PluginError, PluginHost, type PluginDefinition, type PluginDeps, type PluginKind } from "../core/Plugin.js"
export * as ClusterLoader from "./ClusterLoader.js"
export { ClusterError } from "./ClusterError.js"
