/**
 * A container's directory, through the Tracker (`containerfilestats`): folders to open, files to
 * read in the log viewer or download (`containerfiledownload`, the file's bytes as they are).
 */
import { useState } from "preact/hooks"
import { ContainerApi } from "../../../core/tracker/ContainerApi.js"
import { result, run } from "../api/Run.js"
import { useResource } from "../app/useResource.js"
import { type Address, formatAddress, trackerParams } from "../model/Address.js"
import { bytes } from "../model/Format.js"
import { ErrorNote, Loading } from "./Status.js"

const downloadPath = ContainerApi.endpoints["containerfiledownload"]?.path ?? "/topologies/containerfiledownload"

/** The URL that downloads `path` of a container (a plain link: the browser streams it to disk). */
export const downloadUrl = (a: Address, container: number, path: string): string =>
  `${downloadPath}?${new URLSearchParams({ ...trackerParams(a), container: String(container), path }).toString()}`

const decode = (p: string) => {
  try {
    return decodeURIComponent(p)
  } catch {
    return p
  }
}

export const FileBrowser = ({ address, container, onView }: { readonly address: Address; readonly container: number; readonly onView: (path: string) => void }) => {
  const [dir, setDir] = useState(".")
  const listing = useResource(
    `files:${formatAddress(address)}:${container}:${dir}`,
    (signal) => run((t) => result(t.container.containerfilestats({ urlParams: { ...trackerParams(address), container: String(container), path: dir } })), signal)
  )
  const entries = Object.entries(listing.data ?? {}).sort(([a, x], [b, y]) => Number(y.is_dir) - Number(x.is_dir) || a.localeCompare(b))
  return (
    <div class="files">
      <p>
        Folder <code>{dir === "." ? "(container directory)" : dir}</code>
        {dir === "." ? null : <button type="button" class="link" onClick={() => setDir(".")}>back to the top</button>}
      </p>
      {listing.data === undefined
        ? (listing.error === undefined ? <Loading what="files" /> : <ErrorNote what="cannot list files" message={listing.error} />)
        : (
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Files">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col" class="num">Size</th>
                  <th scope="col">Details</th>
                  <th scope="col"><span class="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {entries.map(([name, e]) => {
                  const path = decode(e.path)
                  return (
                    <tr key={name} data-file={name}>
                      <th scope="row">
                        {e.is_dir
                          ? <button type="button" class="link" onClick={() => setDir(path)}><span aria-hidden="true">▸ </span>{name}/</button>
                          : <span>{name}</span>}
                      </th>
                      <td class="num">{e.is_dir ? "–" : bytes(e.size)}</td>
                      <td><code class="stat">{e.formatted_stat}</code></td>
                      <td class="actions">
                        {e.is_dir ? null : (
                          <>
                            <button type="button" onClick={() => onView(path)}>View<span class="sr-only"> {name}</span></button>
                            <a href={downloadUrl(address, container, path)} download={name}>Download<span class="sr-only"> {name}</span></a>
                          </>
                        )}
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
        )}
    </div>
  )
}
