// The ResourceManager double itself (test/support/services/yarnRm.ts), spoken to with plain HTTP:
// it answers with the paths, statuses and JSON of Hadoop's ResourceManager REST documentation, so
// that the yarn scheduler's tests exercise the real protocol.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { startYarnRm, type YarnRmDouble } from "../../../support/services/yarnRm.js"

const call = (rm: YarnRmDouble, method: string, path: string, body?: unknown, contentType = "application/json") =>
  Effect.promise(async () => {
    const res = await fetch(`${rm.url}${path}`, {
      method,
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body), headers: { "Content-Type": contentType } })
    })
    const text = await res.text()
    let json: unknown
    try {
      json = text === "" ? undefined : JSON.parse(text)
    } catch {
      json = text
    }
    return { status: res.status, json, location: res.headers.get("location") }
  })

const newApp = (rm: YarnRmDouble) =>
  call(rm, "POST", "/ws/v1/cluster/apps/new-application?user.name=alice").pipe(
    Effect.map((r) => (r.json as { "application-id": string })["application-id"])
  )

/** The smallest valid submission context. */
const context = (id: string, extra: Record<string, unknown> = {}) => ({
  "application-id": id,
  "application-name": "wc",
  "am-container-spec": { commands: { command: "sleep 1000 --num_containers 2" } },
  resource: { memory: 512, vCores: 1 },
  ...extra
})

const remote = (exception: string) => ({ RemoteException: expect.objectContaining({ exception, javaClassName: expect.stringContaining(exception) }) })

const eventually = <A>(self: Effect.Effect<A>, done: (a: A) => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 400; i++) {
      const a = yield* self
      if (done(a)) return a
      yield* Effect.sleep("10 millis")
    }
    return yield* Effect.dieMessage("timed out")
  })

