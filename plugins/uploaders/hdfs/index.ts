/**
 * The built-in `hdfs` uploader plugin: topology packages in HDFS, through the WebHDFS REST API.
 */
import { definePlugin } from "../../../core/Plugin.js"
import * as HdfsUploader from "./HdfsUploader.js"

export * as HdfsUploader from "./HdfsUploader.js"

/** Options of this plugin in a cluster file (same schema as `HdfsUploader.HdfsConfig`). */
export const Config = HdfsUploader.HdfsConfig
export type Config = typeof Config.Type

/** The version of this plugin. */
export const version = "0.1.0"

/** The `hdfs` uploader. Keeps one previous package per topology so a failed submit can roll back;
 * containers fetch their package through it too. */
export const definition = definePlugin({
  module: import.meta.url,
  kind: "uploader",
  name: "hdfs",
  version,
  config: Config,
  layer: (c: Config) => HdfsUploader.layer(c)
})

/** Chooses the `hdfs` uploader in a cluster file, e.g.
 * `hdfs({ namenode: "http://namenode:9870", root: "/heron/topologies/prod", user: "heron" })`. */
export const hdfs = (o: typeof Config.Encoded) => definition.configure(o)
