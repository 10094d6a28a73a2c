/**
 * What a container's shell answers, after heron-shell's JSON: the Tracker decodes these and
 * passes them on (`/topologies/containerfilestats`, `/topologies/containerfiledata`), or passes
 * the whole body on as a string (`pid`, `jstack`, `jmap`, `histo`, whose Heron clients parse the
 * `result` string themselves and read `command` and `stdout`).
 */
import { Schema } from "effect"

/** One entry of a directory listing. */
export const FileStat = Schema.Struct({
  /** An `ls -l` line: mode, links, owner, group, size, modification time. */
  formatted_stat: Schema.String,
  is_dir: Schema.Boolean,
  /** The entry's path relative to the container's directory, URL-escaped (as heron-shell). */
  path: Schema.String,
  /** Bytes (for a symlink that leads outside the container's directory: the link's own size). */
  size: Schema.Number
})

/** `filestats`: entry name → stat; `..` is listed below the container's directory, as in Heron. */
export const FileStats = Schema.Record({ key: Schema.String, value: FileStat })
export type FileStats = typeof FileStats.Type

/** `filedata`: `length` bytes of the file from byte `offset`, decoded as UTF-8; `length` 0 at the end. */
export const FileData = Schema.Struct({
  offset: Schema.Number,
  length: Schema.Number,
  data: Schema.String
})
export type FileData = typeof FileData.Type

/** `pid`, `jstack`, `jmap`, `histo`: what was run and its text, as heron-shell's `{command, stdout}`.
 * The shell adds structured fields (pid, thread ids, the report, the heap statistics). */
export const CommandAnswer = Schema.Struct({
  command: Schema.String,
  stdout: Schema.String
})

/** Every failure of the shell: the HTTP status says what kind, `message` says what is wrong. */
export const ShellProblem = Schema.Struct({ message: Schema.String })
