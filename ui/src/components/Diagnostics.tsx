/**
 * An instance's (or a container's main thread's) process, through the container's shell: its pid
 * and thread, a stack dump of every thread (Node's diagnostic report), the heap statistics (the
 * memory histogram) and a heap dump: a V8 heap snapshot written in the container's directory,
 * then downloaded as it is (open it in Chrome DevTools' Memory tab).
 */
import { Effect, Schema } from "effect"
import { useState } from "preact/hooks"
import { run, type Result } from "../api/Run.js"
import type { TrackerClient } from "../api/TrackerClient.js"
import { useResource } from "../app/useResource.js"
import { type Address, formatAddress, trackerParams } from "../model/Address.js"
import { bytes, percent } from "../model/Format.js"
import { HistoAnswer, JmapAnswer, PidAnswer, StackAnswer } from "../model/Shell.js"
import { downloadUrl } from "./FileBrowser.js"
import { ErrorNote, Loading } from "./Status.js"

export type Target = { readonly kind: "instance"; readonly instance: string } | { readonly kind: "container"; readonly container: number }

const targetParams = (a: Address, t: Target) => ({ ...trackerParams(a), ...(t.kind === "instance" ? { instance: t.instance } : { container: String(t.container) }) })
const targetKey = (a: Address, t: Target) => `${formatAddress(a)}:${t.kind === "instance" ? t.instance : `c${t.container}`}`

/** Asks the shell and decodes its JSON text. */
const ask = <A, I>(what: "pid" | "jstack" | "histo" | "jmap", schema: Schema.Schema<A, I, never>, a: Address, t: Target, signal?: AbortSignal): Promise<Result<A>> =>
  run((c: TrackerClient) => Effect.flatMap(c.container[what]({ urlParams: targetParams(a, t) }), (r) => Schema.decodeUnknown(schema)(r.result)), signal)

export const ProcessInfo = ({ address, target }: { readonly address: Address; readonly target: Target }) => {
  const pid = useResource(`pid:${targetKey(address, target)}`, (signal) => ask("pid", PidAnswer, address, target, signal))
  const [stack, setStack] = useState<Result<typeof StackAnswer.Type> | "loading" | undefined>(undefined)
  return (
    <div class="diagnostics">
      <h3>Process</h3>
      {pid.data === undefined
        ? (pid.error === undefined ? <Loading what="the pid" /> : <ErrorNote what="cannot read the pid" message={pid.error} />)
        : (
          <dl class="facts-list">
            <dt>pid</dt>
            <dd data-testid="pid">{pid.data.pid}</dd>
            {pid.data.thread_id === undefined ? null : (
              <>
                <dt>thread</dt>
                <dd data-testid="thread">{pid.data.thread_id ?? "restarting"}</dd>
              </>
            )}
            <dt>command</dt>
            <dd><code>{pid.data.command}</code></dd>
          </dl>
        )}
      <h3>Stack</h3>
      <p>
        <button type="button" disabled={stack === "loading"} onClick={async () => {
          setStack("loading")
          setStack(await ask("jstack", StackAnswer, address, target))
        }}>
          Take a stack dump
        </button>{" "}
        <span class="muted">the JavaScript stack of every thread of the container's process (Node's diagnostic report)</span>
      </p>
      {stack === "loading" ? <Loading what="the stack dump" /> : null}
      {stack !== undefined && stack !== "loading" && stack._tag === "Failed" ? <ErrorNote what="no stack dump" message={stack.message} /> : null}
      {stack !== undefined && stack !== "loading" && stack._tag === "Ok" ? <pre class="stack" tabIndex={0} data-testid="jstack">{stack.value.stdout}</pre> : null}
    </div>
  )
}

const ratioOf = (part: number | undefined, whole: number | undefined) => (part === undefined || whole === undefined || whole <= 0 ? undefined : part / whole)

export const Memory = ({ address, target }: { readonly address: Address; readonly target: Target }) => {
  const histo = useResource(`histo:${targetKey(address, target)}`, (signal) => ask("histo", HistoAnswer, address, target, signal))
  const [dump, setDump] = useState<Result<typeof JmapAnswer.Type> | "loading" | undefined>(undefined)
  const spaces = histo.data?.spaces ?? []
  return (
    <div class="diagnostics">
      <h3>Heap statistics</h3>
      <p><button type="button" onClick={histo.reload} disabled={histo.loading}>Read again</button></p>
      {histo.data === undefined
        ? (histo.error === undefined ? <Loading what="heap statistics" /> : <ErrorNote what="cannot read the heap" message={histo.error} />)
        : (
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Heap spaces">
            <table class="histo">
              <caption>V8 heap spaces ({histo.data.command})</caption>
              <thead>
                <tr>
                  <th scope="col">Space</th>
                  <th scope="col" class="num">Size</th>
                  <th scope="col" class="num">Used</th>
                  <th scope="col" class="num">Used %</th>
                  <th scope="col" class="num">Available</th>
                  <th scope="col" class="num">Physical</th>
                </tr>
              </thead>
              <tbody>
                {spaces.map((s) => (
                  <tr key={s.space_name}>
                    <th scope="row">{s.space_name}</th>
                    <td class="num">{bytes(s.space_size)}</td>
                    <td class="num">{bytes(s.space_used_size)}</td>
                    <td class="num">{percent(ratioOf(s.space_used_size, s.space_size))}</td>
                    <td class="num">{bytes(s.space_available_size)}</td>
                    <td class="num">{bytes(s.physical_space_size)}</td>
                  </tr>
                ))}
              </tbody>
              {histo.data.heap === undefined ? null : (
                <tfoot>
                  <tr>
                    <th scope="row">heap</th>
                    <td class="num">{bytes(histo.data.heap["total_heap_size"])}</td>
                    <td class="num">{bytes(histo.data.heap["used_heap_size"])}</td>
                    <td class="num">{percent(ratioOf(histo.data.heap["used_heap_size"], histo.data.heap["total_heap_size"]))}</td>
                    <td class="num">limit {bytes(histo.data.heap["heap_size_limit"])}</td>
                    <td />
                  </tr>
                </tfoot>
              )}
            </table>
          </div>
        )}
      <h3>Heap dump</h3>
      <p>
        <button type="button" disabled={dump === "loading"} onClick={async () => {
          setDump("loading")
          setDump(await ask("jmap", JmapAnswer, address, target))
        }}>
          Take a heap dump
        </button>{" "}
        <span class="muted">writes a V8 heap snapshot in the container's directory; the thread pauses meanwhile</span>
      </p>
      {dump === "loading" ? <Loading what="the heap snapshot (this takes a few seconds)" /> : null}
      {dump !== undefined && dump !== "loading" && dump._tag === "Failed" ? <ErrorNote what="no heap dump" message={dump.message} /> : null}
      {dump !== undefined && dump !== "loading" && dump._tag === "Ok"
        ? (
          <p class="ok" role="status">
            Heap snapshot written: <a class="download" href={downloadUrl(address, dump.value.container, dump.value.file)} download={dump.value.file}>
              Download {dump.value.file} ({bytes(dump.value.size)})
            </a>
          </p>
        )
        : null}
    </div>
  )
}
