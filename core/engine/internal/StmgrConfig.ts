/**
 * Stream manager settings read from the topology config, and its metrics.
 */
import type { Watermarks } from "./Backpressure.js"
import type { DataPlane } from "./DataPlane.js"
import { emptyStats } from "./Link.js"

/** Heron's keys for the backpressure watermarks of each buffer, in MB (fractions allowed). */
export const HIGH_WATERMARK_KEY = "heron.stmgr.network.backpressure.highwatermark.mb"
export const LOW_WATERMARK_KEY = "heron.stmgr.network.backpressure.lowwatermark.mb"
/** Defaults, smaller than Heron's 100 / 50 MB: a container's memory stays small. */
export const DEFAULT_HIGH_MB = 16
export const DEFAULT_LOW_MB = 8

const mb = (config: Readonly<Record<string, string>>, key: string, fallback: number): number => {
  const n = Number(config[key])
  return config[key] !== undefined && Number.isFinite(n) && n > 0 ? n : fallback
}

/** The watermarks a topology's config asks for (defaults above). */
export const watermarksOf = (config: Readonly<Record<string, string>>): Watermarks => {
  const high = mb(config, HIGH_WATERMARK_KEY, DEFAULT_HIGH_MB)
  const low = Math.min(mb(config, LOW_WATERMARK_KEY, Math.min(DEFAULT_LOW_MB, high / 2)), high)
  return { high: Math.round(high * 1024 * 1024), low: Math.round(low * 1024 * 1024) }
}

/** The stream manager's metrics for the last interval (Heron's names where Heron has one);
 * `instances` maps each local instance's buffer (`instance-<task>`) to its instance id. */
export const stmgrMetrics = (plane: DataPlane, instances: ReadonlyMap<string, string> = new Map()): Array<[string, number]> => {
  const s = plane.stats
  plane.stats = emptyStats()
  const byInstance = plane.bp.takeTimeSpentBy(instances.keys()).map(([link, ms]): [string, number] =>
    [`__time_spent_back_pressure_by_compid/${instances.get(link) ?? link}`, ms])
  return [
    ...byInstance,
    ["__tuples_to_workers", s.tuplesToWorkers],
    ["__bytes_to_workers", s.bytesToWorkers],
    ["__tuples_to_stmgrs", s.tuplesToPeers],
    ["__bytes_to_stmgrs", s.bytesToPeers],
    ["__dropped_tuples", s.dropped],
    ["__roots_acked", s.acked],
    ["__roots_failed", s.failed],
    ["__roots_timed_out", s.timedOut],
    ["__roots_pending", plane.acks.size],
    ["__server/__time_spent_back_pressure_initiated", plane.bp.takeTimeSpent()]
  ]
}
