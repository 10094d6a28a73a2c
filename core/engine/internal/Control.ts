/**
 * The control protocol between stream managers and the TManager: length-prefixed JSON frames
 * (`u32 LE length` + UTF-8 JSON) over TCP, each message checked with Schema when it arrives.
 *
 * - stream manager → TManager: `Register` once connected (again after every reconnect).
 * - TManager → stream manager: `Plan` (the whole physical plan, whenever it changes, including
 *   RUNNING/PAUSED), `Refused` (wrong topology, or a container not in the packing plan).
 */
import { Either, ParseResult, Schema } from "effect"
import type * as net from "node:net"
import { PhysicalPlan } from "../../model/PhysicalPlan.js"
import { FrameReader } from "./FrameReader.js"

/** One instance a stream manager runs, as it registers it. */
export class RegisteredInstance extends Schema.Class<RegisteredInstance>("RegisteredInstance")({
  taskId: Schema.Int,
  componentName: Schema.String,
  componentIndex: Schema.Int
}) {}

/** A stream manager introduces itself: where its data port is and which instances it runs. */
export const Register = Schema.TaggedStruct("Register", {
  topologyName: Schema.String,
  topologyId: Schema.String,
  containerIndex: Schema.Int,
  host: Schema.String,
  dataPort: Schema.Int,
  pid: Schema.Int,
  cwd: Schema.String,
  instances: Schema.Array(RegisteredInstance),
  /** The container's shell (0: none), and its log files relative to `cwd`. */
  shellPort: Schema.optionalWith(Schema.Int, { default: () => 0 }),
  logFiles: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
})
export type Register = typeof Register.Type

/** The current physical plan. */
export const Plan = Schema.TaggedStruct("Plan", { plan: PhysicalPlan })
/** The TManager will not take this stream manager (another topology, or another submission of it). */
export const Refused = Schema.TaggedStruct("Refused", { message: Schema.String })

/** What a TManager accepts. */
export const ToTManager = Register
/** What a stream manager accepts. */
export const ToStmgr = Schema.Union(Plan, Refused)
export type ToStmgr = typeof ToStmgr.Type

/** Writes one message (encoded with its schema) as a frame. */
export const send = <A, I>(socket: net.Socket, schema: Schema.Schema<A, I>, message: A): void => {
  const json = Buffer.from(JSON.stringify(Schema.encodeSync(schema)(message)), "utf8")
  const header = Buffer.allocUnsafe(4)
  header.writeUInt32LE(json.length, 0)
  socket.write(Buffer.concat([header, json]))
}

/** Reads frames from `socket` and hands each decoded message to `onMessage`; a frame that is not
 * JSON or does not match `schema` goes to `onBad` with the reason. */
export const receive = <A, I>(
  socket: net.Socket,
  schema: Schema.Schema<A, I>,
  onMessage: (message: A) => void,
  onBad: (why: string) => void
): void => {
  const decode = Schema.decodeUnknownEither(schema)
  const reader = new FrameReader((buf, start, end) => {
    let json: unknown
    try {
      json = JSON.parse(buf.toString("utf8", start + 4, end))
    } catch (e) {
      return onBad(`not JSON: ${e instanceof Error ? e.message : String(e)}`)
    }
    Either.match(decode(json), {
      onLeft: (e) => onBad(ParseResult.TreeFormatter.formatErrorSync(e)),
      onRight: onMessage
    })
  }, 64 * 1024 * 1024)
  socket.on("data", (chunk: Buffer) => {
    try {
      reader.push(chunk)
    } catch (e) {
      onBad(e instanceof Error ? e.message : String(e))
      socket.destroy()
    }
  })
}
