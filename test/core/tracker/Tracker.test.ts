import { HttpApiBuilder, HttpApiClient, HttpClient } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import * as Clusters from "../../../core/Clusters.js"
import * as Redactor from "../../../core/Redactor.js"
import * as Tracker from "../../../core/tracker/Tracker.js"
import { SECRET, TestState, brokenStateManager, cluster } from "./fixtures.js"

const serveWith = (state: Layer.Layer<Clusters.Clusters | Redactor.Redactor>) =>
  HttpApiBuilder.serve().pipe(
    Layer.provide(Tracker.layer),
    Layer.provide(state),
    Layer.provideMerge(NodeHttpServer.layerTest)
  )

/** GETs a path; returns the status, the raw body and the parsed body. */
const get = (path: string) =>
  Effect.gen(function*() {
    const response = yield* HttpClient.get(path)
    const text = yield* response.text
    const body: unknown = JSON.parse(text)
    return { status: response.status, text, body }
  })

const ENVELOPE_KEYS = ["executiontime", "message", "result", "status", "tracker_version"]
const keysOf = (u: unknown): Array<string> => (typeof u === "object" && u !== null ? Object.keys(u).sort() : [])
const FLOAT_TIME = /"executiontime":\s*\d+\.\d+[,}]/
const wc = "cluster=local&environ=default&topology=wc"

