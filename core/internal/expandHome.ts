/**
 * `~` in paths that users write (cluster files, plugin options).
 */
import { homedir } from "node:os"

/** Expands a leading `~` (alone or followed by `/`) to the user's home directory; any other path,
 * `~user/...` included, is returned as is. */
export const expandHome = (p: string): string =>
  p === "~" ? homedir() : p.startsWith("~/") ? homedir() + p.slice(1) : p
