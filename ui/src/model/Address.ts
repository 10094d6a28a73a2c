/**
 * A topology's address, `cluster/role/environ/name`, and the UI's routes built on it:
 *
 * - `/`: the topology list (filters in the query: `cluster`, `environ`, `role`, `q`);
 * - `/topology/<cluster>/<role>/<environ>/<name>`: a topology;
 * - `.../container/<index>` and `.../instance/<id>`: a container or an instance (`?tab=`).
 */

export interface Address {
  readonly cluster: string
  readonly role: string
  readonly environ: string
  readonly name: string
}

export type Route =
  | { readonly page: "list" }
  | { readonly page: "topology"; readonly address: Address }
  | { readonly page: "container"; readonly address: Address; readonly container: number }
  | { readonly page: "instance"; readonly address: Address; readonly instance: string }
  | { readonly page: "missing"; readonly path: string }

const seg = encodeURIComponent

/** The path of a topology's page. */
export const topologyPath = (a: Address): string => `/topology/${seg(a.cluster)}/${seg(a.role)}/${seg(a.environ)}/${seg(a.name)}`
export const containerPath = (a: Address, container: number): string => `${topologyPath(a)}/container/${container}`
export const instancePath = (a: Address, instance: string): string => `${topologyPath(a)}/instance/${seg(instance)}`

/** The route a location's path names. */
export const parseRoute = (pathname: string): Route => {
  if (pathname === "/" || pathname === "" || pathname === "/index.html") return { page: "list" }
  const parts = pathname.split("/").filter((p) => p !== "")
  let decoded: Array<string>
  try {
    decoded = parts.map(decodeURIComponent)
  } catch {
    return { page: "missing", path: pathname }
  }
  const [head, cluster, role, environ, name, kind, id] = decoded
  if (head !== "topology" || cluster === undefined || role === undefined || environ === undefined || name === undefined) {
    return { page: "missing", path: pathname }
  }
  const address = { cluster, role, environ, name }
  if (kind === undefined) return { page: "topology", address }
  if (kind === "container" && id !== undefined && /^\d+$/.test(id) && decoded.length === 7) return { page: "container", address, container: Number(id) }
  if (kind === "instance" && id !== undefined && decoded.length === 7) return { page: "instance", address, instance: id }
  return { page: "missing", path: pathname }
}

/** The Tracker's query parameters for one topology. */
export const trackerParams = (a: Address) => ({ cluster: a.cluster, environ: a.environ, role: a.role, topology: a.name })

/** `cluster/role/environ/name`, for titles. */
export const formatAddress = (a: Address): string => `${a.cluster}/${a.role}/${a.environ}/${a.name}`
