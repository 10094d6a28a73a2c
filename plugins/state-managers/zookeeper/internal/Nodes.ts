/**
 * What every part of the store shares: the session, the ACL of new nodes, and the mapping of store
 * paths (`/topologies/wc`) to ZooKeeper paths under the root (`/heron/topologies/wc`), plus the
 * creation of missing parent nodes.
 */
import { Effect } from "effect"
import { StateError } from "../../../../core/StateManager.js"
import type { Session } from "./Session.js"
import { Codes, create, type AclMode, type ZkFailure } from "./Zk.js"

export interface Ctx {
  readonly session: Session
  /** The ACL of every node the store creates. */
  readonly acl: AclMode
  /** `""` for the root `/`, else the root without a trailing slash. */
  readonly prefix: string
}

// ZooKeeper refuses these characters in paths; `.` and `..` are refused as names.
const forbidden = /[\u0000-\u001f\u007f-\u009f\ud800-\uf8ff\ufff0-\uffff]/

/** Why `path` is not a valid absolute node path, or undefined when it is. */
export const invalidPath = (path: string): string | undefined => {
  if (path === "/") return undefined
  if (!path.startsWith("/")) return "not absolute"
  const segments = path.slice(1).split("/")
  if (segments.some((s) => s.length === 0)) return "has an empty segment"
  if (segments.some((s) => s === "." || s === "..")) return "has a '.' or '..' segment"
  if (forbidden.test(path)) return "has a character ZooKeeper refuses"
  return undefined
}

/** The ZooKeeper path of a store path, or a `StateError` for `op` when the path is invalid. */
export const zkPathOf = (ctx: Ctx, op: string, path: string): Effect.Effect<string, StateError> => {
  const why = invalidPath(path)
  if (why !== undefined) {
    return Effect.fail(new StateError({ op, path, message: `invalid node path "${path}": ${why} (absolute, '/'-separated, no empty, '.' or '..' segments)` }))
  }
  return Effect.succeed(path === "/" ? (ctx.prefix === "" ? "/" : ctx.prefix) : `${ctx.prefix}${path}`)
}

/** The parent of a ZooKeeper path (`/` for a top-level node). */
export const parentOf = (zkPath: string): string => {
  const i = zkPath.lastIndexOf("/")
  return i <= 0 ? "/" : zkPath.slice(0, i)
}

export const isCode = (code: number) => (f: ZkFailure): boolean => f.code === code

/**
 * Makes sure the node `zkPath` exists, creating it and its missing ancestors as empty persistent
 * nodes. Tries the node first and climbs only on `NO_NODE`, so an existing tree costs one request.
 */
export const ensurePath = (ctx: Ctx, op: string, path: string, zkPath: string): Effect.Effect<void, StateError> => {
  if (zkPath === "/") return Effect.void
  const attempt = ctx.session.run(op, path, zkPath, (conn) =>
    create(conn.client, zkPath, new Uint8Array(0), "persistent", ctx.acl).pipe(
      Effect.as(true),
      Effect.catchIf(isCode(Codes.NODE_EXISTS), () => Effect.succeed(true)),
      Effect.catchIf(isCode(Codes.NO_NODE), () => Effect.succeed(false))
    ))
  return Effect.flatMap(attempt, (made) =>
    made ? Effect.void : Effect.zipRight(ensurePath(ctx, op, path, parentOf(zkPath)), ensurePath(ctx, op, path, zkPath)))
}
