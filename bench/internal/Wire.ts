/**
 * Loopback TCP between two processes: raw sockets (the ceiling) against the engine's stream
 * manager data plane on both ends, with the same 64 KB batches (see wire-child.ts).
 */
import { fileURLToPath } from "node:url"
import { num, startChild } from "./Children.js"
import { threadLoads, threadTicks } from "./Proc.js"

const childFile = fileURLToPath(new URL("./wire-child.ts", import.meta.url))

export interface WireResult {
  readonly mode: "raw" | "stmgr"
  readonly size: "small" | "large"
  readonly bytesPerSec: number
  readonly framesPerSec: number
  /** Busiest thread of the sender / receiver process, as a share of one core. */
  readonly senderLoad: number
  readonly receiverLoad: number
}

/** Runs one sender/receiver pair for `warmupMs + measureMs`. */
export const measureWire = async (mode: "raw" | "stmgr", size: "small" | "large", warmupMs: number, measureMs: number): Promise<WireResult> => {
  let receiver: ReturnType<typeof startChild> | undefined
  let sender: ReturnType<typeof startChild> | undefined
  try {
    // Raw sockets: the receiver listens. Stream managers: the receiving one connects to the
    // sending one, as in a container (it reads on the connection it opened, see PeerClient.ts).
    if (mode === "raw") {
      receiver = startChild([childFile, "receive", mode, size, String(warmupMs), String(measureMs)])
      const port = num(await receiver.next("port", 30_000), "port")
      sender = startChild([childFile, "send", mode, size, String(port)])
    } else {
      sender = startChild([childFile, "send", mode, size])
      const port = num(await sender.next("port", 30_000), "port")
      receiver = startChild([childFile, "receive", mode, size, String(warmupMs), String(measureMs), String(port)])
    }
    await receiver.next("phase", 30_000 + warmupMs)
    const pids = [sender.pid, receiver.pid]
    const before = new Map(pids.map((p) => [p, threadTicks(p)]))
    const t0 = performance.now()
    const result = await receiver.next("bytes", 30_000 + measureMs)
    const after = new Map(pids.map((p) => [p, threadTicks(p)]))
    const loads = threadLoads(before, after, (performance.now() - t0) / 1000)
    const busiest = (pid: number) => loads.find((l) => l.pid === pid)?.load ?? Number.NaN
    const seconds = num(result, "seconds")
    return {
      mode,
      size,
      bytesPerSec: num(result, "bytes") / seconds,
      framesPerSec: num(result, "frames") / seconds,
      senderLoad: busiest(sender.pid),
      receiverLoad: busiest(receiver.pid)
    }
  } finally {
    sender?.kill()
    receiver?.kill()
  }
}
