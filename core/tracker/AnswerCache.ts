/**
 * Answers the Tracker already gave, kept by request URL with a test of whether they still hold,
 * so that the same GET asked again is answered by the Node server itself, before the request
 * reaches the Effect app: no routing, parameter decoding, state lookup, mapping to Heron's shapes,
 * serialization or redaction. Dashboards and the UI poll the same few URLs; this is what makes
 * polling cheap.
 *
 * An answer is remembered only by a handler that knows what it depends on (e.g. the watched
 * snapshot of a topology, or the data version of a metrics cache) and gives `fresh`, which must be
 * cheap: it runs on every hit. A stale entry is dropped at its next lookup, and the request goes
 * to the app as usual. At most `maxAnswers` answers and `maxBytes` bytes are kept, the least
 * recently stored going first; an answer over an eighth of `maxBytes` is not kept at all.
 */
import { Context } from "effect"
import { IncomingMessage, Server, ServerResponse } from "node:http"

export interface AnswerCache {
  /** The body remembered for `url` if it still holds; `undefined` otherwise. */
  readonly lookup: (url: string) => Buffer | undefined
  /** Remembers a successful (HTTP 200) answer to a GET of `url` while `fresh()` says it holds. */
  readonly remember: (url: string, body: string, fresh: () => boolean) => void
  /** How many answers are kept now. */
  readonly size: () => number
}

interface Entry {
  readonly body: Buffer
  readonly fresh: () => boolean
}

/** What a cache keeps unless told otherwise. */
export const DEFAULT_LIMITS = { maxAnswers: 2048, maxBytes: 32 * 1024 * 1024 } as const

/** A cache within `limits`. */
export const make = (limits: { readonly maxAnswers: number; readonly maxBytes: number } = DEFAULT_LIMITS): AnswerCache => {
  const entries = new Map<string, Entry>()
  let bytes = 0
  const drop = (url: string) => {
    const entry = entries.get(url)
    if (entry === undefined) return
    entries.delete(url)
    bytes -= entry.body.length
  }
  return {
    lookup: (url) => {
      const entry = entries.get(url)
      if (entry === undefined) return undefined
      if (entry.fresh()) return entry.body
      drop(url)
      return undefined
    },
    remember: (url, body, fresh) => {
      drop(url)
      const kept = Buffer.from(body)
      if (kept.length > limits.maxBytes / 8) return
      entries.set(url, { body: kept, fresh })
      bytes += kept.length
      for (const oldest of entries.keys()) {
        if (entries.size <= limits.maxAnswers && bytes <= limits.maxBytes) break
        drop(oldest)
      }
    },
    size: () => entries.size
  }
}

/** A cache that keeps nothing: handlers outside a served Tracker (tests, other servers). */
export const disabled: AnswerCache = { lookup: () => undefined, remember: () => undefined, size: () => 0 }

/** The cache the Tracker's handlers remember their answers in; none unless the server provides one. */
export class TrackerAnswers extends Context.Reference<TrackerAnswers>()("heron/tracker/TrackerAnswers", {
  defaultValue: (): AnswerCache => disabled
}) {}

/** The headers every Tracker answer carries (see `Envelope.jsonResponse`). */
const CONTENT_TYPE = "application/json; charset=utf-8"

/**
 * A Node HTTP server that answers a GET from `cache` when it holds the URL, and hands every other
 * request to its `request` listeners (the Effect app) as usual. The answer is the one the app gave:
 * same body, status 200 and headers.
 */
export const serverWith = (cache: AnswerCache) => (): Server =>
  new (class extends Server {
    override emit(event: string, ...args: Array<unknown>): boolean {
      const [req, res] = args
      if (event === "request" && req instanceof IncomingMessage && res instanceof ServerResponse) {
        const body = req.method === "GET" && req.url !== undefined ? cache.lookup(req.url) : undefined
        if (body !== undefined) {
          res.writeHead(200, { "content-type": CONTENT_TYPE, "access-control-allow-origin": "*", "content-length": body.length })
          res.end(body)
          return true
        }
      }
      return super.emit(event, ...args)
    }
  })()
