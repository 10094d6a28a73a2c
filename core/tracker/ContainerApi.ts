/**
 * The contract of the Tracker's container endpoints, after Heron's legacy tracker: an instance's
 * process (`pid`, `jstack`, `jmap`, `histo`), a container's files (`containerfilestats`,
 * `containerfiledata`, `containerfiledownload`) and the hosts of every topology (`/machines`).
 * The Tracker reaches each container through its shell (see `core/engine/shell/Shell.ts`), found
 * in the physical plan; it never reads a container's disk itself.
 *
 * As in Heron, the `result` of `pid`, `jstack`, `jmap` and `histo` is the shell's answer as a JSON
 * *string* (Heron's UI parses it and prints `command` and `stdout`); `containerfiledownload`
 * answers the file's bytes, without the envelope. Everything else is in the envelope. Every
 * parameter is declared an optional string so that a missing one is answered with the envelope.
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { FileData, FileStats } from "../engine/shell/ShellWire.js"
import { FailureEnvelope, success } from "./Envelope.js"
import { MachinesWire } from "./wire/Machines.js"

const Param = Schema.optional(Schema.Union(Schema.String, Schema.Array(Schema.String)))

/**
 * `cluster`, `environ`, `role` (optional), `topology`, and as each endpoint needs: `instance`
 * (an instance id, `container_1_word_3`; or, for `pid`/`jstack`/`jmap`/`histo` only, `container`
 * instead to ask about a container's main thread, e.g. the TManager's), `container` (its index;
 * 0 is the TManager's), `path`
 * (relative to the container's directory), `offset` and `length` (bytes; -1 = end of file / to
 * the end). Repeated values: the last wins, except `/machines`' `cluster`, `environ`, `topology`.
 */
export const ContainerParams = Schema.Struct({
  cluster: Param,
  environ: Param,
  role: Param,
  topology: Param,
  instance: Param,
  container: Param,
  path: Param,
  offset: Param,
  length: Param
})
export type ContainerParams = typeof ContainerParams.Type

/** Failures: 400 bad or missing parameter, 403 path outside the container's directory, 404 unknown
 * topology / instance / container / file, 500 state manager, 502 the shell failed, 503 the container
 * has no shell (yet), 504 the shell or the instance did not answer in time. */
const failures = <const Name extends string, const Path extends `/${string}`>(name: Name, path: Path) =>
  HttpApiEndpoint.get(name, path)
    .setUrlParams(ContainerParams)
    .addError(FailureEnvelope, { status: 400 })
    .addError(FailureEnvelope, { status: 403 })
    .addError(FailureEnvelope, { status: 404 })
    .addError(FailureEnvelope, { status: 500 })
    .addError(FailureEnvelope, { status: 502 })
    .addError(FailureEnvelope, { status: 503 })
    .addError(FailureEnvelope, { status: 504 })

/** The shell's `{command, stdout, ...}` as a JSON string (Heron's shape). */
const ShellAnswerString = Schema.String.annotations({
  description: "JSON text of {command, stdout, pid, thread_id, container, ...}, as heron-shell's answer"
})

export class ContainerApi extends HttpApiGroup.make("container")
  .add(failures("pid", "/topologies/pid").addSuccess(success(ShellAnswerString)))
  .add(failures("jstack", "/topologies/jstack").addSuccess(success(ShellAnswerString)))
  .add(failures("jmap", "/topologies/jmap").addSuccess(success(ShellAnswerString)))
  .add(failures("histo", "/topologies/histo").addSuccess(success(ShellAnswerString)))
  .add(failures("containerfilestats", "/topologies/containerfilestats").addSuccess(success(FileStats)))
  .add(failures("containerfiledata", "/topologies/containerfiledata").addSuccess(success(FileData)))
  .add(failures("containerfiledownload", "/topologies/containerfiledownload")
    .addSuccess(HttpApiSchema.Uint8Array({ contentType: "application/octet-stream" })))
  .add(failures("machines", "/machines").addSuccess(success(MachinesWire)))
{}
