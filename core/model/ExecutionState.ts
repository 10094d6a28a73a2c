/**
 * Who submitted a topology, where, and when. Stored under `/executionstate/<name>`.
 */
import { Schema } from "effect"

export class ReleaseState extends Schema.Class<ReleaseState>("ReleaseState")({
  releaseUsername: Schema.String,
  releaseTag: Schema.String,
  releaseVersion: Schema.String
}) {}

export class ExecutionState extends Schema.Class<ExecutionState>("ExecutionState")({
  topologyName: Schema.String,
  topologyId: Schema.String,
  cluster: Schema.String,
  role: Schema.String,
  environ: Schema.String,
  /** Epoch seconds. */
  submissionTime: Schema.Number,
  submissionUser: Schema.String,
  /** Where the uploader put the package. */
  packageUri: Schema.String,
  release: ReleaseState
}) {}
