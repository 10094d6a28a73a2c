/**
 * A real single-node Slurm 22.05 for tests: its own temp directory, `slurm.conf` as
 * ../shared/BACKENDS.md gives it (free ports, state/spool/log paths in the temp directory), its own
 * `munged` (a key made with `mungekey`, or a copy of /etc/munge/munge.key, and a socket in the temp
 * directory that `AuthInfo=socket=` points Slurm to), then `slurmctld -D -i` and
 * `slurmd -D -N localhost`. Ready when `sinfo -h -o %t` prints `idle`. Stopping cancels every job,
 * waits until the queue is empty, stops the daemons by pid (never by name), then sweeps any process
 * still carrying this instance's `SLURM_CONF` in its environment, and removes the directory.
 *
 * A private munged, rather than the system one, keeps several suites (each with its own Slurm)
 * independent: none of them starts or stops what another one uses.
 *
 * `cpus`/`realMemoryMb` above the machine's (2 CPUs, 1000 MB in BACKENDS.md) declare a larger node
 * with `SlurmdParameters=config_overrides`, so that topologies packed with Heron's default
 * resources can be scheduled with their real requests.
 *
 * `slurmMissing()` says why Slurm cannot run here; a suite skips then, except under `CI=true`,
 * where `skipWithoutSlurm` throws and `startSlurm` fails.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Data, Effect, Exit, Schedule, Scope } from "effect"
import { freePort } from "./carbon.js"

export class SlurmError extends Data.TaggedError("SlurmError")<{ readonly message: string }> {}

const programs = ["slurmctld", "slurmd", "munged", "sbatch", "srun", "squeue", "scancel", "scontrol", "sinfo"] as const
const systemKey = "/etc/munge/munge.key"

const onPath = (bin: string): boolean => spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0

/** Why Slurm cannot run on this machine, or undefined when it can. */
export const slurmMissing = (): string | undefined => {
  const absent = programs.filter((p) => !onPath(p))
  if (absent.length > 0) return `${absent.join(", ")} not installed (apt-get install slurm-wlm munge)`
  if (!onPath("mungekey") && !existsSync(systemKey)) return `no munge key: neither mungekey nor ${systemKey} (apt-get install munge)`
  if (process.getuid?.() !== 0) return "the test Slurm runs its daemons as root (SlurmUser=root)"
  return undefined
}

/** True when a suite should skip for want of Slurm; throws under CI=true, where it must run. */
export const skipWithoutSlurm = (): boolean => {
  const missing = slurmMissing()
  if (missing !== undefined && process.env.CI === "true") throw new Error(missing)
  return missing !== undefined
}

export interface SlurmOptions {
  /** CPUs of the node. Default 2 (the machine's, as in BACKENDS.md). */
  readonly cpus?: number
  /** RealMemory of the node in MB. Default 1000. */
  readonly realMemoryMb?: number
}

/** A running Slurm. */
export interface SlurmServer {
  readonly dir: string
  /** The path of slurm.conf: what `SLURM_CONF` must name for every Slurm program. */
  readonly conf: string
  /** `{ SLURM_CONF }`, to add to the environment of whatever runs Slurm programs. */
  readonly env: Readonly<Record<string, string>>
  /** Runs a Slurm program against this instance; its stdout, or a failure with its stderr. */
  readonly command: (program: string, args: ReadonlyArray<string>) => Effect.Effect<string, SlurmError>
  /** The daemons' output so far (for failure messages). */
  readonly output: () => string
}

const signal = (c: ChildProcess, s: NodeJS.Signals) => {
  if (c.exitCode === null && c.signalCode === null) c.kill(s)
}

/** Stops a daemon we started: SIGTERM, SIGKILL after 10 s, and waits for its exit. */
const stopChild = (c: ChildProcess, exited: Promise<void>) =>
  Effect.promise(async () => {
    if (c.exitCode !== null || c.signalCode !== null) return
    const killer = setTimeout(() => signal(c, "SIGKILL"), 10_000)
    signal(c, "SIGTERM")
    await exited
    clearTimeout(killer)
  })

