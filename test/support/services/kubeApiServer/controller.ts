/**
 * A minimal StatefulSet controller and kubelet for the double. The controller makes pod
 * `<set>-<ordinal>` for each ordinal below `replicas` (labels `statefulset.kubernetes.io/pod-name`,
 * `apps.kubernetes.io/pod-index`, `controller-revision-hash`; owned by the set), deletes pods above
 * it, replaces pods of an old revision under `RollingUpdate` (not under `OnDelete`), and keeps the
 * set's `status` current. The kubelet marks pods Running; with `run`, it really runs each
 * container's `command` + `args` as a local process group (env resolved, `fieldRef`s included,
 * `HOSTNAME` set to the pod name), restarts it when it exits (restartPolicy Always, with a
 * `CrashLoopBackOff` wait), and on deletion sends SIGTERM, then SIGKILL after the grace period.
 * Images are not pulled: the command runs on this machine.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { createHash } from "node:crypto"
import { closeSync, mkdirSync, openSync } from "node:fs"
import { join } from "node:path"
import { arr, labelsOf, metaOf, nameOf, rec, uidOf, type KubeObject, type Store } from "./store.js"

/** Running pods' commands as local processes. */
export interface RunOptions {
  /** Each pod gets `<dir>/<namespace>/<pod>/` as working folder, with `<container>.log`. */
  readonly dir: string
  /** Env of every process, besides `PATH` and `HOME`. */
  readonly env?: Readonly<Record<string, string>>
  /** The longest wait between SIGTERM and SIGKILL. Default 5000 ms. */
  readonly maxGraceMs?: number
}

