/**
 * The built-in `localfs` uploader plugin: topology packages in a local (or shared) directory.
 */
import { definePlugin } from "../../../core/Plugin.js"
import * as LocalFsUploader from "./LocalFsUploader.js"

export * as LocalFsUploader from "./LocalFsUploader.js"

/** Options of this plugin in a cluster file (same schema as `LocalFsUploader.LocalFsConfig`). */
export const Config = LocalFsUploader.LocalFsConfig
export type Config = typeof Config.Type

/** The version of this plugin. */
export const version = "0.1.0"

/** The `localfs` uploader. Creates its root when the runtime starts; keeps one previous package per
 * topology so a failed submit can roll back. */
export const definition = definePlugin({
  module: import.meta.url,
  kind: "uploader",
  name: "localfs",
  version,
  config: Config,
  layer: (c: Config) => LocalFsUploader.layer(c)
})

/** Chooses the `localfs` uploader in a cluster file, e.g. `uploader: localfs({ root: "~/heron/packages" })`. */
export const localfs = (o: typeof Config.Encoded) => definition.configure(o)