/** Pids of the processes whose environment holds `SLURM_CONF=<conf>`: what this instance ran. */
const processesOf = (conf: string): Array<number> =>
  readdirSync("/proc").filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid).flatMap((e) => {
    try {
      return readFileSync(`/proc/${e}/environ`, "utf8").split("\0").includes(`SLURM_CONF=${conf}`) ? [Number(e)] : []
    } catch {
      return []
    }
  })

/** Starts Slurm (and its munged) in a temp directory; stopped and removed with the scope. */
export const startSlurm = (options: SlurmOptions = {}): Effect.Effect<SlurmServer, SlurmError, Scope.Scope> =>
  Effect.gen(function* () {
    const missing = slurmMissing()
    if (missing !== undefined) return yield* new SlurmError({ message: missing })
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "heron-slurm-"))),
      (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
    )
    // munged wants the folders up to its socket searchable by everyone.
    chmodSync(dir, 0o755)
    for (const sub of ["munge", "state", "spool", "log"]) mkdirSync(join(dir, sub), { mode: 0o755 })
    const conf = join(dir, "slurm.conf")
    const env = { SLURM_CONF: conf }
    let output = ""
    const keep = (d: Buffer) => (output = (output + d.toString()).slice(-64_000))

    const daemons = new Set<number>()
    const daemon = (program: string, args: ReadonlyArray<string>) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          const child = spawn(program, args, { cwd: dir, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
          if (child.pid !== undefined) daemons.add(child.pid)
          const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
          child.once("error", (e) => keep(Buffer.from(`${program}: ${e.message}\n`)))
          child.stdout?.on("data", keep)
          child.stderr?.on("data", keep)
          return { child, exited }
        }),
        ({ child, exited }) => stopChild(child, exited)
      )

    const command = (program: string, args: ReadonlyArray<string>) =>
      Effect.sync(() => spawnSync(program, args, { env: { ...process.env, ...env }, encoding: "utf8", timeout: 30_000 })).pipe(
        Effect.flatMap((r) =>
          r.status === 0
            ? Effect.succeed(r.stdout)
            : Effect.fail(new SlurmError({ message: `${program} ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr}` })))
      )

    // munge: a private key and daemon.
    const key = join(dir, "munge", "munge.key")
    if (onPath("mungekey")) yield* command("mungekey", ["--create", `--keyfile=${key}`])
    else {
      copyFileSync(systemKey, key)
      chmodSync(key, 0o600)
    }
    const socket = join(dir, "munge", "munge.socket")
    yield* daemon("munged", [
      "--foreground", "--force", `--socket=${socket}`, `--key-file=${key}`, `--pid-file=${join(dir, "munge", "munged.pid")}`,
      `--log-file=${join(dir, "log", "munged.log")}`, `--seed-file=${join(dir, "munge", "munged.seed")}`
    ])
    yield* Effect.sync(() => existsSync(socket)).pipe(
      Effect.filterOrFail((up) => up, () => new SlurmError({ message: `munged did not create ${socket}; output:\n${output}` })),
      Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("15 seconds")))
    )

    const [ctldPort, dPort] = [yield* Effect.promise(freePort), yield* Effect.promise(freePort)]
    const cpus = options.cpus ?? 2
    const memory = options.realMemoryMb ?? 1000
    writeFileSync(conf, [
      "ClusterName=heron",
      "SlurmctldHost=localhost",
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      "SlurmUser=root",
      "SlurmdUser=root",
      "AuthType=auth/munge",
      `AuthInfo=socket=${socket}`,
      "ProctrackType=proctrack/pgid",
      "TaskPlugin=task/none",
      "JobAcctGatherType=jobacct_gather/none",
      "AccountingStorageType=accounting_storage/none",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_Core",
      "ReturnToService=2",
      "MpiDefault=none",
      "MailProg=/bin/true",
      `StateSaveLocation=${join(dir, "state")}`,
      `SlurmdSpoolDir=${join(dir, "spool")}`,
      `SlurmctldPidFile=${join(dir, "slurmctld.pid")}`,
      `SlurmdPidFile=${join(dir, "slurmd.pid")}`,
      `SlurmctldLogFile=${join(dir, "log", "slurmctld.log")}`,
      `SlurmdLogFile=${join(dir, "log", "slurmd.log")}`,
      ...(cpus > 2 || memory > 1000 ? ["SlurmdParameters=config_overrides"] : []),
      `NodeName=localhost NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${memory} State=UNKNOWN`,
      "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP",
      ""
    ].join("\n"))

    // The finalizer below runs before these daemons' own (and munged's): it drains the queue, then
    // stops slurmctld before slurmd (once slurmd is gone, slurmctld spends 10 s on SIGTERM).
    const ctld = yield* daemon("slurmctld", ["-D", "-i"])
    const slurmd = yield* daemon("slurmd", ["-D", "-N", "localhost"])
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        const queued = yield* command("squeue", ["-h", "-o", "%i"]).pipe(Effect.orElseSucceed(() => ""))
        const ids = queued.split("\n").map((l) => l.trim()).filter((l) => l !== "")
        if (ids.length > 0) yield* command("scancel", ids).pipe(Effect.ignore)
        yield* command("squeue", ["-h", "-o", "%i"]).pipe(
          Effect.filterOrFail((out) => out.trim() === "", () => new SlurmError({ message: "jobs still in the queue" })),
          Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo("60 seconds"))),
          Effect.ignore
        )
        yield* stopChild(ctld.child, ctld.exited)
        yield* stopChild(slurmd.child, slurmd.exited)
        // What a job left behind (slurmstepd, a task that ignored SIGTERM): only after the daemons,
        // whose own helpers (slurmscriptd) carry the same environment.
        for (const pid of processesOf(conf).filter((p) => !daemons.has(p))) {
          try {
            process.kill(pid, "SIGKILL")
          } catch {
            // gone meanwhile
          }
        }
      }))

    yield* command("sinfo", ["-h", "-o", "%t"]).pipe(
      Effect.filterOrFail((out) => out.trim() === "idle", (out) => new SlurmError({ message: `sinfo says ${JSON.stringify(out.trim())}` })),
      Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo("30 seconds"))),
      Effect.mapError((e) => new SlurmError({ message: `Slurm did not become ready: ${e.message}\noutput:\n${output}` }))
    )
    return { dir, conf, env, command, output: () => output } satisfies SlurmServer
  })

