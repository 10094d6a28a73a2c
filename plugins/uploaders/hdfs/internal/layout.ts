/**
 * Where the hdfs uploader keeps packages, and how its `webhdfs://` URIs are read back.
 *
 * ```
 * <root>/<topology>/topology.tar.gz                   the current package
 * <root>/<topology>/previous_topology.tar.gz          the one it replaced, restored by `undo`
 * <root>/<topology>/.topology.tar.gz.<uuid>.tmp       an upload in progress
 * ```
 */
import { Option } from "effect"
import { randomUUID } from "node:crypto"
import { isValidTopologyName } from "../../../../core/internal/topologyName.js"

/** The file name of the current package in its topology's folder. */
export const packageFile = "topology.tar.gz"
/** The file name of the package that the current one replaced. */
export const previousFile = "previous_topology.tar.gz"

/** The root as given, without trailing slashes (`/` stays `/`). */
export const normalizeRoot = (root: string): string => root.replace(/\/+$/, "") || "/"

/** Whether `root` (normalized) is an absolute HDFS path without empty, `.` or `..` segments. */
export const isValidRoot = (root: string): boolean =>
  root === "/" || (root.startsWith("/") && root.slice(1).split("/").every((s) => s !== "" && s !== "." && s !== ".."))

/** The paths of one topology. */
export interface TopologyPaths {
  readonly folder: string
  readonly current: string
  readonly previous: string
  /** A fresh temp file name for an upload. */
  readonly temp: () => string
}

/** The paths of `topology` (already validated) under `root`. */
export const pathsOf = (root: string, topology: string): TopologyPaths => {
  const folder = `${root === "/" ? "" : root}/${topology}`
  return {
    folder,
    current: `${folder}/${packageFile}`,
    previous: `${folder}/${previousFile}`,
    temp: () => `${folder}/.${packageFile}.${randomUUID()}.tmp`
  }
}

/** The WebHDFS file system URI of `path` on `namenode`: `webhdfs://host:port/path`
 * (`swebhdfs://` over HTTPS), as HDFS's own tools name it. */
export const uriOf = (namenode: URL, path: string): string =>
  `${namenode.protocol === "https:" ? "swebhdfs" : "webhdfs"}://${namenode.host}${path}`

/** What a package URI names. */
export interface PackageRef {
  readonly path: string
  readonly topology: string
}

/** Reads a URI made by {@link uriOf} for a package under `root` on `namenode`; `None` for any
 * other URI (another scheme or server, a path outside the root, a file that is not a package). */
export const parsePackageUri = (uri: string, namenode: URL, root: string): Option.Option<PackageRef> => {
  const prefix = uriOf(namenode, root === "/" ? "/" : `${root}/`)
  if (!uri.startsWith(prefix)) return Option.none()
  const [topology = "", name, ...rest] = uri.slice(prefix.length).split("/")
  const isPackage = name === packageFile || name === previousFile
  return isValidTopologyName(topology) && isPackage && rest.length === 0
    ? Option.some({ path: pathsOf(root, topology)[name === packageFile ? "current" : "previous"], topology })
    : Option.none()
}
