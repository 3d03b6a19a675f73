#!/bin/sh
# Rebuilds platform/static/vendor/codemirror.bundle.js (and its license notice) from
# frontend/src/editor.js with the exact versions in package-lock.json. Needs Node 20.
# The output is committed, so running the site needs no Node.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
mkdir -p ../platform/static/vendor
node build.mjs
