/**
 * The `Progress` of a verb run by the API server: its steps go to the runtime's log (info), with
 * the verb, cluster, topology and caller as annotations, where the CLI would print them on stderr.
 */
import { Effect } from "effect"
import type { Progress } from "../cli/heron/Progress.js"

/** Steps and notes at info level, details at debug, each annotated with `annotations`. */
export const logged = (annotations: Readonly<Record<string, string>>): Progress => {
  const log = (level: "info" | "debug", text: string) =>
    (level === "info" ? Effect.logInfo(text) : Effect.logDebug(text)).pipe(Effect.annotateLogs({ api: true, ...annotations }))
  return {
    step: (index, total, text) => log("info", `[${index}/${total}] ${text}`),
    note: (text) => log("info", text),
    detail: (text) => log("debug", text)
  }
}
