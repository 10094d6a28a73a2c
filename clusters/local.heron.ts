/**
 * The embedded default cluster: everything on this machine, nothing to install.
 * State, packages, logs and metrics live under `$HERON_HOME/local` (default `~/.heron/local`).
 */
import { defineCluster } from "heron-runtime/dsl"
import { local } from "heron-runtime/plugins/schedulers/local"
import { file } from "heron-runtime/plugins/sinks/file"
import { localfs as localfsState } from "heron-runtime/plugins/state-managers/localfs"
import { localfs as localfsUploader } from "heron-runtime/plugins/uploaders/localfs"

export default defineCluster({
  name: "local",
  tracker: { host: "127.0.0.1", port: 8888 },
  scheduler: local({}),
  stateManager: localfsState({}),
  uploader: localfsUploader({}),
  sinks: [file({})],
  packing: { algorithm: "round-robin" }
})
