/**
 * What one benchmark run measured, filled phase by phase (a phase that failed leaves its part
 * undefined and its error in `errors`; its rows then say so).
 */
import type { Stall, Window } from "./Scenarios.js"
import type { WireResult } from "./Wire.js"

export interface Baseline {
  readonly tuplesPerSec: number
  readonly tuplesPerCpuSec: number
  readonly p50: number
  readonly p99: number
}

export interface Results {
  readonly startedAt: string
  readonly quick: boolean
  readonly machine: { readonly cores: number; readonly loadavg: string; readonly node: string }
  baseline?: Baseline
  wire?: { readonly raw: WireResult; readonly small: WireResult; readonly large: WireResult }
  bAmo?: Window
  bAlo?: Window
  cAmo?: Window
  cAlo?: Window
  /** At half of (c) at-most-once's rate. */
  half?: { readonly sentencesPerSec: number; readonly window: Window }
  submit?: {
    /** Submit → first counted tuple, ms, per submission. */
    readonly toFirstMs: Array<number>
    /** How long `heron submit` itself ran (it returns once the topology runs), ms. */
    readonly cliMs: Array<number>
    /** `heron version`: the CLI's start-up alone, ms (median of 3). */
    versionMs?: number
  }
  idle?: {
    readonly containerRss: number
    readonly tmanagerRss: number
    readonly bareRss: number
    readonly instances: number
  }
  stall?: Stall & { readonly highWatermark: number }
  readonly errors: Record<string, string>
  durationSec?: number
}
