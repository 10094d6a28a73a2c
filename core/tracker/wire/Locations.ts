/**
 * TManager and scheduler locations on the wire. Absent locations are objects of `null`s (never a
 * missing key), so clients can read fields without checking first.
 */
import { Schema } from "effect"
import type { SchedulerLocation, TManagerLocation } from "../../model/Locations.js"

export const TManagerLocationWire = Schema.Struct({
  name: Schema.NullOr(Schema.String),
  id: Schema.NullOr(Schema.String),
  host: Schema.NullOr(Schema.String),
  controller_port: Schema.NullOr(Schema.Number),
  server_port: Schema.NullOr(Schema.Number),
  stats_port: Schema.NullOr(Schema.Number)
})
export type TManagerLocationWire = typeof TManagerLocationWire.Type

export const SchedulerLocationWire = Schema.Struct({
  name: Schema.NullOr(Schema.String),
  http_endpoint: Schema.NullOr(Schema.String),
  /** The first of the engine's job pages, `""` when it has none. */
  job_page_link: Schema.NullOr(Schema.String)
})
export type SchedulerLocationWire = typeof SchedulerLocationWire.Type

export const tmanagerLocation = (l: TManagerLocation | undefined): TManagerLocationWire =>
  l === undefined
    ? { name: null, id: null, host: null, controller_port: null, server_port: null, stats_port: null }
    : {
      name: l.topologyName,
      id: l.topologyId,
      host: l.host,
      controller_port: l.controllerPort,
      server_port: l.serverPort,
      stats_port: l.statsPort
    }

export const schedulerLocation = (l: SchedulerLocation | undefined): SchedulerLocationWire =>
  l === undefined
    ? { name: null, http_endpoint: null, job_page_link: null }
    : { name: l.topologyName, http_endpoint: l.httpEndpoint, job_page_link: l.jobPageLinks[0] ?? "" }
