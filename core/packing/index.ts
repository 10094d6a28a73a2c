/**
 * Packing: where each instance of a topology runs. Heron's round-robin and resource-compliant
 * round-robin algorithms, and `repack` for `heron update`.
 */
export { containersOf, defaultPadding, pack, type ContainerLimits, type PackingAlgorithm, type PackInput } from "./Pack.js"
export { PackingError } from "./PackingError.js"
export { repack, type RepackOptions } from "./Repack.js"
