/**
 * The DAG's layout: ELK's layered algorithm, run in a web worker (the worker script is loaded
 * once, when the first topology page has drawn its containers), left to right, with each edge's
 * grouping as its label. Until ELK answers (its worker takes a few hundred ms to start) the DAG is drawn by stages
 * (longest path from a spout), which is also the layout should the worker fail. ELK's layouts are
 * kept in `localStorage` by graph, so that a topology seen before is drawn by ELK at once.
 */
import ELK, { type ElkExtendedEdge, type ElkNode } from "elkjs/lib/elk-api.js"
import type { ComponentNode, Edge } from "./Plan.js"

export interface Point {
  readonly x: number
  readonly y: number
}

export interface NodeBox {
  readonly id: string
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}

export interface EdgePath {
  readonly id: string
  readonly from: string
  readonly to: string
  readonly points: ReadonlyArray<Point>
  readonly label: string
  readonly labelAt: Point | undefined
}

export interface Layout {
  readonly width: number
  readonly height: number
  readonly nodes: ReadonlyArray<NodeBox>
  readonly edges: ReadonlyArray<EdgePath>
  readonly engine: "elk" | "stages"
}

const NODE_H = 78
const nodeWidth = (c: ComponentNode) => Math.max(170, 24 + 9 * c.name.length)

/** The text of an edge: its grouping, and its stream when not the default one. */
export const edgeLabel = (e: Edge): string => (e.stream === "default" ? e.grouping : `${e.grouping} · ${e.stream}`)

let elk: InstanceType<typeof ELK> | undefined
/** Starts the layout worker (idempotent). */
export const warmUp = (): void => {
  if (elk !== undefined) return
  performance.mark("heron:layout worker")
  elk = new ELK({ workerUrl: __ELK_WORKER_URL__ })
}

/** The layout by stages: computed at once, in this thread. */
export const byStages = (components: ReadonlyArray<ComponentNode>, edges: ReadonlyArray<Edge>): Layout => {
  const depth = new Map<string, number>()
  const visit = (name: string, seen: ReadonlySet<string>): number => {
    const known = depth.get(name)
    if (known !== undefined) return known
    const parents = edges.filter((e) => e.to === name && !seen.has(e.from))
    const d = parents.length === 0 ? 0 : 1 + Math.max(...parents.map((e) => visit(e.from, new Set([...seen, name]))))
    depth.set(name, d)
    return d
  }
  components.forEach((c) => visit(c.name, new Set([c.name])))
  const columns = new Map<number, Array<ComponentNode>>()
  for (const c of components) columns.set(depth.get(c.name) ?? 0, [...(columns.get(depth.get(c.name) ?? 0) ?? []), c])
  const colWidth = 260
  const nodes = components.map((c) => {
    const d = depth.get(c.name) ?? 0
    const row = columns.get(d)?.indexOf(c) ?? 0
    return { id: c.name, x: 20 + d * colWidth, y: 20 + row * (NODE_H + 40), width: nodeWidth(c), height: NODE_H }
  })
  const at = new Map(nodes.map((n) => [n.id, n]))
  const paths = edges.flatMap((e) => {
    const a = at.get(e.from)
    const b = at.get(e.to)
    if (a === undefined || b === undefined) return []
    const start = { x: a.x + a.width, y: a.y + a.height / 2 }
    const end = { x: b.x, y: b.y + b.height / 2 }
    return [{ id: e.id, from: e.from, to: e.to, points: [start, end], label: edgeLabel(e), labelAt: { x: (start.x + end.x) / 2, y: (start.y + end.y) / 2 - 6 } }]
  })
  return {
    width: Math.max(...nodes.map((n) => n.x + n.width), 0) + 20,
    height: Math.max(...nodes.map((n) => n.y + n.height), 0) + 20,
    nodes,
    edges: paths,
    engine: "stages"
  }
}

const STORE = "heron.layout:"

/** A short, stable name for a graph (FNV-1a of its description). */
export const graphKey = (components: ReadonlyArray<ComponentNode>, edges: ReadonlyArray<Edge>): string => {
  const text = JSON.stringify([components.map((c) => [c.name, c.kind, c.parallelism]), edges.map((e) => [e.id, edgeLabel(e)])])
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return `${(h >>> 0).toString(36)}-${text.length}`
}

const isLayout = (u: unknown): u is Layout =>
  typeof u === "object" && u !== null && "engine" in u && u.engine === "elk" && "nodes" in u && Array.isArray(u.nodes) && "edges" in u && Array.isArray(u.edges) &&
  "width" in u && typeof u.width === "number" && "height" in u && typeof u.height === "number"

/** ELK's layout of this graph from an earlier visit, if kept. */
export const remembered = (key: string): Layout | undefined => {
  try {
    const raw = globalThis.localStorage.getItem(STORE + key)
    const parsed: unknown = raw === null ? undefined : JSON.parse(raw)
    return isLayout(parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}

export const remember = (key: string, l: Layout): void => {
  try {
    if (l.engine === "elk") globalThis.localStorage.setItem(STORE + key, JSON.stringify(l))
  } catch {
    // Storage full or disabled: ELK lays it out again next time.
  }
}

/** Lays the DAG out with ELK; by stages when ELK is not available. */
export const layout = async (components: ReadonlyArray<ComponentNode>, edges: ReadonlyArray<Edge>): Promise<Layout> => {
  warmUp()
  if (elk === undefined) return byStages(components, edges)
  try {
    const edgeList: Array<ElkExtendedEdge> = edges.map((e) => ({
      id: e.id,
      sources: [e.from],
      targets: [e.to],
      labels: [{ text: edgeLabel(e), width: 7 * edgeLabel(e).length + 8, height: 16 }]
    }))
    const input: ElkNode = {
      id: "root",
      layoutOptions: {
        "elk.algorithm": "layered",
        "elk.direction": "RIGHT",
        "elk.spacing.nodeNode": "28",
        "elk.layered.spacing.nodeNodeBetweenLayers": "70",
        "elk.spacing.edgeLabel": "4",
        "elk.edgeLabels.placement": "CENTER",
        "elk.padding": "[top=16,left=16,bottom=16,right=16]"
      },
      children: components.map((c) => ({ id: c.name, width: nodeWidth(c), height: NODE_H })),
      edges: edgeList
    }
    performance.mark("heron:layout asked")
    const graph = await elk.layout(input)
    performance.mark("heron:layout answered")
    const byId = new Map(edges.map((e) => [e.id, e]))
    return {
      width: graph.width ?? 0,
      height: graph.height ?? 0,
      nodes: (graph.children ?? []).map((n) => ({ id: n.id, x: n.x ?? 0, y: n.y ?? 0, width: n.width ?? 0, height: n.height ?? 0 })),
      edges: (graph.edges ?? []).flatMap((e) => {
        const source = byId.get(e.id)
        const s = e.sections?.[0]
        if (source === undefined || s === undefined) return []
        const l = e.labels?.[0]
        return [{
          id: e.id,
          from: source.from,
          to: source.to,
          points: [s.startPoint, ...(s.bendPoints ?? []), s.endPoint],
          label: edgeLabel(source),
          labelAt: l === undefined ? undefined : { x: (l.x ?? 0) + (l.width ?? 0) / 2, y: (l.y ?? 0) + (l.height ?? 0) - 4 }
        }]
      }),
      engine: "elk"
    }
  } catch {
    return byStages(components, edges)
  }
}
