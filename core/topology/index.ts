/**
 * The topology API: `import { TopologyBuilder, spout, bolt, fields } from "heron-runtime/topology"`.
 * Plain TypeScript with no runtime dependency, so a topology bundle stays small.
 */
export * from "./Api.js"
export * from "./Metrics.js"
export * from "./Resources.js"
export * from "./TopologyBuilder.js"
export * from "./TopologyValidationError.js"
