/*
 * A StatsD backend for tests: appends each flush, as one JSON line of its counters and gauges,
 * to the file named by the `fileBackend.path` option of StatsD's config.
 */
const fs = require("fs")

exports.init = function (startupTime, config, events) {
  const path = config.fileBackend && config.fileBackend.path
  if (!path) return false
  events.on("flush", function (timestamp, metrics) {
    fs.appendFileSync(path, JSON.stringify({ timestamp, counters: metrics.counters, gauges: metrics.gauges }) + "\n")
  })
  events.on("status", function (write) {
    write(null, "file", "path", path)
  })
  return true
}
