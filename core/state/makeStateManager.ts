/**
 * Builds the typed {@link StateManagerService} over any {@link NodeStore}: JSON encoding with each
 * kind's schema, Heron's folder layout, and value-level deduplication of watches.
 */
import { Effect, Option, ParseResult, Schema, Stream } from "effect"
import {
  StateError,
  StateKinds,
  isEphemeralKind,
  type StateKind,
  type StateManagerService,
  type StateValue
} from "../StateManager.js"
import { isValidTopologyName } from "../internal/topologyName.js"
import type { NodeStore } from "./NodeStore.js"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export const nodePath = (kind: StateKind, topology: string): string => `/${kind}/${topology}`
export const lockPath = (topology: string): string => `/locks/${topology}__updateTopology`

const validName = (op: string, topology: string) =>
  isValidTopologyName(topology)
    ? Effect.void
    : Effect.fail(new StateError({ op, path: topology, message: `invalid topology name "${topology}": use letters, digits, '.', '_' and '-'` }))

export const makeStateManager = (store: NodeStore): StateManagerService => {
  const decode = <K extends StateKind>(kind: K, path: string, bytes: Uint8Array) =>
    Effect.try({
      try: () => JSON.parse(decoder.decode(bytes)) as unknown,
      catch: (e) => new StateError({ op: "decode", path, message: `not JSON: ${String(e)}` })
    }).pipe(
      Effect.flatMap((json) => Schema.decodeUnknown(StateKinds[kind] as Schema.Schema<StateValue<K>, unknown>)(json)),
      Effect.mapError((e) =>
        e instanceof StateError ? e : new StateError({ op: "decode", path, message: ParseResult.TreeFormatter.formatErrorSync(e) })
      )
    )

  const get = <K extends StateKind>(kind: K, topology: string) => {
    const path = nodePath(kind, topology)
    return validName("get", topology).pipe(
      Effect.zipRight(store.read(path)),
      Effect.flatMap(Option.match({
        onNone: () => Effect.succeed(Option.none<StateValue<K>>()),
        onSome: (bytes) => Effect.map(decode(kind, path, bytes), Option.some)
      }))
    )
  }

  const set = <K extends StateKind>(kind: K, topology: string, value: StateValue<K>) => {
    const path = nodePath(kind, topology)
    return validName("set", topology).pipe(
      Effect.zipRight(Schema.encode(StateKinds[kind] as Schema.Schema<StateValue<K>, unknown>)(value)),
      Effect.mapError((e) =>
        e instanceof StateError ? e : new StateError({ op: "encode", path, message: ParseResult.TreeFormatter.formatErrorSync(e) })
      ),
      Effect.flatMap((json) => store.write(path, encoder.encode(JSON.stringify(json)), { ephemeral: isEphemeralKind(kind) }))
    )
  }

  const watch = <K extends StateKind>(kind: K, topology: string) => {
    const path = nodePath(kind, topology)
    return Stream.fromEffect(validName("watch", topology)).pipe(
      Stream.flatMap(() => store.watch(path)),
      Stream.changesWith((a, b) => Option.getEquivalence(bytesEqual)(a, b)),
      Stream.mapEffect(Option.match({
        onNone: () => Effect.succeed(Option.none<StateValue<K>>()),
        onSome: (bytes) => Effect.map(decode(kind, path, bytes), Option.some)
      }))
    )
  }

  return {
    get,
    set,
    delete: (kind, topology) => validName("delete", topology).pipe(Effect.zipRight(store.remove(nodePath(kind, topology)))),
    list: (kind) => store.children(`/${kind}`),
    leadership: (cluster) => Stream.fromEffect(validName("leadership", cluster)).pipe(Stream.flatMap(() => store.leadership(`/leaders/${cluster}`))),
    watchList: (kind) =>
      store.watchChildren(`/${kind}`).pipe(Stream.changesWith((a, b) => a.length === b.length && a.every((n, i) => n === b[i]))),
    watch,
    lock: (topology, timeout = "10 seconds") =>
      validName("lock", topology).pipe(Effect.zipRight(store.lock(lockPath(topology), timeout)))
  }
}

const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i])
