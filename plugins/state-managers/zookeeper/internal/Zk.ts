/**
 * The ZooKeeper requests the store uses, as effects over one `node-zookeeper-client` client.
 * Every failure is a {@link ZkFailure} carrying ZooKeeper's code and name (`NO_NODE`, -101) and
 * the ZooKeeper path; watches are plain callbacks registered by the read that sets them.
 */
import { Data, Effect } from "effect"
import { ACL, CreateMode, Exception, Id, Permission, type Client, type Stat } from "node-zookeeper-client"

/** One request failed. `code`/`name` are ZooKeeper's (`-101`/`NO_NODE`); `detail` explains a
 * failure that did not come from the server (a refused argument, a request that never returned). */
export class ZkFailure extends Data.TaggedError("ZkFailure")<{
  readonly code: number
  readonly name: string
  readonly zkPath: string
  readonly detail?: string
}> {}

export const Codes = {
  CONNECTION_LOSS: Exception.CONNECTION_LOSS,
  OPERATION_TIMEOUT: Exception.OPERATION_TIMEOUT,
  BAD_ARGUMENTS: Exception.BAD_ARGUMENTS,
  NO_NODE: Exception.NO_NODE,
  NO_AUTH: Exception.NO_AUTH,
  BAD_VERSION: Exception.BAD_VERSION,
  NODE_EXISTS: Exception.NODE_EXISTS,
  NOT_EMPTY: Exception.NOT_EMPTY,
  SESSION_EXPIRED: Exception.SESSION_EXPIRED,
  AUTH_FAILED: Exception.AUTH_FAILED
} as const

/** Failures that a new attempt on a (re)connected session may cure. */
export const isRetryable = (f: ZkFailure): boolean =>
  f.code === Codes.CONNECTION_LOSS || f.code === Codes.SESSION_EXPIRED || f.code === Codes.OPERATION_TIMEOUT

/** `NO_NODE (-101)`, plus the detail if any: how errors name ZooKeeper's code. */
export const describeFailure = (f: ZkFailure): string =>
  `${f.name} (${f.code})${f.detail === undefined ? "" : `: ${f.detail}`}`

/** The largest payload accepted: ZooKeeper refuses requests over `jute.maxbuffer` (1 MiB by
 * default), path and ACLs included, by dropping the connection. */
export const MAX_DATA_BYTES = 1024 * 1024 - 1024

const hasCode = (e: unknown): e is { readonly code: number; readonly name: string } =>
  typeof e === "object" && e !== null && "code" in e && typeof e.code === "number" && "name" in e && typeof e.name === "string"

const failureOf = (zkPath: string, e: unknown): ZkFailure =>
  hasCode(e)
    ? new ZkFailure({ code: e.code, name: e.name, zkPath })
    : new ZkFailure({ code: Codes.BAD_ARGUMENTS, name: "BAD_ARGUMENTS", zkPath, detail: e instanceof Error ? e.message : String(e) })

/** Runs a callback-style request; a synchronous throw (the client's argument checks) fails too. */
const request = <A>(zkPath: string, start: (done: (error: unknown, value: A) => void) => void): Effect.Effect<A, ZkFailure> =>
  Effect.async<A, ZkFailure>((resume) => {
    try {
      start((error, value) => resume(error ? Effect.fail(failureOf(zkPath, error)) : Effect.succeed(value)))
    } catch (e) {
      resume(Effect.fail(failureOf(zkPath, e)))
    }
  })

/** What the ACL of created nodes is: open to all, or only to the authenticated creator. */
export type AclMode = "open" | "creator"

const aclsOf = (mode: AclMode): Array<ACL> =>
  mode === "creator"
    ? [new ACL(Permission.ALL, new Id("auth", ""))]
    : [new ACL(Permission.ALL, new Id("world", "anyone"))]

export type Watcher = () => void

/** The node's data and stat. */
export const getData = (client: Client, zkPath: string, watcher?: Watcher) =>
  request<{ readonly data: Uint8Array; readonly stat: Stat }>(zkPath, (done) => {
    const cb = (e: unknown, data: Buffer | undefined, stat: Stat) => done(e, { data: new Uint8Array(data ?? Buffer.alloc(0)), stat })
    if (watcher) client.getData(zkPath, watcher, cb)
    else client.getData(zkPath, cb)
  })

/** The node's stat, `undefined` when it does not exist. A watcher fires when it is created
 * (this client library never tells existence watchers about deletions: use `getData` for that). */
export const exists = (client: Client, zkPath: string, watcher?: Watcher) =>
  request<Stat | undefined>(zkPath, (done) => {
    const cb = (e: unknown, stat: Stat | undefined) => done(e, stat ?? undefined)
    if (watcher) client.exists(zkPath, watcher, cb)
    else client.exists(zkPath, cb)
  })

/** The names of the node's children, unsorted. */
export const getChildren = (client: Client, zkPath: string, watcher?: Watcher) =>
  request<ReadonlyArray<string>>(zkPath, (done) => {
    const cb = (e: unknown, children: Array<string> | undefined) => done(e, children ?? [])
    if (watcher) client.getChildren(zkPath, watcher, cb)
    else client.getChildren(zkPath, cb)
  })

export type Mode = "persistent" | "ephemeral" | "ephemeral-sequential"

const modeOf = (mode: Mode): number =>
  mode === "persistent" ? CreateMode.PERSISTENT : mode === "ephemeral" ? CreateMode.EPHEMERAL : CreateMode.EPHEMERAL_SEQUENTIAL

/** Creates a node; returns its path (with the sequence number for sequential nodes). */
export const create = (client: Client, zkPath: string, data: Uint8Array, mode: Mode, acl: AclMode) =>
  request<string>(zkPath, (done) => client.create(zkPath, Buffer.from(data), aclsOf(acl), modeOf(mode), done))

/** Replaces the node's data if its version is `version` (-1: any); returns the new stat. */
export const setData = (client: Client, zkPath: string, data: Uint8Array, version: number) =>
  request<Stat>(zkPath, (done) => client.setData(zkPath, Buffer.from(data), version, done))

/** Removes the node if its version is `version` (-1: any). */
export const remove = (client: Client, zkPath: string, version: number) =>
  request<void>(zkPath, (done) => client.remove(zkPath, version, (e) => done(e, undefined)))

/**
 * Atomically removes the node at `version` and creates it again with `data` in `mode`: how a node
 * changes owner (ephemeral ↔ persistent, or another session's ephemeral node becomes ours).
 * `version` must be at least 1: the client library turns a version of 0 in a transaction into -1.
 */
export const replace = (client: Client, zkPath: string, version: number, data: Uint8Array, mode: Mode, acl: AclMode) =>
  version < 1
    ? Effect.fail(new ZkFailure({ code: Codes.BAD_ARGUMENTS, name: "BAD_ARGUMENTS", zkPath, detail: `cannot replace version ${version} atomically` }))
    : request<void>(zkPath, (done) =>
      client.transaction()
        .remove(zkPath, version)
        .create(zkPath, Buffer.from(data), aclsOf(acl), modeOf(mode))
        .commit((e) => done(e, undefined)))

/** Whether the node is an ephemeral node of the session `sessionId` (hex). */
export const ownedBy = (stat: Stat, sessionId: string): boolean => stat.ephemeralOwner.toString("hex") === sessionId

/** Whether the node is ephemeral (of any session). */
export const isEphemeral = (stat: Stat): boolean => stat.ephemeralOwner.some((b) => b !== 0)
