#!/usr/bin/env bash
# Makes sure the real services the test suite needs are installed. Idempotent: installs only what
# is missing. As root it runs apt-get update + install; otherwise it lists what is missing and fails.
# Each suite starts its own instance of a service on a free port in a temp dir (never a system one).
set -uo pipefail
cd "$(dirname "$0")/.."

# One line per Debian package the suite needs, with a command that proves it is installed.
# (package command-or-absolute-path) — grows as suites for real engines are added.
needed=(
  graphite-carbon carbon-cache    # graphite sink tests: a real carbon-cache
  python3-whisper whisper-fetch   # ... and reading back what carbon stored
  thrift-compiler thrift          # scribe sink: the Thrift IDL compiler (generated code is committed)
  netcat-openbsd nc               # readiness probes of the services
  zookeeper /usr/share/java/zookeeper.jar   # zookeeper state manager and HA tests: a real ZooKeeper 3.8
  chromium chromium               # UI tests: Debian's Chromium driven by playwright-core
  slurm-wlm slurmctld             # slurm scheduler tests: a real slurmctld + slurmd
  munge munged                    # ... and the authentication Slurm needs
)

missing=()
for ((i = 0; i < ${#needed[@]}; i += 2)); do
  probe="${needed[i+1]}"
  if [[ "$probe" == /* ]]; then [ -e "$probe" ] || missing+=("${needed[i]}")
  else command -v "$probe" >/dev/null 2>&1 || missing+=("${needed[i]}"); fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "services: all present (${#needed[@]} checked)" >&2
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "services: missing Debian packages: ${missing[*]}" >&2
  echo "services: install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
