#!/usr/bin/env bash
# The main job on the embedded default cluster: starts `heron-runtime --cluster local`, submits
# examples/word-count.ts, shows it in the Tracker, and keeps the runtime in the foreground until
# Ctrl-C. The topology keeps running after the runtime stops (a restarted runtime adopts it);
# `heron kill local word-count` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/core/cli/runtime-bin.js ] || npm run --silent build
port="${HERON_PORT:-8888}"
base="http://127.0.0.1:${port}"
get() { node -e 'fetch(process.argv[1]).then(r => r.text()).then(t => console.log(t)).catch(() => process.exit(1))' "$1"; }

node dist/core/cli/runtime-bin.js --cluster local --port "$port" &
runtime=$!
trap 'kill -TERM "$runtime" 2>/dev/null || true; wait "$runtime" 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 100); do get "$base/health" >/dev/null 2>&1 && break; sleep 0.1; done

if get "$base/topologies" | grep -q '"word-count"'; then
  echo "word-count already runs (adopted by this runtime)" >&2
else
  node dist/core/cli/heron-bin.js submit local examples/word-count.ts
fi
echo "== $base/topologies" >&2
get "$base/topologies"
echo "== $base/topologies/physicalplan?cluster=local&environ=default&topology=word-count" >&2
get "$base/topologies/physicalplan?cluster=local&environ=default&topology=word-count"
echo "word-count runs on the local cluster; Ctrl-C stops the runtime (heron kill local word-count removes the topology)" >&2
wait "$runtime"
