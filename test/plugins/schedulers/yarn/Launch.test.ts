// What the yarn scheduler submits, run the way YARN would run it: no NodeManager can run here, so
// the test plays its part (a `launch_container.sh` that exports the environment and execs the
// command inside `/bin/bash -c "..."`, after expanding `{{VAR}}`, `<CPS>` and `<LOG_DIR>`) and a
// fake `java` plays Hadoop's DistributedShell master (it reads `shellCommands` with Java's
// `readUTF` and starts that command once per container with `YARN_SHELL_ID` = 1..n, in a
// launch script of its own). Each container runs a probe that records its argv and environment.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ContainerLaunch, LaunchRequest } from "../../../../core/Scheduler.js"
import { startYarnRm } from "../../../support/services/yarnRm.js"
import { request, scheduler } from "./helpers.js"

/** Hadoop's launch script: `export K="V"` lines, then `exec /bin/bash -c "<command>"`. */
const launchScript = (env: ReadonlyArray<readonly [string, string]>, command: string) =>
  ["#!/bin/bash", "set -o pipefail -e", ...env.map(([k, v]) => `export ${k}="${v}"`), `exec /bin/bash -c "${command}"`, ""].join("\n")

/** YARN's expansions on Linux: `{{VAR}}` → `$VAR`, `<CPS>` → `:`, `<LOG_DIR>` → the log folder. */
const expand = (text: string, logDir: string) =>
  text.replace(/\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g, "$$$1").replaceAll("<CPS>", ":").replaceAll("<LOG_DIR>", logDir)

/** A fake `java` that does what DistributedShell's master does with its arguments. */
const fakeJava = (root: string) => `#!${process.execPath}
const { mkdirSync, readFileSync, writeFileSync } = require("node:fs")
const { spawnSync } = require("node:child_process")
const { join } = require("node:path")
const args = process.argv.slice(2)
const opt = (name) => args[args.indexOf("--" + name) + 1]
const shellEnv = args.flatMap((a, i) => (args[i - 1] === "--shell_env" ? [[a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]] : []))
const raw = readFileSync("shellCommands")
const command = raw.subarray(2, 2 + raw.readUInt16BE(0)).toString("utf8")
writeFileSync("am.json", JSON.stringify({ args, command }))
let failed = 0
for (let id = 1; id <= Number(opt("num_containers")); id++) {
  const dir = join(${JSON.stringify(root)}, "container_" + id)
  mkdirSync(join(dir, "logs"), { recursive: true })
  const env = [...shellEnv, ["YARN_SHELL_ID", String(id)]]
  const script = ["#!/bin/bash", "set -o pipefail -e", ...env.map(([k, v]) => "export " + k + '="' + v + '"'),
    'exec /bin/bash -c "' + command + "  1>" + join(dir, "logs") + "/stdout 2>" + join(dir, "logs") + '/stderr "', ""].join("\\n")
  writeFileSync(join(dir, "launch_container.sh"), script)
  failed += spawnSync("bash", ["launch_container.sh"], { cwd: dir, env: { PATH: process.env.PATH }, stdio: "ignore" }).status === 0 ? 0 : 1
}
process.exit(failed)
`

describe("yarn scheduler: the launch, run as YARN runs it", () => {
  it.scopedLive("starts every Heron container with exactly its argv and environment", () =>
    Effect.gen(function*() {
      const root = mkdtempSync(join(tmpdir(), "heron-yarn-launch-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(root, { recursive: true, force: true })))
      const probes = join(root, "probes")
      mkdirSync(probes)
      const tricky = `it's "quoted" $HOME \`date\` \\ back\nnew line, ünïcode, {"json": [1, {"a": "b"}]}`
      const base = request("launch", [0, 1, 3])
      const launch = new LaunchRequest({
        ...base,
        containers: base.containers.map((c) =>
          new ContainerLaunch({ ...c, argv: [...c.argv, "--quote", "a'b \"c\" $d"], env: { PROBE_DIR: probes, TRICKY: tricky, HERON_CONTAINER_PLAN: `plan-${c.index}` } })
        )
      })
      const rm = yield* startYarnRm()
      const s = yield* scheduler({ resourceManager: rm.url, containerRetryIntervalMs: 3000 })
      yield* s.schedule(launch)
      const submission = rm.apps()[0]?.submission as {
        "am-container-spec": { commands: { command: string }; environment: { entry: Array<{ key: string; value: string }> } }
      }
      const spec = submission["am-container-spec"]

      const jdk = join(root, "jdk", "bin")
      mkdirSync(jdk, { recursive: true })
      writeFileSync(join(jdk, "java"), fakeJava(root))
      chmodSync(join(jdk, "java"), 0o755)
      const am = join(root, "am")
      const amLogs = join(am, "logs")
      mkdirSync(amLogs, { recursive: true })
      const env = [["JAVA_HOME", join(root, "jdk")] as const, ...spec.environment.entry.map((e) => [e.key, expand(e.value, amLogs)] as const)]
      writeFileSync(join(am, "launch_container.sh"), launchScript(env, expand(spec.commands.command, amLogs)))
      // stdin is not a socket (Node's default pipes are): bash would read ~/.bashrc then.
      const run = spawnSync("bash", ["launch_container.sh"], { cwd: am, env: { PATH: process.env.PATH }, encoding: "utf8", timeout: 20_000, stdio: ["ignore", "pipe", "pipe"] })
      expect(run.status, `${run.stderr}${readFileSync(join(amLogs, "AppMaster.stderr"), "utf8")}`).toBe(0)

      const master = JSON.parse(readFileSync(join(am, "am.json"), "utf8")) as { args: Array<string>; command: string }
      expect(master.command).toBe("echo $HERON_CONTAINER_SCRIPT|base64 -d>heron-container.sh&&exec bash heron-container.sh")
      expect(master.args.slice(0, 2)).toEqual(["-Xmx409m", "org.apache.hadoop.yarn.applications.distributedshell.ApplicationMaster"])
      for (const c of launch.containers) {
        const seen = JSON.parse(readFileSync(join(probes, `container-${c.index}.json`), "utf8")) as { argv: Array<string>; env: Record<string, string> }
        expect(seen.argv).toEqual(c.argv.slice(1))
        expect(seen.env).toMatchObject({ ...c.env, HERON_CONTAINER_INDEX: String(c.index), HERON_TOPOLOGY_NAME: "launch" })
      }
      // The containers' stderr is empty: nothing went wrong on the way.
      for (const id of [1, 2, 3]) expect(readFileSync(join(root, `container_${id}`, "logs", "stderr"), "utf8")).toBe("")

      // A YARN container beyond the plan (an extra allocation) has nothing to run and exits 0.
      const script = Buffer.from(spec.environment.entry.find((e) => e.key === "HERON_CONTAINER_SCRIPT")?.value ?? "", "base64").toString("utf8")
      writeFileSync(join(root, "heron-container.sh"), script)
      const extra = spawnSync("bash", ["heron-container.sh"], { cwd: root, env: { PATH: process.env.PATH, YARN_SHELL_ID: "4" }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
      expect([extra.status, extra.stderr]).toEqual([0, "heron: no Heron container for YARN_SHELL_ID=4 (this application runs 3)\n"])
    }))
})
