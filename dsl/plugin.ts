/**
 * `plugin("heron-plugin-x", options)`: a third-party plugin chosen by npm package name. The package
 * is imported from the cluster file's folder when the file is loaded, and its export (`definition`,
 * or the default export) is checked against the plugin contract.
 */
import { PluginInstanceTypeId, type PluginByName } from "../core/Plugin.js"

export const plugin = (packageName: string, options: unknown = {}): PluginByName => ({
  [PluginInstanceTypeId]: true,
  packageName,
  options
})
