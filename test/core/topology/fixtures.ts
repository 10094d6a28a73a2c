// Small specs shared by the topology and packing tests.
import { bolt, spout, type BoltSpec, type SpoutSpec } from "../../../core/topology/index.js"

export const sentenceSpout: SpoutSpec = spout({ outputs: { default: ["sentence"] }, create: () => ({ nextTuple: () => {} }) })
export const splitBolt: BoltSpec = bolt({ outputs: { default: ["word"] }, create: () => ({ execute: () => {} }) })
export const sinkBolt: BoltSpec = bolt({ create: () => ({ execute: () => {} }) })