layer(serveWith(TestState))("Tracker HTTP", (it) => {
  it.effect("/clusters: the envelope, with executiontime written as a float", () =>
    Effect.gen(function*() {
      const { status, text, body } = yield* get("/clusters")
      expect(status).toBe(200)
      expect(keysOf(body)).toEqual(ENVELOPE_KEYS)
      expect(body).toMatchObject({ status: "success", message: "", result: ["local", "prod"], tracker_version: { version: "0.1.0" } })
      expect(text).toMatch(FLOAT_TIME)
    }))

  it.effect("/topologies nests cluster > role > environ, with or without filters", () =>
    Effect.gen(function*() {
      const all = { local: { alice: { default: ["wc"] }, bob: { devel: ["pending"] } }, prod: { alice: { prod: ["ingest"] } } }
      expect((yield* get("/topologies")).body).toMatchObject({ status: "success", result: all })
      expect((yield* get("/topologies?cluster=local")).body).toMatchObject({ result: { local: all.local } })
      expect(keysOf((yield* get("/topologies?cluster=local")).body)).toEqual(ENVELOPE_KEYS)
      expect((yield* get("/topologies?role=alice")).body).toMatchObject({
        result: { local: { alice: { default: ["wc"] } }, prod: all.prod }
      })
      expect((yield* get("/topologies?role=alice")).body).not.toMatchObject({ result: { local: { bob: {} } } })
      expect((yield* get("/topologies?cluster=local&environ=devel")).body).toEqual(
        expect.objectContaining({ result: { local: { bob: { devel: ["pending"] } } } })
      )
      expect((yield* get("/topologies?cluster=local&cluster=prod&role=")).body).toMatchObject({ result: all })
      expect((yield* get("/topologies?cluster=nope")).body).toEqual(expect.objectContaining({ status: "success", result: {} }))
    }))

  it.effect("/topologies/states maps each topology to its execution state", () =>
    Effect.gen(function*() {
      const { body, text } = yield* get("/topologies/states")
      expect(text).toMatch(FLOAT_TIME)
      expect(body).toMatchObject({
        status: "success",
        result: {
          local: {
            default: { wc: { jobname: "wc", role: "alice", status: "Running", has_physical_plan: true, submission_time: 1700000000 } },
            devel: { pending: { jobname: "pending", role: "bob", status: "Unknown", has_physical_plan: false } }
          },
          prod: { prod: { ingest: { jobname: "ingest", cluster: "prod" } } }
        }
      })
      expect((yield* get("/topologies/states?role=bob")).body).toEqual(expect.objectContaining({
        result: { local: { devel: { pending: expect.objectContaining({ jobname: "pending" }) } } }
      }))
    }))

  it.effect("/topologies/info holds everything, role optional", () =>
    Effect.gen(function*() {
      const { status, body } = yield* get(`/topologies/info?${wc}`)
      expect(status).toBe(200)
      expect(body).toMatchObject({
        status: "success",
        result: {
          name: "wc", id: "wc-6b1f",
          logical_plan: { spouts: { sentence: { type: "kafka", outputs: [{ stream_name: "default" }] } } },
          physical_plan: {
            components: { sentence: { config: { "spout.type": "kafka" } } },
            stmgrs: { "stmgr-1": { host: "worker-1", port: 6001, shell_port: 7001, pid: 4241 } }
          },
          packing_plan: { id: "wc-6b1f" },
          execution_state: { jobname: "wc", status: "Running", has_tmanager_location: true, has_scheduler_location: true },
          tmanager_location: { name: "wc", id: "wc-6b1f", host: "worker-0", controller_port: 5001, server_port: 5002, stats_port: 5003 },
          scheduler_location: { name: "wc", http_endpoint: "http://127.0.0.1:8888", job_page_link: "http://127.0.0.1:8888/jobs/wc" },
          metadata: { cluster: "local", environ: "default", role: "alice", jobname: "wc" },
          runtime_state: { has_physical_plan: true, stmgrs: { "stmgr-1": { is_registered: true } } }
        }
      })
      expect((yield* get(`/topologies/info?${wc}&role=alice`)).status).toBe(200)
    }))

  it.effect("each topology endpoint answers its shape with real values", () =>
    Effect.gen(function*() {
      expect((yield* get(`/topologies/logicalplan?${wc}`)).body).toMatchObject({
        result: {
          stages: 2,
          spouts: { sentence: { spout_type: "kafka", spout_source: "sentences", version: "NA", outputs: [{ stream_name: "default" }] } },
          bolts: {
            split: { inputs: [{ stream_name: "default", component_name: "sentence", grouping: "SHUFFLE" }], outputs: [{ stream_name: "default" }] },
            count: { inputComponents: ["split"], inputs: [{ component_name: "split", grouping: "FIELDS" }] }
          }
        }
      })
      expect((yield* get(`/topologies/physicalplan?${wc}`)).body).toMatchObject({
        result: {
          instances: { container_2_count_6: { id: "container_2_count_6", name: "count", stmgr_id: "stmgr-2" } },
          instance_groups: { container_1: ["container_1_sentence_1", "container_1_split_3", "container_1_count_5"] },
          stmgrs: { "stmgr-2": { id: "stmgr-2", cwd: "/var/heron/wc/2", joburl: "http://worker-2:7002/browse/", instance_ids: expect.any(Array) } },
          spouts: { sentence: ["container_1_sentence_1", "container_2_sentence_2"] },
          bolts: { split: ["container_1_split_3", "container_2_split_4"] },
          config: { "topology.stmgrs": "2" }
        }
      })
      expect((yield* get(`/topologies/packingplan?${wc}`)).body).toMatchObject({
        result: {
          id: "wc-6b1f",
          container_plans: [
            { id: 1, instances: [{ component_name: "sentence", task_id: 1, component_index: 0, instance_resources: { cpu: 1, ram: 536870912, disk: 1073741824 } }, {}, {}], required_resources: { cpu: 3 }, scheduled_resources: { cpu: 4 } },
            { id: 2, scheduled_resources: {} }
          ]
        }
      })
      expect((yield* get(`/topologies/executionstate?${wc}`)).body).toMatchObject({
        result: {
          cluster: "local", environ: "default", role: "alice", jobname: "wc", submission_time: 1700000000, submission_user: "alice",
          release_username: "alice", release_tag: "wc-v1", release_version: "0.1.0", has_physical_plan: true, has_packing_plan: true,
          has_tmanager_location: true, has_scheduler_location: true, status: "Running", viz: null, extra_links: []
        }
      })
      expect((yield* get(`/topologies/schedulerlocation?${wc}`)).body).toMatchObject({
        result: { name: "wc", http_endpoint: "http://127.0.0.1:8888", job_page_link: "http://127.0.0.1:8888/jobs/wc" }
      })
      const meta = yield* get(`/topologies/metadata?${wc}`)
      expect(meta.body).toMatchObject({ result: { jobname: "wc", submission_time: 1700000000, release_tag: "wc-v1" } })
      expect(meta.body).not.toMatchObject({ result: { status: "Running" } })
      expect((yield* get(`/topologies/runtimestate?${wc}`)).body).toMatchObject({
        result: { has_physical_plan: true, has_packing_plan: true, has_tmanager_location: true, has_scheduler_location: true,
          stmgrs: { "stmgr-1": { is_registered: true }, "stmgr-2": { is_registered: true } } }
      })
      expect((yield* get(`/topologies/config?${wc}`)).body).toMatchObject({ result: { "topology.message.timeout.secs": "30" } })
    }))

  it.effect("a submitted topology without physical plan answers, with has_physical_plan false", () =>
    Effect.gen(function*() {
      const q = "cluster=local&environ=devel&topology=pending"
      expect((yield* get(`/topologies/executionstate?${q}`)).body).toMatchObject({
        status: "success", result: { jobname: "pending", has_physical_plan: false, has_tmanager_location: false, status: "Unknown" }
      })
      const pplan = yield* get(`/topologies/physicalplan?${q}`)
      expect(pplan.status).toBe(200)
      expect(pplan.body).toMatchObject({
        result: { instances: {}, instance_groups: {}, stmgrs: {}, spouts: {}, bolts: {}, config: {}, components: {} }
      })
      expect((yield* get(`/topologies/info?${q}`)).body).toMatchObject({
        result: { physical_plan: { components: {} }, tmanager_location: { host: null }, scheduler_location: { http_endpoint: null } }
      })
      expect((yield* get(`/topologies/runtimestate?${q}`)).body).toMatchObject({
        result: { has_physical_plan: false, stmgrs: { "stmgr-1": { is_registered: false } } }
      })
      expect((yield* get(`/topologies/logicalplan?${q}`)).body).toMatchObject({ result: { stages: 2 } })
    }))

  it.effect("unknown topology, cluster, environ or role: failure envelope, 404, message, result key", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [string, string]> = [
        ["/topologies/info?cluster=local&environ=default&topology=nope&role=alice", "Unknown topology: local/alice/default/nope"],
        ["/topologies/executionstate?cluster=local&environ=default&topology=wc&role=bob", "Unknown topology: local/bob/default/wc"],
        ["/topologies/physicalplan?cluster=local&environ=prod&topology=wc", "Unknown topology: local/*/prod/wc"],
        ["/topologies/metadata?cluster=local&environ=default&topology=..%2Fetc", "Unknown topology: local/*/default/../etc"],
        ["/topologies/info?cluster=nope&environ=default&topology=wc", "Unknown cluster: nope"]
      ]
      for (const [path, message] of cases) {
        const { status, text, body } = yield* get(path)
        expect(status).toBe(404)
        expect(keysOf(body)).toEqual(ENVELOPE_KEYS)
        expect(body).toMatchObject({ status: "failure", message, result: null })
        expect(text).toMatch(FLOAT_TIME)
      }
    }))

  it.effect("a missing required parameter: failure envelope, 400, naming it", () =>
    Effect.gen(function*() {
      const { status, body } = yield* get("/topologies/info?cluster=local")
      expect(status).toBe(400)
      expect(body).toMatchObject({ status: "failure", message: "Missing arguments: environ, topology", result: null })
      expect((yield* get("/topologies/logicalplan?cluster=local&environ=default&topology=")).body).toMatchObject({
        message: "Missing argument: topology"
      })
    }))

  it.effect("a registered secret in stored state is served as <redacted>", () =>
    Effect.gen(function*() {
      for (const path of [`/topologies/info?${wc}`, `/topologies/physicalplan?${wc}`, `/topologies/config?${wc}`]) {
        const { text } = yield* get(path)
        expect(text).not.toContain(SECRET)
        expect(text).toContain('"kafka.password":"<redacted>"')
      }
    }))

  it.effect("/health is plain: status ok and the clusters", () =>
    Effect.gen(function*() {
      const { status, body } = yield* get("/health")
      expect(status).toBe(200)
      expect(body).toEqual({ status: "ok", clusters: ["local", "prod"] })
    }))

  it.effect("the typed client decodes answers with the declared schemas", () =>
    Effect.gen(function*() {
      const client = yield* HttpApiClient.make(Tracker.TrackerApi)
      const info = yield* client.topologies.info({ urlParams: { cluster: "local", environ: "default", topology: "wc" } })
      expect(info.result.physical_plan.stmgrs["stmgr-1"]?.instance_ids).toHaveLength(3)
      const failure = yield* Effect.flip(client.topologies.info({ urlParams: { cluster: "local", environ: "default", topology: "x" } }))
      expect(Schema.is(Schema.Struct({ status: Schema.Literal("failure"), message: Schema.String }))(failure)).toBe(true)
    }))
})

describe("Tracker HTTP over a failing state manager", () => {
  const broken = Layer.merge(
    Layer.unwrapEffect(Effect.map(brokenStateManager, (sm) => Clusters.layerOf([cluster("zk", sm)]))),
    Redactor.layer
  )
  layer(serveWith(broken))((it) => {
    it.effect("answers 500 with a failure envelope naming the cluster and the error", () =>
      Effect.gen(function*() {
        for (const path of ["/topologies", "/topologies/states", "/topologies/info?cluster=zk&environ=default&topology=wc"]) {
          const { status, text, body } = yield* get(path)
          expect(status).toBe(500)
          expect(keysOf(body)).toEqual(ENVELOPE_KEYS)
          expect(body).toMatchObject({ status: "failure", result: null })
          expect(text).toContain("State manager of cluster zk failed to list /executionstate: connection loss")
          expect(text).toMatch(FLOAT_TIME)
        }
        expect((yield* get("/health")).body).toEqual({ status: "ok", clusters: ["zk"] })
      }))
  })
})
