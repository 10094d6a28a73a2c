#!/usr/bin/env bash
# Sets up everything the test suite needs on a fresh machine and runs the whole suite:
#   1. the real services the suite talks to (scripts/ensure-services.sh: apt-get when root,
#      otherwise a list of what is missing),
#   2. the npm dependencies (npm ci, whose `prepare` step builds dist/ and so the bins),
#   3. the type check, then every test, with a JSON report summarised as `N passed, N failed`.
# .ci/run runs exactly this script.
set -uo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*" >&2; }

step "services"
bash scripts/ensure-services.sh || exit 1

step "npm dependencies and build"
npm ci --no-audit --no-fund || exit 1

step "type check"
npm run --silent typecheck || exit 1

step "tests"
rm -f test-report.json
npx vitest run --reporter=default --reporter=json --outputFile.json=test-report.json
status=$?
node scripts/summarize-report.mjs test-report.json || status=1
exit $status
