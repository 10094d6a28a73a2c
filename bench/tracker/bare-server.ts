/**
 * The baseline of the Tracker benchmark, run as its own process (as the Tracker runs in the
 * runtime's): a bare Node `http` server answering each path with a body cached in memory, the
 * same JSON the Tracker answered for it, with the Tracker's content type. No routing, parsing or
 * state reads: the ceiling of a Node HTTP server on this machine.
 *
 *   node --import tsx bench/tracker/bare-server.ts <bodies.json>   # {"/path": "<body>", ...}
 *
 * Prints `{"port": <n>}` once listening on 127.0.0.1; unknown paths get 404.
 */
import { readFileSync } from "node:fs"
import { createServer } from "node:http"

const file = process.argv[2]
if (file === undefined) throw new Error("usage: bare-server.ts <bodies.json>")
const parsed: unknown = JSON.parse(readFileSync(file, "utf8"))
const bodies = new Map<string, Buffer>()
if (typeof parsed === "object" && parsed !== null) {
  for (const [path, body] of Object.entries(parsed)) if (typeof body === "string") bodies.set(path, Buffer.from(body))
}

const server = createServer((req, res) => {
  const url = req.url ?? "/"
  const q = url.indexOf("?")
  const body = bodies.get(q < 0 ? url : url.slice(0, q))
  if (body === undefined) {
    res.writeHead(404).end()
    return
  }
  res.writeHead(200, { "content-type": "application/json; charset=utf-8", "access-control-allow-origin": "*", "content-length": body.length })
  res.end(body)
})
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  process.stdout.write(`${JSON.stringify({ port: typeof address === "object" && address !== null ? address.port : 0 })}\n`)
})
