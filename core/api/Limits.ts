/**
 * What the API server accepts at most. A request over a limit is refused with 400 and the limit
 * named, before its body is read when its `Content-Length` already says so.
 */

const MiB = 1024 * 1024

/** The topology package of a submit (`topology.tar.gz`). */
export const MAX_PACKAGE_BYTES = 50 * MiB
/** A JSON body (update), and each text field of a submit form (the definition included). */
export const MAX_JSON_BYTES = 64 * 1024
/** A whole submit body: the package and its fields. */
export const MAX_SUBMIT_BYTES = MAX_PACKAGE_BYTES + MiB
/** Parts of a submit form. */
export const MAX_PARTS = 256
/** How long a request may ask the server to wait (for the topology to run, to be killed, ...). */
export const MAX_WAIT_SECS = 600
/** The default wait of submit, kill and update. */
export const DEFAULT_WAIT_SECS = 60
/** Instances of one topology (the sum of its components' parallelism). */
export const MAX_INSTANCES = 100_000
/** Containers of one topology (`topology.stmgrs`, `container_number`). */
export const MAX_CONTAINERS = 10_000

/** `52428800` → `50 MB`, `65536` → `64 KB`. */
export const formatBytes = (n: number): string =>
  n >= MiB ? `${Math.round((n / MiB) * 10) / 10} MB` : n >= 1024 ? `${Math.round(n / 1024)} KB` : `${n} bytes`
