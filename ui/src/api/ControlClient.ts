/**
 * The UI's client of the control endpoints ({@link ControlApi}), with the access token the
 * operator gave: kept in `sessionStorage` (gone when the tab closes), sent as
 * `Authorization: Bearer <token>` on control requests only, never logged or shown.
 */
import { HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { Context, Effect, Layer } from "effect"
import { ControlApi } from "./ControlApi.js"

const KEY = "heron.accessToken"

/** The token given in this tab, if any. */
export const token = (): string | undefined => {
  try {
    return globalThis.sessionStorage.getItem(KEY) ?? undefined
  } catch {
    return undefined
  }
}

/** Keeps `value` for this tab; `undefined` forgets it. */
export const setToken = (value: string | undefined): void => {
  try {
    if (value === undefined || value.trim() === "") globalThis.sessionStorage.removeItem(KEY)
    else globalThis.sessionStorage.setItem(KEY, value.trim())
  } catch {
    // Storage disabled: the token cannot be kept, and the runtime will ask again.
  }
}

const make = HttpApiClient.make(ControlApi, {
  baseUrl: globalThis.location.origin,
  transformClient: HttpClient.mapRequest((request) => {
    const t = token()
    return t === undefined ? request : HttpClientRequest.bearerToken(request, t)
  })
})

/** The typed control client: `control.deactivate({ path })`, `control.restart({ path, payload })`, ... */
export type ControlClient = Effect.Effect.Success<typeof make>

export class Control extends Context.Tag("heron-ui/Control")<Control, ControlClient>() {}

/** Needs an `HttpClient`. */
export const layer = Layer.effect(Control, make)
