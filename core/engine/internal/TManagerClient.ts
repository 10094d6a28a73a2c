/**
 * A stream manager's connection to its TManager: connects, registers, and streams what the
 * TManager sends. The stream fails when the connection drops, so that the caller can retry.
 */
import { Effect, Stream } from "effect"
import * as net from "node:net"
import type { TManagerLocation } from "../../model/Locations.js"
import { EngineError } from "../EngineError.js"
import * as Control from "./Control.js"

/** Connects to the TManager at `loc`, registers, and emits what it sends; fails when the
 * connection drops or sends something that is not a control message. */
export const connectTManager = (loc: TManagerLocation, register: Control.Register): Stream.Stream<Control.ToStmgr, EngineError> =>
  Stream.asyncScoped<Control.ToStmgr, EngineError>((emit) =>
    Effect.acquireRelease(
      Effect.sync(() => {
        const socket = net.connect({ host: loc.host, port: loc.controllerPort })
        socket.setNoDelay(true)
        socket.on("connect", () => Control.send(socket, Control.Register, register))
        Control.receive(socket, Control.ToStmgr, (m) => void emit.single(m), (why) => {
          void emit.fail(new EngineError({ message: `bad message from the tmanager: ${why}` }))
        })
        socket.on("error", (e) => void emit.fail(new EngineError({ message: `${loc.host}:${loc.controllerPort}: ${e.message}` })))
        socket.on("close", () => void emit.fail(new EngineError({ message: `${loc.host}:${loc.controllerPort} closed` })))
        return socket
      }),
      (socket) => Effect.sync(() => socket.destroy())
    )
  )
