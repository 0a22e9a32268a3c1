#!/usr/bin/env bash
# Synthesizes examples/consumer/main.ts against the packed npm tarball (dist/js/*.tgz from
# `npx projen package:js`): the library is unpacked into examples/consumer/node_modules, so
# `import … from 'cdk8s-stateful'` resolves to what npm would install, and nothing else of
# this repository (cdk8s, cdk8s-plus-27 and constructs come from the root node_modules, as
# peer dependencies do in an app). Type-checks the app in strict mode, synthesizes it and
# checks what it wrote.
set -euo pipefail
cd "$(dirname "$0")"
root=../..
tarballs=("$root"/dist/js/cdk8s-stateful@*.jsii.tgz)
[ -f "${tarballs[0]}" ] || { echo "consumer: no dist/js/cdk8s-stateful@*.jsii.tgz: run npx projen package:js first" >&2; exit 1; }
rm -rf node_modules dist
# Removed afterwards: jsii-docgen (post-compile) takes any cdk8s-stateful/.jsii under the
# repository for the library's own, so a stale unpacked copy would write a stale API.md.
trap 'rm -rf node_modules' EXIT
mkdir -p node_modules/cdk8s-stateful
tar -xzf "${tarballs[0]}" --strip-components=1 -C node_modules/cdk8s-stateful
"$root"/node_modules/.bin/tsc -p tsconfig.json
"$root"/node_modules/.bin/ts-node --transpile-only main.ts dist
node check.js dist
