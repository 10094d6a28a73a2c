/**
 * A real Slurm (test/support/services/slurm.ts) for an end-to-end suite that runs the word count on
 * it: started before the suite, stopped after it, once every bin the suite started is gone.
 */
import { afterAll, beforeAll } from "vitest"
import { stopAll } from "../../support/processes.js"
import { launchSlurm, type LaunchedSlurm, skipWithoutSlurm } from "../../support/services/slurm.js"

export interface SlurmSuite {
  /** True when the suite skips for want of Slurm; under CI=true `slurmSuite` throws instead. */
  readonly skip: boolean
  /** The suite's Slurm; throws when it did not start. */
  readonly slurm: () => LaunchedSlurm
}

/** Registers the suite's `beforeAll`/`afterAll`: call it once, at the top of the test file. */
export const slurmSuite = (): SlurmSuite => {
  const skip = skipWithoutSlurm()
  let slurm: LaunchedSlurm | undefined
  // The word count's containers ask Heron's default resources (up to 4 cores and 2 GB each): a node
  // declared larger than this machine takes them as they are.
  beforeAll(async () => {
    if (!skip) slurm = await launchSlurm({ cpus: 16, realMemoryMb: 16_000 })
  }, 60_000)
  afterAll(async () => {
    await stopAll()
    await slurm?.close()
  }, 120_000)
  return {
    skip,
    slurm: () => {
      if (slurm === undefined) throw new Error("Slurm did not start")
      return slurm
    }
  }
}
