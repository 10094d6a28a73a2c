/**
 * The topology API: `import { TopologyBuilder, spout, bolt, fields } from "heron-runtime/topology"`.
 */
export * from "./Api.js"
