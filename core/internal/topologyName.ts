/**
 * Which topology names are accepted where a name becomes a folder or file name.
 */

/** Letters, digits, '.', '_' and '-', starting with a letter or digit: `.`, `..` and `a/../b` can
 * never escape the folder that holds topologies, nor name a hidden file. */
export const isValidTopologyName = (name: string): boolean => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)