interface Running {
  readonly children: Map<string, ChildProcess>
  stopping: boolean
  readonly restarts: Map<string, number>
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z")
const POD_IP = "127.0.0.1"

export const makeController = (store: Store, run: RunOptions | undefined) => {
  const running = new Map<string, Running>()
  let queued = false

  const podStatus = (pod: KubeObject, update: (status: Record<string, unknown>) => Record<string, unknown>) => {
    const ns = String(metaOf(pod)["namespace"])
    const fresh = store.get("pods", ns, nameOf(pod))
    if (fresh === undefined || metaOf(fresh)["uid"] !== metaOf(pod)["uid"]) return
    store.update("pods", ns, { ...fresh, status: update(rec(fresh["status"])) })
  }

  const containerStatus = (pod: KubeObject, name: string, change: Record<string, unknown>) =>
    podStatus(pod, (s) => ({ ...s, containerStatuses: arr(s["containerStatuses"]).map((c) => (rec(c)["name"] === name ? { ...rec(c), ...change } : c)) }))

  const envOf = (pod: KubeObject, container: Record<string, unknown>): Record<string, string> => {
    const ns = String(metaOf(pod)["namespace"])
    const field = (path: string): string => {
      const label = /^metadata\.labels\['(.+)'\]$/.exec(path)?.[1]
      if (label !== undefined) return labelsOf(pod)[label] ?? ""
      switch (path) {
        case "metadata.name": return nameOf(pod)
        case "metadata.namespace": return ns
        case "metadata.uid": return uidOf(pod)
        case "status.podIP":
        case "status.hostIP": return POD_IP
        case "spec.nodeName": return "double-node"
        default: return ""
      }
    }
    const env: Record<string, string> = { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: process.env["HOME"] ?? "/", ...run?.env, HOSTNAME: nameOf(pod) }
    for (const from of arr(container["envFrom"])) {
      const cm = rec(rec(from)["configMapRef"])["name"]
      if (typeof cm === "string") Object.assign(env, rec(store.get("configmaps", ns, cm)?.["data"]))
    }
    for (const e of arr(container["env"])) {
      const name = String(rec(e)["name"])
      const from = rec(rec(e)["valueFrom"])
      if (typeof rec(e)["value"] === "string") env[name] = String(rec(e)["value"])
      else if (typeof rec(from["fieldRef"])["fieldPath"] === "string") env[name] = field(String(rec(from["fieldRef"])["fieldPath"]))
      else if (isConfigMapKey(from)) env[name] = String(rec(store.get("configmaps", ns, String(rec(from["configMapKeyRef"])["name"]))?.["data"])[String(rec(from["configMapKeyRef"])["key"])] ?? "")
    }
    return env
  }
  const isConfigMapKey = (from: Record<string, unknown>) => typeof rec(from["configMapKeyRef"])["name"] === "string"

  const start = (pod: KubeObject, container: Record<string, unknown>, entry: Running) => {
    if (run === undefined) return
    const argv = [...arr(container["command"]), ...arr(container["args"])].map(String)
    const [cmd, ...args] = argv
    if (cmd === undefined) return
    const cwd = join(run.dir, String(metaOf(pod)["namespace"]), nameOf(pod))
    mkdirSync(cwd, { recursive: true })
    const name = String(container["name"])
    const log = openSync(join(cwd, `${name}.log`), "a")
    const child = spawn(cmd, args, { cwd, env: envOf(pod, container), detached: true, stdio: ["ignore", log, log] })
    closeSync(log)
    child.on("error", () => undefined)
    entry.children.set(name, child)
    child.on("exit", (code, signal) => {
      if (entry.children.get(name) === child) entry.children.delete(name)
      if (entry.stopping) return
      const restarts = (entry.restarts.get(name) ?? 0) + 1
      entry.restarts.set(name, restarts)
      containerStatus(pod, name, {
        ready: false,
        restartCount: restarts,
        state: { waiting: { reason: "CrashLoopBackOff", message: `back-off restarting failed container ${name}` } },
        lastState: { terminated: { exitCode: code ?? 137, reason: code === 0 ? "Completed" : "Error", ...(signal === null ? {} : { signal }), finishedAt: now() } }
      })
      setTimeout(() => {
        if (entry.stopping || running.get(String(metaOf(pod)["uid"])) !== entry) return
        start(pod, container, entry)
        containerStatus(pod, name, { ready: true, state: { running: { startedAt: now() } } })
      }, Math.min(2000, 100 * 2 ** Math.min(restarts, 5))).unref()
    })
  }

  /** The kubelet: a new pod runs. */
  const admit = (pod: KubeObject) => {
    const entry: Running = { children: new Map(), stopping: false, restarts: new Map() }
    running.set(uidOf(pod), entry)
    const containers = arr(rec(pod["spec"])["containers"]).map(rec)
    for (const c of containers) start(pod, c, entry)
    podStatus(pod, (s) => ({
      ...s,
      phase: "Running",
      podIP: POD_IP,
      podIPs: [{ ip: POD_IP }],
      hostIP: POD_IP,
      startTime: now(),
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: now() }],
      containerStatuses: containers.map((c) => ({
        name: c["name"], image: c["image"], imageID: "", ready: true, started: true, restartCount: 0, state: { running: { startedAt: now() } }
      }))
    }))
  }

  store.setPodStopper((pod, done) => {
    const entry = running.get(uidOf(pod))
    running.delete(uidOf(pod))
    if (entry === undefined || entry.children.size === 0) return false
    entry.stopping = true
    const graceMs = Math.min(Number(rec(pod["spec"])["terminationGracePeriodSeconds"] ?? 30) * 1000, run?.maxGraceMs ?? 5000)
    const children = [...entry.children.values()]
    const signal = (s: NodeJS.Signals) => children.forEach((c) => c.pid !== undefined && c.exitCode === null && c.signalCode === null && tryKill(-c.pid, s))
    const timer = setTimeout(() => signal("SIGKILL"), graceMs)
    let left = children.length
    for (const c of children) {
      c.once("exit", () => {
        if (--left === 0) {
          clearTimeout(timer)
          done()
        }
      })
    }
    signal("SIGTERM")
    return true
  })

  const reconcileSet = (namespace: string, set: KubeObject) => {
    const meta = metaOf(set)
    if (meta["deletionTimestamp"] !== undefined) return
    const spec = rec(set["spec"])
    const name = nameOf(set)
    const template = rec(spec["template"])
    const revision = `${name}-${createHash("sha256").update(JSON.stringify(template)).digest("hex").slice(0, 10)}`
    const replicas = typeof spec["replicas"] === "number" ? spec["replicas"] : 1
    const owned = store.listAll("pods").filter((p) => p.namespace === namespace && arr(metaOf(p.object)["ownerReferences"]).some((r) => rec(r)["uid"] === meta["uid"])).map((p) => p.object)
    for (let i = 0; i < replicas; i++) {
      const podName = `${name}-${i}`
      if (store.get("pods", namespace, podName) !== undefined) continue
      store.create("pods", namespace, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: podName,
          labels: { ...labelsOf({ metadata: template["metadata"] }), "statefulset.kubernetes.io/pod-name": podName, "apps.kubernetes.io/pod-index": String(i), "controller-revision-hash": revision },
          ...(rec(template["metadata"])["annotations"] === undefined ? {} : { annotations: rec(template["metadata"])["annotations"] }),
          ownerReferences: [{ apiVersion: "apps/v1", kind: "StatefulSet", name, uid: meta["uid"], controller: true, blockOwnerDeletion: true }]
        },
        spec: { ...rec(template["spec"]), hostname: podName, ...(typeof spec["serviceName"] === "string" ? { subdomain: spec["serviceName"] } : {}) },
        status: { phase: "Pending" }
      })
    }
    const live = owned.filter((p) => metaOf(p)["deletionTimestamp"] === undefined)
    for (const p of live) {
      const ordinal = Number(labelsOf(p)["apps.kubernetes.io/pod-index"])
      const stale = rec(spec["updateStrategy"])["type"] !== "OnDelete" && labelsOf(p)["controller-revision-hash"] !== revision
      if (ordinal >= replicas || stale) store.requestDelete("pods", namespace, nameOf(p), "Background")
    }
    const current = store.listAll("pods").filter((p) => p.namespace === namespace && arr(metaOf(p.object)["ownerReferences"]).some((r) => rec(r)["uid"] === meta["uid"])).map((p) => p.object)
    const ready = current.filter((p) => rec(p["status"])["phase"] === "Running").length
    const updated = current.filter((p) => labelsOf(p)["controller-revision-hash"] === revision).length
    const status = {
      observedGeneration: meta["generation"],
      replicas: current.length,
      readyReplicas: ready,
      availableReplicas: ready,
      currentReplicas: updated,
      updatedReplicas: updated,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0
    }
    if (JSON.stringify(status) !== JSON.stringify(set["status"])) store.update("statefulsets", namespace, { ...set, status })
  }

  const reconcile = () => {
    queued = false
    for (const { namespace, object } of store.listAll("statefulsets")) reconcileSet(namespace, object)
    for (const { object } of store.listAll("pods")) {
      if (metaOf(object)["deletionTimestamp"] === undefined && !running.has(uidOf(object))) admit(object)
    }
  }

  store.onChange((resource) => {
    if ((resource === "statefulsets" || resource === "pods") && !queued) {
      queued = true
      setImmediate(reconcile)
    }
  })

  return {
    /** Pids of the processes pod `name` runs now. */
    pids: (name: string): Array<number> =>
      [...running.entries()].flatMap(([uid, r]) =>
        store.listAll("pods").some((p) => uidOf(p.object) === uid && nameOf(p.object) === name)
          ? [...r.children.values()].flatMap((c) => (c.pid === undefined ? [] : [c.pid]))
          : []),
    /** SIGKILLs every process group and waits for them to end. */
    close: async () => {
      const children = [...running.values()].flatMap((r) => {
        r.stopping = true
        return [...r.children.values()]
      })
      running.clear()
      await Promise.all(children.map((c) => new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return resolve()
        c.once("exit", () => resolve())
        tryKill(-c.pid, "SIGKILL")
      })))
    }
  }
}

const tryKill = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(pid, signal)
  } catch {
    // already gone
  }
}
