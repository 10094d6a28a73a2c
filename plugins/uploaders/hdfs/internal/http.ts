/**
 * The HTTP the WebHDFS client needs, on `node:http(s)`: one request at a time, an optional file
 * as the body (sent with its `Content-Length`, bytes counted as they go), the answer as a stream.
 */
import { createReadStream } from "node:fs"
import { request as httpRequest, type IncomingMessage } from "node:http"
import { request as httpsRequest } from "node:https"

/** A file sent as a request body. */
export interface FileBody {
  readonly file: string
  readonly size: number
  /** Bytes handed to the socket so far. */
  readonly onSent: (sentBytes: number) => void
}

/** Sends one request; resolves with the answer once its headers arrived. The caller reads or
 * discards the body (`readText`, `discard`). */
export const send = (url: URL, method: string, signal: AbortSignal, body?: FileBody): Promise<IncomingMessage> =>
  new Promise((resolve, reject) => {
    const request = url.protocol === "https:" ? httpsRequest : httpRequest
    const req = request(url, {
      method,
      signal,
      headers: body === undefined
        ? { "Content-Length": 0 }
        : { "Content-Length": body.size, "Content-Type": "application/octet-stream" }
    })
    req.once("response", resolve)
    req.once("error", reject)
    if (body === undefined) {
      req.end()
      return
    }
    let sent = 0
    const source = createReadStream(body.file)
    source.on("data", (chunk) => {
      sent += chunk.length
      body.onSent(sent)
    })
    // The server may answer (an error) before it has read everything: the answer wins then.
    source.once("error", (e) => req.destroy(e))
    source.pipe(req)
  })

/** The answer's body as text, at most `limit` bytes of it. */
export const readText = (res: IncomingMessage, limit = 1024 * 1024): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    res.on("data", (c: Buffer) => {
      if (size < limit) chunks.push(c)
      size += c.length
    })
    res.once("end", () => resolve(Buffer.concat(chunks).subarray(0, limit).toString("utf8")))
    res.once("error", reject)
  })

/** Drops the answer's body (so that the connection can be reused). */
export const discard = (res: IncomingMessage): Promise<void> =>
  new Promise((resolve) => {
    res.once("end", () => resolve())
    res.once("error", () => resolve())
    res.resume()
  })
