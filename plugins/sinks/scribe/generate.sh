#!/usr/bin/env bash
# Regenerates gen/ (or the directory given as $1) from scribe.thrift with the Thrift compiler
# (Debian's thrift-compiler 0.17): Node.js CommonJS code with ES6 classes and Promises
# (`js:node,es6`) plus its TypeScript declarations (`ts`). The package is ESM, so the files are
# renamed to .cjs/.d.cts (Node then loads them as CommonJS) and their one relative require is
# pointed at the renamed file; nothing else is edited. tsconfig.build.json lists the .cjs files so
# that tsc copies them into dist/. test/plugins/sinks/scribe/generated.test.ts checks that gen/ is
# what this script makes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="${1:-$here/gen}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
thrift --gen js:node,es6,ts -out "$out" "$here/scribe.thrift"
rm -rf "$dest" && mkdir -p "$dest"
for name in scribe scribe_types; do
  sed "s#require('./scribe_types')#require('./scribe_types.cjs')#" "$out/$name.js" > "$dest/$name.cjs"
  sed "s#require('./scribe_types')#require('./scribe_types.cjs')#" "$out/$name.d.ts" > "$dest/$name.d.cts"
done
