// Prints the plain line `N passed, N failed` (", N skipped" when any) from vitest's JSON report, so
// that a run which executed no test shows as such. Exits non-zero when the report is missing,
// when no test ran, or when any failed.
import { readFileSync } from "node:fs"

const file = process.argv[2] ?? "test-report.json"
let report
try {
  report = JSON.parse(readFileSync(file, "utf8"))
} catch (e) {
  console.log("0 passed, 0 failed")
  console.error(`no test report at ${file}: ${e.message}`)
  process.exit(1)
}
const passed = report.numPassedTests ?? 0
// A test file that failed to load (or whose hooks failed) counts as one failure even though none of
// its tests failed.
const brokenFiles = (report.testResults ?? []).filter(
  (s) => s.status === "failed" && !(s.assertionResults ?? []).some((a) => a.status === "failed")
).length
const failed = (report.numFailedTests ?? 0) + brokenFiles
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`)
process.exit(passed > 0 && failed === 0 ? 0 : 1)

