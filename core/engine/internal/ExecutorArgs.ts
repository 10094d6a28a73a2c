/**
 * The command line of `heron-executor`, which only schedulers write:
 * `--cluster-file F --cluster C --topology T --container I [--topology-module M]`.
 *
 * Parsed here rather than with @effect/cli: the executor is not a user-facing CLI, and leaving
 * @effect/cli (and the YAML/TOML readers it brings) out of every container saves start-up time and
 * memory. Errors name the flag and what was expected.
 */
import { Effect, Option } from "effect"
import { existsSync } from "node:fs"
import { EngineError } from "../EngineError.js"

export interface ExecutorArgs {
  readonly clusterFile: string
  readonly cluster: string
  readonly topology: string
  readonly container: number
  readonly topologyModule: Option.Option<string>
}

export const USAGE = "usage: heron-executor --cluster-file <file> --cluster <name> --topology <name> --container <index> [--topology-module <file>]"

const flags = ["cluster-file", "cluster", "topology", "container", "topology-module"] as const
type Flag = (typeof flags)[number]
const isFlag = (s: string): s is Flag => flags.some((f) => f === s)

const bad = (message: string) => new EngineError({ message: `${message}\n${USAGE}` })

/** Parses the arguments after the script's path (`process.argv.slice(2)`). */
export const parse = (argv: ReadonlyArray<string>): Effect.Effect<ExecutorArgs, EngineError> =>
  Effect.gen(function* () {
    const given = new Map<Flag, string>()
    for (let i = 0; i < argv.length; i += 2) {
      const name = argv[i] ?? ""
      const flag = name.startsWith("--") ? name.slice(2) : ""
      if (!isFlag(flag)) return yield* bad(`unknown argument ${JSON.stringify(name)}`)
      const value = argv[i + 1]
      if (value === undefined || value.startsWith("--")) return yield* bad(`--${flag} needs a value`)
      if (given.has(flag)) return yield* bad(`--${flag} is given twice`)
      given.set(flag, value)
    }
    const required = (flag: Flag) => {
      const v = given.get(flag)
      return v === undefined ? Effect.fail(bad(`--${flag} is missing`)) : Effect.succeed(v)
    }
    const existing = (flag: Flag, file: string) =>
      existsSync(file) ? Effect.succeed(file) : Effect.fail(bad(`--${flag}: no such file ${file}`))
    const clusterFile = yield* Effect.flatMap(required("cluster-file"), (f) => existing("cluster-file", f))
    const containerText = yield* required("container")
    const container = Number(containerText)
    if (!/^\d+$/.test(containerText) || !Number.isSafeInteger(container)) {
      return yield* bad(`--container: expected a container index (0, 1, ...), got ${JSON.stringify(containerText)}`)
    }
    const module = given.get("topology-module")
    return {
      clusterFile,
      cluster: yield* required("cluster"),
      topology: yield* required("topology"),
      container,
      topologyModule: module === undefined ? Option.none() : Option.some(yield* existing("topology-module", module))
    }
  })
