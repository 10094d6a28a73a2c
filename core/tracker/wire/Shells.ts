/**
 * Where the Tracker reaches a container's shell: container 0 (the TManager) at its location's
 * `shellPort`, the others at their stream manager's `shellPort` in the physical plan.
 */
import { Either } from "effect"
import { TrackerFailure } from "../Envelope.js"
import type { TopologySnapshot } from "./Snapshot.js"

/** A container's shell. */
export interface ShellAddress {
  readonly container: number
  readonly host: string
  readonly port: number
}

const noShell = (s: TopologySnapshot, container: number) =>
  new TrackerFailure({ status: 503, message: `container ${container} of ${s.name} has not reported a shell (not started yet, or started by an older heron-runtime)` })

const address = (s: TopologySnapshot, container: number, host: string, port: number): Either.Either<ShellAddress, TrackerFailure> =>
  port > 0 ? Either.right({ container, host, port }) : Either.left(noShell(s, container))

/** The shell of container `container`; 404 when the topology has no such container running. */
export const containerShell = (s: TopologySnapshot, container: number): Either.Either<ShellAddress, TrackerFailure> => {
  if (container === 0) {
    return s.tmanager === undefined
      ? Either.left(new TrackerFailure({ status: 404, message: `${s.name} has no TManager running (container 0)` }))
      : address(s, 0, s.tmanager.host, s.tmanager.shellPort)
  }
  if (s.physicalPlan === undefined) return Either.left(new TrackerFailure({ status: 404, message: `${s.name} has no physical plan yet` }))
  const stmgr = s.physicalPlan.stmgrs.find((m) => m.containerIndex === container)
  return stmgr === undefined
    ? Either.left(new TrackerFailure({ status: 404, message: `${s.name} has no container ${container}` }))
    : address(s, container, stmgr.host, stmgr.shellPort)
}

/** The shell of the container running instance `instanceId`; 404 for an unknown instance. */
export const instanceShell = (s: TopologySnapshot, instanceId: string): Either.Either<ShellAddress, TrackerFailure> => {
  if (s.physicalPlan === undefined) return Either.left(new TrackerFailure({ status: 404, message: `${s.name} has no physical plan yet` }))
  const instance = s.physicalPlan.instances.find((i) => i.instanceId === instanceId)
  const stmgr = instance && s.physicalPlan.stmgrs.find((m) => m.id === instance.stmgrId)
  return stmgr === undefined
    ? Either.left(new TrackerFailure({ status: 404, message: `${s.name} has no instance ${instanceId}` }))
    : address(s, stmgr.containerIndex, stmgr.host, stmgr.shellPort)
}
