/**
 * A Slurm cluster: each topology runs as one Slurm batch job, one task (and job step) per
 * container, submitted with the Slurm programs of the machine the runtime runs on (a login node).
 *
 * Containers fetch their package and register exactly as on the local cluster, through the
 * `localfs` uploader and state manager, so everything they share lives under the cluster's root,
 * which every node must mount at the same path: `HERON_SLURM_SHARED` (default `$HERON_HOME`, else
 * `~/.heron`). Under `<root>/slurm/`: `state/`, `packages/` and `jobs/<topology>/` (the batch
 * script, each container's launch script, working folder and log).
 *
 * Read from the environment when the file is loaded:
 *   SLURM_CONF           the slurm.conf every Slurm program uses (default: Slurm's own default)
 *   HERON_SLURM_SHARED   the shared root (see above)
 *   HERON_API_TOKENS     `role:token,role:token`, the bearer tokens of the API server (a secret)
 *
 *   SLURM_CONF=/etc/slurm/slurm.conf HERON_SLURM_SHARED=/shared/heron HERON_API_TOKENS=alice:... \
 *     heron-runtime --cluster slurm
 *   heron submit slurm examples/word-count.ts
 */
import { defineCluster, env } from "heron-runtime/dsl"
import { slurm } from "heron-runtime/plugins/schedulers/slurm"
import { file } from "heron-runtime/plugins/sinks/file"
import { localfs as localfsState } from "heron-runtime/plugins/state-managers/localfs"
import { localfs as localfsUploader } from "heron-runtime/plugins/uploaders/localfs"

const slurmConf = process.env["SLURM_CONF"]
const shared = process.env["HERON_SLURM_SHARED"]

export default defineCluster({
  name: "slurm",
  ...(shared === undefined || shared === "" ? {} : { root: shared }),
  tracker: { host: "127.0.0.1", port: 8888 },
  scheduler: slurm({
    ...(slurmConf === undefined || slurmConf === "" ? {} : { slurmConf }),
    workingDirectory: "jobs"
  }),
  stateManager: localfsState({ root: "state" }),
  uploader: localfsUploader({ root: "packages" }),
  sinks: [file({})],
  packing: { algorithm: "round-robin" },
  api: { tokens: env("HERON_API_TOKENS") }
})
