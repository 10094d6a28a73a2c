/**
 * Where the s3 uploader keeps packages in its bucket, and how its `s3://` URIs are read back.
 *
 * ```
 * <prefix>/<topology>/topology.tar.gz            the current package
 * <prefix>/<topology>/previous_topology.tar.gz   the one it replaced, restored by `undo`
 * ```
 */
import { Option } from "effect"
import { isValidTopologyName } from "../../../../core/internal/topologyName.js"

/** The object name of the current package in its topology's folder. */
export const packageFile = "topology.tar.gz"
/** The object name of the package that the current one replaced. */
export const previousFile = "previous_topology.tar.gz"

/** The prefix as given, without leading or trailing slashes (`""` for the bucket's top level). */
export const normalizePrefix = (prefix: string | undefined): string => (prefix ?? "").replace(/^\/+|\/+$/g, "")

/** Whether `prefix` (normalized) is usable: no empty, `.` or `..` segment. */
export const isValidPrefix = (prefix: string): boolean =>
  prefix === "" || prefix.split("/").every((s) => s !== "" && s !== "." && s !== "..")

/** The keys of one topology: the folder (ending in `/`, for listing) and its two packages. */
export interface TopologyKeys {
  readonly folder: string
  readonly current: string
  readonly previous: string
}

/** The keys of `topology` under `prefix` (both already validated). */
export const keysOf = (prefix: string, topology: string): TopologyKeys => {
  const folder = prefix === "" ? `${topology}/` : `${prefix}/${topology}/`
  return { folder, current: folder + packageFile, previous: folder + previousFile }
}

/** The URI of an object, as the AWS tools print it: `s3://<bucket>/<key>` (the key unescaped). */
export const uriOf = (bucket: string, key: string): string => `s3://${bucket}/${key}`

/** What a package URI names: the bucket, the key and the topology it belongs to. */
export interface PackageRef {
  readonly bucket: string
  readonly key: string
  readonly topology: string
}

/** Reads a URI made by {@link uriOf} for a package under `prefix`; `None` for anything else
 * (another scheme, a key outside the prefix, an object that is not a package). */
export const parsePackageUri = (uri: string, prefix: string): Option.Option<PackageRef> => {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri)
  const bucket = m?.[1]
  const key = m?.[2]
  if (bucket === undefined || key === undefined) return Option.none()
  const inPrefix = prefix === "" ? key : key.startsWith(`${prefix}/`) ? key.slice(prefix.length + 1) : undefined
  const [topology = "", name, ...rest] = inPrefix?.split("/") ?? []
  const isPackage = name === packageFile || name === previousFile
  return isValidTopologyName(topology) && isPackage && rest.length === 0
    ? Option.some({ bucket, key, topology })
    : Option.none()
}
