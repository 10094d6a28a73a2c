/**
 * How a failed request reads in a `StateError`: the operation, the ZooKeeper path and code, and a
 * hint for the codes people meet.
 */
import { StateError } from "../../../../core/StateManager.js"
import { Codes, describeFailure, type ZkFailure } from "./Zk.js"

/** What a `StateError` says about a failure, with a hint for the codes people meet. */
export const explain = (op: string, f: ZkFailure): string => {
  const hint = f.code === Codes.NO_AUTH
    ? " (the node's ACL does not allow this client: check the plugin's auth)"
    : f.code === Codes.AUTH_FAILED
      ? " (ZooKeeper refused the credentials)"
      : f.code === Codes.NOT_EMPTY
        ? " (the node has children)"
        : ""
  return `${op} ${f.zkPath}: ZooKeeper error ${describeFailure(f)}${hint}`
}

/** The `StateError` for `op` on store path `path` failing with `f`. */
export const failWith = (op: string, path: string) => (f: ZkFailure) => new StateError({ op, path, message: explain(op, f) })
