import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { fileURLToPath } from "node:url"
import { parse } from "../../core/engine/internal/ExecutorArgs.js"

const file = fileURLToPath(import.meta.url)
const base = ["--cluster-file", file, "--cluster", "local", "--topology", "wc", "--container", "2"]
const refusal = (argv: ReadonlyArray<string>) => Effect.map(Effect.flip(parse(argv)), (e) => e.message.split("\n")[0])

describe("heron-executor's arguments", () => {
  it.effect("parses the command line the launch plan writes", () =>
    Effect.gen(function* () {
      expect(yield* parse(base)).toEqual({ clusterFile: file, cluster: "local", topology: "wc", container: 2, topologyModule: Option.none() })
      expect((yield* parse([...base, "--topology-module", file])).topologyModule).toEqual(Option.some(file))
    }))

  it.effect("refuses what it cannot run, naming the flag and what was expected", () =>
    Effect.gen(function* () {
      expect(yield* refusal(base.slice(2))).toBe("--cluster-file is missing")
      expect(yield* refusal([...base.slice(0, 6), "--container", "-1"])).toBe('--container: expected a container index (0, 1, ...), got "-1"')
      expect(yield* refusal([...base.slice(0, 6), "--container", "x"])).toBe('--container: expected a container index (0, 1, ...), got "x"')
      expect(yield* refusal(["--cluster-file", "/nonexistent/x.heron.ts", ...base.slice(2)])).toBe("--cluster-file: no such file /nonexistent/x.heron.ts")
      expect(yield* refusal([...base, "--verbose", "1"])).toBe('unknown argument "--verbose"')
      expect(yield* refusal([...base, "--cluster"])).toBe("--cluster needs a value")
      expect(yield* refusal([...base, "--cluster", "again"])).toBe("--cluster is given twice")
    }))
})
