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
  /** "full", "quick" (shorter windows) or "smoke" (one topology, tiny windows: checks the harness). */
  readonly mode: "full" | "quick" | "smoke"
  readonly machine: { readonly cores: number; readonly loadavg: string; readonly node: string }
  /** Of the bench spout's sentences, on average. */
  readonly wordsPerSentence: number
  baseline?: Baseline
  /** Best of `rounds` interleaved runs of each. */
  wire?: { readonly raw: WireResult; readonly small: WireResult; readonly large: WireResult; readonly rounds: number }
  bAmo?: Window
  bAlo?: Window
  cAmo?: Window
  cAlo?: Window
  /** At half of (c) at-most-once's rate. */
  half?: { readonly sentencesPerSec: number; readonly settledMs: number; readonly window: Window }
  submit?: {
    /** Submit → first counted tuple, ms, per submission. */
    readonly toFirstMs: Array<number>
    /** How long `heron submit` itself ran (it returns once the topology runs), ms. */
    readonly cliMs: Array<number>
    /** Per submission, where `heron submit`'s time went (see Scenarios.Deployed). */
    readonly phases: Array<ReadonlyArray<{ readonly name: string; readonly ms: number }>>
  }
  /** `heron version`: the CLI's start-up alone, ms (median of 3). */
  versionMs?: number
  idle?: {
    readonly containerRss: number
    readonly tmanagerRss: number
    readonly bareRss: number
    /** A bare node process with `instances` idle worker threads: the floor of one isolate per instance. */
    readonly workersRss: number
    readonly instances: number
  }
  stall?: Stall & { readonly highWatermark: number }
  readonly errors: Record<string, string>
  /** Phases not run in this mode. */
  readonly skipped: Array<string>
  durationSec?: number
}
