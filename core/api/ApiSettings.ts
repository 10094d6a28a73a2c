/**
 * What the API server knows of the runtime it runs in: the bearer tokens (per cluster and role,
 * from each cluster file's `api.tokens`, and the runtime-wide access token), whether the runtime
 * listens on loopback only, and the packing settings and topology defaults of each cluster (which
 * submit and update need). The runtime provides it; without it the API server is closed.
 *
 * The rule: with a token anywhere, every request needs one; with none at all, the endpoints are
 * open to anyone who can connect only when the runtime listens on 127.0.0.1 (or ::1, localhost),
 * and closed (401) otherwise.
 */
import { Config, ConfigError, Context, Data, Effect, Layer, Option, Redacted } from "effect"
import type { ResolvedCluster } from "../../dsl/ResolvedCluster.js"

/** One cluster as the API server sees it. */
export interface ApiCluster {
  readonly name: string
  /** Role → bearer token. */
  readonly tokens: Readonly<Record<string, Redacted.Redacted<string>>>
  readonly packing: ResolvedCluster["packing"]
  readonly topologyDefaults: ResolvedCluster["topologyDefaults"]
}

/** The settings of {@link ApiSettings}. */
export interface ApiSettingsValue {
  /** The runtime-wide access token: acts for every role of every cluster. */
  readonly accessToken: Option.Option<Redacted.Redacted<string>>
  /** Whether the runtime listens on a loopback address only. */
  readonly loopback: boolean
  readonly clusters: ReadonlyArray<ApiCluster>
}

/** The default: no cluster, no token, not on loopback, i.e. every control request refused. */
export const closed: ApiSettingsValue = { accessToken: Option.none(), loopback: false, clusters: [] }

/** The API server's settings; a reference, so that the Tracker's layer needs no new service. */
export class ApiSettings extends Context.Reference<ApiSettings>()("heron/api/ApiSettings", {
  defaultValue: (): ApiSettingsValue => closed
}) {}

/** Whether `host` (what the runtime listens on) is a loopback address. */
export const isLoopback = (host: string): boolean => {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, "")
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h)
}

/** The settings of a runtime serving `clusters` on `host`. */
export const make = (
  clusters: ReadonlyArray<Pick<ResolvedCluster, "name" | "api" | "packing" | "topologyDefaults">>,
  options: { readonly accessToken: Option.Option<Redacted.Redacted<string>>; readonly host: string }
): ApiSettingsValue => ({
  accessToken: options.accessToken,
  loopback: isLoopback(options.host),
  clusters: clusters.map((c) => ({
    name: c.name,
    tokens: Object.fromEntries(Object.entries(c.api.tokens).map(([role, token]) => [role, Redacted.make(token)])),
    packing: c.packing,
    topologyDefaults: c.topologyDefaults
  }))
})

/** How the server decides: tokens required, open to loopback requests, or closed. */
export type Mode = "tokens" | "open-local" | "closed"

/** The mode of `settings` (see the module's rule). */
export const mode = (settings: ApiSettingsValue): Mode =>
  Option.isSome(settings.accessToken) || settings.clusters.some((c) => Object.keys(c.tokens).length > 0)
    ? "tokens"
    : settings.loopback ? "open-local" : "closed"

/** One line for the runtime's start-up log: the mode, the roles with a token (never a token). */
export const describe = (settings: ApiSettingsValue): string => {
  switch (mode(settings)) {
    case "tokens": {
      const roles = settings.clusters.flatMap((c) => Object.keys(c.tokens).map((r) => `${c.name}/${r}`))
      return `API server: bearer tokens required (${[
        ...(Option.isSome(settings.accessToken) ? ["the access token"] : []),
        ...(roles.length > 0 ? [`role tokens for ${roles.join(", ")}`] : [])
      ].join("; ")})`
    }
    case "open-local":
      return "API server: no api.tokens and no access token: open without a token, to local connections only (the runtime listens on loopback)"
    case "closed":
      return "API server: no api.tokens and no access token, and the runtime does not listen on loopback: every control request is refused (401)"
  }
}

/** The access token could not be read. */
export class AccessTokenError extends Data.TaggedError("AccessTokenError")<{ readonly message: string }> {}

const checked = (token: Redacted.Redacted<string>, from: string): Effect.Effect<Option.Option<Redacted.Redacted<string>>, AccessTokenError> => {
  const value = Redacted.value(token)
  if (value === "") return Effect.fail(new AccessTokenError({ message: `${from} is empty: give it the access token` }))
  if (/[\s,]/.test(value)) return Effect.fail(new AccessTokenError({ message: `${from}: the access token must not contain spaces or commas` }))
  return Effect.succeed(Option.some(token))
}

/**
 * The runtime-wide access token: from the environment variable `envName` names
 * (`--access-token-env NAME`, which must be set), else from `HERON_ACCESS_TOKEN` when set.
 */
export const readAccessToken = (envName: Option.Option<string>): Effect.Effect<Option.Option<Redacted.Redacted<string>>, AccessTokenError> =>
  Option.match(envName, {
    onSome: (name) =>
      Config.redacted(name).pipe(
        Effect.mapError((e) =>
          new AccessTokenError({
            message: ConfigError.isMissingData(e)
              ? `--access-token-env ${name}: environment variable ${name} is not set`
              : `--access-token-env ${name}: cannot read ${name}`
          })),
        Effect.flatMap((t) => checked(t, `environment variable ${name} (--access-token-env)`))
      ),
    onNone: () =>
      Config.option(Config.redacted("HERON_ACCESS_TOKEN")).pipe(
        Effect.orElseSucceed(() => Option.none<Redacted.Redacted<string>>()),
        Effect.flatMap(Option.match({
          onNone: () => Effect.succeed(Option.none<Redacted.Redacted<string>>()),
          onSome: (t) => Redacted.value(t) === "" ? Effect.succeed(Option.none<Redacted.Redacted<string>>()) : checked(t, "HERON_ACCESS_TOKEN")
        }))
      )
  })

/**
 * Removes the access token's variable from this process's environment once read, so that the
 * processes the runtime starts (the local scheduler's containers inherit its environment, and run
 * topology code) never see it.
 */
export const forgetAccessToken = (envName: Option.Option<string>): Effect.Effect<void> =>
  Effect.sync(() => {
    delete process.env[Option.getOrElse(envName, () => "HERON_ACCESS_TOKEN")]
  })

/** Provides `settings`. */
export const layer = (settings: ApiSettingsValue): Layer.Layer<ApiSettings> => Layer.succeed(ApiSettings, settings)
