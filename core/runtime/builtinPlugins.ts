/**
 * The plugins shipped in this package, by their folder under `plugins/`, each imported only when a
 * cluster uses it. The bundled executor (`dist/bundle/`) carries them, so a container whose
 * plugins are all built in loads them from the bundle: one copy of `effect`, no module graph to
 * walk in node_modules.
 */
export const builtinPlugins: Readonly<Record<string, () => Promise<unknown>>> = {
  "schedulers/local": () => import("../../plugins/schedulers/local/index.js"),
  "schedulers/yarn": () => import("../../plugins/schedulers/yarn/index.js"),
  "schedulers/aurora": () => import("../../plugins/schedulers/aurora/index.js"),
  "schedulers/kubernetes": () => import("../../plugins/schedulers/kubernetes/index.js"),
  "schedulers/slurm": () => import("../../plugins/schedulers/slurm/index.js"),
  "state-managers/localfs": () => import("../../plugins/state-managers/localfs/index.js"),
  "uploaders/localfs": () => import("../../plugins/uploaders/localfs/index.js"),
  "state-managers/zookeeper": () => import("../../plugins/state-managers/zookeeper/index.js"),
  "uploaders/s3": () => import("../../plugins/uploaders/s3/index.js"),
  "uploaders/hdfs": () => import("../../plugins/uploaders/hdfs/index.js"),
  "sinks/file": () => import("../../plugins/sinks/file/index.js"),
  "sinks/graphite": () => import("../../plugins/sinks/graphite/index.js"),
  "sinks/statsd": () => import("../../plugins/sinks/statsd/index.js"),
  "sinks/scribe": () => import("../../plugins/sinks/scribe/index.js"),
  "sinks/prometheus": () => import("../../plugins/sinks/prometheus/index.js")
}

/** The built-in folder of a plugin module's URL (`.../dist/plugins/<folder>/index.js`), if it is one. */
export const builtinOf = (moduleUrl: string): string | undefined => {
  const m = /\/dist\/plugins\/([a-z-]+\/[a-z0-9-]+)\/index\.js$/.exec(moduleUrl)
  return m?.[1] !== undefined && m[1] in builtinPlugins ? m[1] : undefined
}
