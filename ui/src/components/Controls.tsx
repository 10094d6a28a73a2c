/**
 * The topology's controls: activate, deactivate, restart (one container or all) and kill, each
 * confirmed in a dialog first (kill asks for the topology's name). They call the runtime's control
 * endpoints (see `api/ControlApi.ts`); when the runtime asks for an access token (401) the UI asks
 * the operator for it and tries once more.
 */
import { Effect, Either } from "effect"
import { useState } from "preact/hooks"
import { Control } from "../api/ControlClient.js"
import { ControlRefused, doneMessage } from "../api/ControlApi.js"
import { describeError, runEffect } from "../api/Run.js"
import type { Address } from "../model/Address.js"
import { Dialog } from "./Dialog.js"
import { requestToken } from "./TokenDialog.js"

export type Action =
  | { readonly kind: "activate" }
  | { readonly kind: "deactivate" }
  | { readonly kind: "restart"; readonly container: number | undefined }
  | { readonly kind: "kill" }

type Outcome = { readonly ok: true; readonly message: string | undefined } | { readonly ok: false; readonly status: number | undefined; readonly message: string }

const perform = (a: Address, action: Action) =>
  Effect.flatMap(Control, (c) => {
    const path = { cluster: a.cluster, role: a.role, environ: a.environ, name: a.name }
    switch (action.kind) {
      case "activate":
        return c.activate({ path })
      case "deactivate":
        return c.deactivate({ path })
      case "restart":
        return c.restart({ path, urlParams: action.container === undefined ? {} : { container: action.container } })
      case "kill":
        return c.kill({ path, urlParams: {} })
    }
  })

const attempt = async (a: Address, action: Action): Promise<Outcome> => {
  const r = await runEffect(Effect.either(perform(a, action)))
  if (r._tag === "Failed") return { ok: false, status: undefined, message: r.message }
  return Either.match(r.value, {
    onRight: (done): Outcome => ({ ok: true, message: doneMessage(done) }),
    onLeft: (e): Outcome => ({ ok: false, status: e instanceof ControlRefused ? e.status : undefined, message: describeError(e) })
  })
}

/** Runs an action; on 401 asks for the token and tries once more. */
export const control = async (a: Address, action: Action): Promise<Outcome> => {
  const first = await attempt(a, action)
  if (first.ok || first.status !== 401) return first
  const given = await requestToken(`The runtime refused: ${first.message}. Give its access token to go on.`)
  return given ? attempt(a, action) : first
}

const past: Readonly<Record<Action["kind"], string>> = { activate: "activated", deactivate: "deactivated", restart: "restarted", kill: "killed" }

const explain = (a: Address, action: Action): string => {
  switch (action.kind) {
    case "activate":
      return `Its spouts start emitting again (as \`heron activate ${a.cluster}/${a.role}/${a.environ} ${a.name}\`).`
    case "deactivate":
      return `Its spouts stop emitting; the containers keep running (as \`heron deactivate ${a.cluster}/${a.role}/${a.environ} ${a.name}\`).`
    case "restart":
      return action.container === undefined
        ? "Every container's processes are stopped and started again; tuples in flight are lost."
        : `The processes of container ${action.container} are stopped and started again; its tuples in flight are lost.`
    case "kill":
      return "Every container is stopped and the topology's state and package are removed. This cannot be undone."
  }
}

export const Controls = ({ address, status, containers, onDone }: {
  readonly address: Address
  readonly status: string
  readonly containers: ReadonlyArray<number>
  readonly onDone: (action: Action) => void
}) => {
  const [pending, setPending] = useState<Action | undefined>(undefined)
  const [restartWhich, setRestartWhich] = useState("all")
  const [typed, setTyped] = useState("")
  const [busy, setBusy] = useState(false)
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>(undefined)
  const open = (action: Action) => {
    setTyped("")
    setRestartWhich("all")
    setPending(action)
  }
  const confirm = async () => {
    if (pending === undefined) return
    const action: Action = pending.kind === "restart" ? { kind: "restart", container: restartWhich === "all" ? undefined : Number(restartWhich) } : pending
    setBusy(true)
    setPending(undefined)
    const outcome = await control(address, action)
    setBusy(false)
    const what = action.kind === "restart" && action.container !== undefined ? `container ${action.container} of ${address.name}` : address.name
    setMessage(outcome.ok ? { ok: true, text: outcome.message ?? `${what} ${past[action.kind]}.` } : { ok: false, text: `Could not ${action.kind} ${what}: ${outcome.message}` })
    if (outcome.ok) onDone(action)
  }
  const killed = status === "Killed"
  return (
    <div class="controls">
      <div class="control-buttons" role="group" aria-label="Controls">
        <button type="button" disabled={busy || killed || status === "Running"} onClick={() => open({ kind: "activate" })}>
          <span aria-hidden="true">▶ </span>Activate
        </button>
        <button type="button" disabled={busy || killed || status === "Paused"} onClick={() => open({ kind: "deactivate" })}>
          <span aria-hidden="true">‖ </span>Deactivate
        </button>
        <button type="button" disabled={busy || killed} onClick={() => open({ kind: "restart", container: undefined })}>
          <span aria-hidden="true">↻ </span>Restart…
        </button>
        <button type="button" class="danger" disabled={busy || killed} onClick={() => open({ kind: "kill" })}>
          <span aria-hidden="true">✖ </span>Kill…
        </button>
      </div>
      <p class={message?.ok === false ? "error" : "ok"} role="status" aria-live="polite">{busy ? "Working…" : message?.text ?? ""}</p>
      <Dialog open={pending !== undefined} title={pending === undefined ? "" : `${pending.kind[0]?.toUpperCase() ?? ""}${pending.kind.slice(1)} ${address.name}?`} onClose={() => setPending(undefined)}>
        {pending === undefined ? null : (
          <form onSubmit={(e) => { e.preventDefault(); void confirm() }}>
            <p>{explain(address, pending.kind === "restart" ? { kind: "restart", container: restartWhich === "all" ? undefined : Number(restartWhich) } : pending)}</p>
            {pending.kind !== "restart" ? null : (
              <label for="restart-which">
                Which containers
                <select id="restart-which" value={restartWhich} onChange={(e) => setRestartWhich(e.currentTarget.value)}>
                  <option value="all">All containers</option>
                  {containers.map((c) => <option key={c} value={String(c)}>Container {c}{c === 0 ? " (TManager)" : ""}</option>)}
                </select>
              </label>
            )}
            {pending.kind !== "kill" ? null : (
              <label for="kill-name">
                Type <strong>{address.name}</strong> to confirm
                <input id="kill-name" autoComplete="off" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
              </label>
            )}
            <div class="dialog-actions">
              <button type="submit" class={pending.kind === "kill" ? "danger" : "primary"} disabled={pending.kind === "kill" && typed !== address.name}>
                {pending.kind[0]?.toUpperCase()}{pending.kind.slice(1)}
              </button>
              <button type="button" onClick={() => setPending(undefined)} autoFocus>Cancel</button>
            </div>
          </form>
        )}
      </Dialog>
    </div>
  )
}