describe("YARN ResourceManager double", () => {
  it.scopedLive("hands out application ids with the cluster's maximum container", () =>
    Effect.gen(function*() {
      const rm = yield* startYarnRm({ maxMemoryMb: 4096, maxVcores: 4 })
      const first = yield* call(rm, "POST", "/ws/v1/cluster/apps/new-application?user.name=alice")
      expect(first.status).toBe(200)
      expect(first.json).toEqual({ "application-id": expect.stringMatching(/^application_\d+_0001$/), "maximum-resource-capability": { memory: 4096, vCores: 4 } })
      expect(yield* newApp(rm)).toMatch(/_0002$/)
      // No user: the static user may not create applications.
      const anonymous = yield* call(rm, "POST", "/ws/v1/cluster/apps/new-application")
      expect(anonymous).toMatchObject({ status: 403, json: remote("AuthorizationException") })
      expect((yield* call(rm, "GET", "/ws/v1/cluster/apps/new-application?user.name=alice")).status).toBe(405)
    }))

  it.scopedLive("accepts a submission with 202, a Location and no body, then moves it NEW → ... → RUNNING", () =>
    Effect.gen(function*() {
      const rm = yield* startYarnRm()
      const id = yield* newApp(rm)
      const submitted = yield* call(rm, "POST", "/ws/v1/cluster/apps?user.name=alice", context(id, { "application-tags": { tag: ["Heron", "x"] } }))
      expect(submitted).toEqual({ status: 202, json: undefined, location: `${rm.url}/ws/v1/cluster/apps/${id}` })
      // Submitting the same id again changes nothing, as YARN does.
      expect((yield* call(rm, "POST", "/ws/v1/cluster/apps?user.name=alice", context(id))).status).toBe(202)
      const running = yield* eventually(call(rm, "GET", `/ws/v1/cluster/apps/${id}/state`), (r) => (r.json as { state: string }).state === "RUNNING")
      expect(running.status).toBe(200)
      expect(rm.apps()[0]?.history).toEqual(["NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING"])
      const app = yield* call(rm, "GET", `/ws/v1/cluster/apps/${id}`)
      expect(app.json).toEqual({
        app: expect.objectContaining({
          id, user: "alice", name: "wc", queue: "default", state: "RUNNING", finalStatus: "UNDEFINED",
          trackingUI: "ApplicationMaster", trackingUrl: `${rm.url}/proxy/${id}/`, applicationType: "YARN",
          applicationTags: "heron,x", runningContainers: 3
        })
      })
    }))

  it.scopedLive("lists applications by states, types and tags, with null when none match", () =>
    Effect.gen(function*() {
      const rm = yield* startYarnRm()
      const id = yield* newApp(rm)
      yield* call(rm, "POST", "/ws/v1/cluster/apps?user.name=alice", context(id, { "application-type": "HERON", "application-tags": { tag: "t1" } }))
      const listed = yield* call(rm, "GET", "/ws/v1/cluster/apps?applicationTypes=heron&applicationTags=other,t1&states=NEW,NEW_SAVING,SUBMITTED,ACCEPTED,RUNNING")
      expect((listed.json as { apps: { app: Array<{ id: string }> } }).apps.app.map((a) => a.id)).toEqual([id])
      expect((yield* call(rm, "GET", "/ws/v1/cluster/apps?applicationTags=t2")).json).toEqual({ apps: null })
      expect((yield* call(rm, "GET", "/ws/v1/cluster/apps?states=KILLED")).json).toEqual({ apps: null })
      expect(yield* call(rm, "GET", "/ws/v1/cluster/apps?states=SLEEPING")).toMatchObject({ status: 400, json: remote("BadRequestException") })
    }))

  it.scopedLive("kills with 202 and the current state, then 200 KILLED", () =>
    Effect.gen(function*() {
      const rm = yield* startYarnRm({ killMs: 50 })
      const id = yield* newApp(rm)
      yield* call(rm, "POST", "/ws/v1/cluster/apps?user.name=alice", context(id))
      yield* eventually(call(rm, "GET", `/ws/v1/cluster/apps/${id}/state`), (r) => (r.json as { state: string }).state === "RUNNING")
      const state = `/ws/v1/cluster/apps/${id}/state?user.name=alice`
      expect(yield* call(rm, "PUT", state, { state: "RUNNING" })).toMatchObject({
        status: 400,
        json: { RemoteException: { exception: "BadRequestException", message: "java.lang.Exception: Only 'KILLED' is allowed as a target state." } }
      })
      expect(yield* call(rm, "PUT", `/ws/v1/cluster/apps/${id}/state?user.name=bob`, { state: "KILLED" })).toMatchObject({ status: 403, json: remote("AuthorizationException") })
      expect(yield* call(rm, "PUT", state, { state: "KILLED" })).toMatchObject({ status: 202, json: { state: "RUNNING" } })
      const killed = yield* eventually(call(rm, "PUT", state, { state: "KILLED" }), (r) => r.status === 200)
      expect(killed.json).toEqual({ state: "KILLED" })
      expect(rm.apps()[0]?.history).toEqual(["NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING", "KILLED"])
    }))

  it.scopedLive("refuses submission contexts with unknown, missing or mistyped fields, naming them", () =>
    Effect.gen(function*() {
      const rm = yield* startYarnRm({ maxMemoryMb: 1024 })
      const id = yield* newApp(rm)
      const submit = (body: unknown) => call(rm, "POST", "/ws/v1/cluster/apps?user.name=alice", body)
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [context(id, { "application-colour": "blue" }), `Unrecognized field "application-colour"`],
        [{ ...context(id), resource: undefined }, `missing required field "resource"`],
        [context(id, { "max-app-attempts": "2" }), "max-app-attempts: expected an integer"],
        [context(id, { "am-container-spec": { commands: { command: "x" }, env: {} } }), `Unrecognized field "env"`],
        [context(id, { "am-container-spec": { commands: { command: "x" }, environment: { entry: [{ key: "A", value: 1 }] } } }), "environment A: expected a string"],
        [context(id, { "am-container-spec": { commands: { command: "x" }, "local-resources": { entry: [{ key: "a.jar", value: { resource: "hdfs:///a.jar", type: "JAR", visibility: "PUBLIC", size: 1, timestamp: 1 } }] } } }), "type \"JAR\" is not one of"],
        [context(id, { resource: { memory: 2048, vCores: 1 } }), "InvalidResourceRequestException"],
        [context(id, { "application-tags": { tag: Array.from({ length: 11 }, (_, i) => `t${i}`) } }), "Too many applicationTags"],
        [context("application_1700000000000_9999"), "was not handed out"],
        ["not json", "expected an object"]
      ]
      for (const [body, message] of cases) {
        const r = yield* submit(body)
        expect(r, message).toMatchObject({ status: 400, json: { RemoteException: { exception: "BadRequestException", message: expect.stringContaining(message) } } })
      }
      expect((yield* call(rm, "POST", "/ws/v1/cluster/apps?user.name=alice", "<xml/>", "application/xml")).status).toBe(415)
      expect(rm.apps()).toEqual([])
    }))

  it.scopedLive("answers 404 for unknown applications and 400 for malformed ids", () =>
    Effect.gen(function*() {
      const rm = yield* startYarnRm()
      expect(yield* call(rm, "GET", "/ws/v1/cluster/apps/application_1_0001")).toMatchObject({ status: 404, json: remote("NotFoundException") })
      expect(yield* call(rm, "GET", "/ws/v1/cluster/apps/app-1/state")).toMatchObject({ status: 400, json: remote("BadRequestException") })
      expect(rm.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        "GET /ws/v1/cluster/apps/application_1_0001",
        "GET /ws/v1/cluster/apps/app-1/state"
      ])
    }))

  it.scopedLive("with a delegation token required, refuses requests without it (401)", () =>
    Effect.gen(function*() {
      const rm = yield* startYarnRm({ delegationToken: { token: "s3cr3t-token", user: "alice" } })
      expect((yield* call(rm, "GET", "/ws/v1/cluster/apps")).status).toBe(401)
      const ok = yield* Effect.promise(() => fetch(`${rm.url}/ws/v1/cluster/apps`, { headers: { "X-Hadoop-Delegation-Token": "s3cr3t-token" } }))
      expect(ok.status).toBe(200)
    }))
})
