/**
 * The runtime's logger: one JSON object per line on stderr, secrets redacted, level from
 * `HERON_LOG_LEVEL` (default Info).
 */
import { Config, Effect, FiberRef, HashSet, Layer, Logger, LogLevel } from "effect"
import { redactWith } from "../Redactor.js"

const levelConfig = Config.literal("All", "Trace", "Debug", "Info", "Warning", "Error", "Fatal", "None")("HERON_LOG_LEVEL").pipe(
  Config.withDefault("Info" as const)
)

/** Makes this the only logger (replacing any set before, e.g. one without the secrets known
 * yet); `secrets` are hidden from every line. */
export const layer = (secrets: ReadonlyArray<string>): Layer.Layer<never> =>
  Layer.unwrapEffect(
    Effect.map(Effect.orElseSucceed(levelConfig, () => "Info" as const), (level) =>
      Layer.merge(
        Layer.scopedDiscard(Effect.locallyScopedWith(FiberRef.currentLoggers, () =>
          HashSet.make(Logger.withConsoleError(Logger.map(Logger.jsonLogger, (line) => redactWith(secrets, line))))
        )),
        Logger.minimumLogLevel(LogLevel.fromLiteral(level))
      )
    )
  )