/** The same server for code outside Effect (e.g. a plain `beforeAll`). */
export interface LaunchedSlurm {
  readonly dir: string
  readonly conf: string
  readonly env: Readonly<Record<string, string>>
  readonly command: (program: string, args: ReadonlyArray<string>) => Promise<string>
  readonly output: () => string
  /** Cancels every job, stops the daemons and removes the directory. */
  readonly close: () => Promise<void>
}

/** Starts Slurm as {@link startSlurm} does; `close()` stops it and removes its files. */
export const launchSlurm = async (options: SlurmOptions = {}): Promise<LaunchedSlurm> => {
  const scope = Effect.runSync(Scope.make())
  const server = await Effect.runPromise(startSlurm(options).pipe(Scope.extend(scope), Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause)))))
  return {
    dir: server.dir,
    conf: server.conf,
    env: server.env,
    command: (program, args) => Effect.runPromise(server.command(program, args)),
    output: server.output,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

/** The Slurm job and step a process runs in (`SLURM_JOB_ID`, `SLURM_STEP_ID` of its environment),
 * or undefined when it does not run under Slurm (or is gone). */
export const slurmStepOf = (pid: number): { readonly jobId: number; readonly stepId: number } | undefined => {
  try {
    const env = new Map(readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]))
    const job = env.get("SLURM_JOB_ID")
    const step = env.get("SLURM_STEP_ID")
    return job === undefined || step === undefined ? undefined : { jobId: Number(job), stepId: Number(step) }
  } catch {
    return undefined
  }
}
