/**
 * What Slurm says of a topology's job and steps, as the contract's container statuses.
 */
import { Option } from "effect"
import { ContainerStatus } from "../../../../core/Scheduler.js"
import type { StoredJob } from "./Files.js"
import { type ContainerStep, hasEnded, type Job, stateOf } from "./Squeue.js"

/** Job states in which nothing of the job runs yet. */
const waiting = new Set(["PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "SPECIAL_EXIT"])
/** Ended states that are not a failure: the job finished or was cancelled. */
const orderly = new Set(["COMPLETED", "CANCELLED"])

const reasonOf = (job: Job): string => {
  const reason = job.state_reason ?? "None"
  return reason === "None" ? "" : ` (${reason})`
}

/**
 * The status of each container of `stored`: pending while its job waits or while the batch script
 * is between two runs of it, running while it has a step (handle `<job>.<step>`, restarts from
 * the step name), exited or failed once the job has ended, unknown when Slurm no longer knows it.
 */
export const containerStatuses = (
  stored: StoredJob,
  job: Option.Option<Job>,
  steps: ReadonlyArray<ContainerStep>
): ReadonlyArray<ContainerStatus> =>
  [...stored.containers].sort((a, b) => a.index - b.index).map(({ index }) => {
    const id = stored.jobId
    const base = { index, handle: String(id), restarts: 0 }
    if (Option.isNone(job)) {
      return new ContainerStatus({ ...base, state: "unknown", message: `job ${id} is no longer known to Slurm` })
    }
    const j = job.value
    const state = stateOf(j)
    if (waiting.has(state)) return new ContainerStatus({ ...base, state: "pending", message: `job ${id} is ${state}${reasonOf(j)}` })
    if (hasEnded(j)) {
      return new ContainerStatus({ ...base, state: orderly.has(state) ? "exited" : "failed", message: `job ${id} ended: ${state}${reasonOf(j)}` })
    }
    if (state !== "RUNNING") return new ContainerStatus({ ...base, state: "unknown", message: `job ${id} is ${state}${reasonOf(j)}` })
    const step = steps.find((s) => s.index === index)
    return step === undefined
      ? new ContainerStatus({ ...base, state: "pending", message: `job ${id} runs; container ${index} is between two runs` })
      : new ContainerStatus({ index, state: "running", handle: `${id}.${step.stepId}`, restarts: step.restarts })
  })
