/**
 * The access token of the runtime's control endpoints: asked for when one answers 401 (or from
 * the header), kept in this tab's `sessionStorage` only, never shown back.
 */
import { useEffect, useState } from "preact/hooks"
import { setToken, token } from "../api/ControlClient.js"
import { Dialog } from "./Dialog.js"

type Waiter = (given: boolean) => void
const openers = new Set<(reason: string | undefined, done: Waiter) => void>()

/** Asks the operator for a token; resolves true when one was given. */
export const requestToken = (reason?: string): Promise<boolean> =>
  new Promise((resolve) => {
    const opener = [...openers][0]
    if (opener === undefined) resolve(false)
    else opener(reason, resolve)
  })

export const TokenButton = () => {
  const [state, setState] = useState<{ open: boolean; reason: string | undefined; done: Waiter | undefined }>({ open: false, reason: undefined, done: undefined })
  const [value, setValue] = useState("")
  const [has, setHas] = useState(token() !== undefined)
  useEffect(() => {
    const opener = (reason: string | undefined, done: Waiter) => {
      setValue("")
      setState({ open: true, reason, done })
    }
    openers.add(opener)
    return () => void openers.delete(opener)
  }, [])
  const close = (given: boolean) => {
    state.done?.(given)
    setState({ open: false, reason: undefined, done: undefined })
    setHas(token() !== undefined)
  }
  return (
    <>
      <button type="button" class="token-button" onClick={() => { setValue(""); setState({ open: true, reason: undefined, done: undefined }) }}>
        Access token: {has ? "set" : "none"}
      </button>
      <Dialog open={state.open} title="Access token" onClose={() => close(false)}>
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault()
            setToken(value)
            close(value.trim() !== "")
          }}
        >
          {state.reason === undefined ? null : <p class="error" role="alert">{state.reason}</p>}
          <p>
            The runtime's controls (activate, deactivate, restart, kill) need the access token it was started with.
            It is kept in this browser tab only and sent as <code>Authorization: Bearer</code> with control requests.
          </p>
          <label for="token-input">
            Token
            <input id="token-input" type="password" autoComplete="off" value={value} onInput={(e) => setValue(e.currentTarget.value)} autoFocus />
          </label>
          <div class="dialog-actions">
            <button type="submit" class="primary" disabled={value.trim() === ""}>Use this token</button>
            {has ? <button type="button" onClick={() => { setToken(undefined); close(false) }}>Forget the token</button> : null}
            <button type="button" onClick={() => close(false)}>Cancel</button>
          </div>
        </form>
      </Dialog>
    </>
  )
}
