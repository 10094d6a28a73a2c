/**
 * Test helpers: scraping a Prometheus endpoint over HTTP and parsing the text exposition format
 * (0.0.4) into samples and types.
 */
import { Effect } from "effect"

export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

export interface Exposition {
  readonly contentType: string | null
  readonly samples: ReadonlyArray<Sample>
  /** `# TYPE` lines: metric name to type. */
  readonly types: ReadonlyMap<string, string>
}

const unescape = (v: string) => v.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c))

/** Parses the text format; fails on a line it cannot read. */
export const parse = (text: string): ReadonlyArray<Sample> & { types: ReadonlyMap<string, string> } => {
  const samples: Array<Sample> = []
  const types = new Map<string, string>()
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type !== null) {
      types.set(type[1]!, type[2]!)
      continue
    }
    if (line.startsWith("#")) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (m === null) throw new Error(`not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = unescape(l[2]!)
    samples.push({ name: m[1]!, labels, value: Number(m[3]) })
  }
  return Object.assign(samples, { types })
}

/** GETs `url`; the status, content type and body. */
export const get = (url: string) =>
  Effect.tryPromise(async () => {
    const response = await fetch(url)
    return { status: response.status, contentType: response.headers.get("content-type"), body: await response.text() }
  })

/** Scrapes `url` (expects 200) and parses the exposition. */
export const scrape = (url: string): Effect.Effect<Exposition, Error> =>
  get(url).pipe(
    Effect.mapError((e) => new Error(`GET ${url}: ${String(e.cause)}`)),
    Effect.flatMap((r) =>
      r.status === 200
        ? Effect.try({ try: () => parse(r.body), catch: (e) => (e instanceof Error ? e : new Error(String(e))) }).pipe(
          Effect.map((samples) => ({ contentType: r.contentType, samples, types: samples.types }))
        )
        : Effect.fail(new Error(`GET ${url}: status ${r.status}`)))
  )

/** The samples named `name`. */
export const named = (e: Exposition, name: string) => e.samples.filter((s) => s.name === name)
