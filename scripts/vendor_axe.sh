#!/bin/sh
# Fetch axe-core (the accessibility engine the browser tests inject into each page) from npm
# into tests/browser/vendor/. Tests only: it is never served by the site. The output is
# committed, so `make test` needs no Node; run this again to move to another version.
set -eu
VERSION="${AXE_VERSION:-4.14.1}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/tests/browser/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "axe-core@$VERSION" >/dev/null
tar -xzf axe-core-*.tgz
mkdir -p "$DEST"
cp package/axe.min.js "$DEST/axe.min.js"
cp package/LICENSE "$DEST/axe-core.LICENSE.txt"
echo "axe-core $VERSION" > "$DEST/axe-core.VERSION"
echo "axe-core $VERSION -> $DEST/axe.min.js"
