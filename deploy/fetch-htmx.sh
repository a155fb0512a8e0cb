#!/bin/sh
# Puts htmx, the one script the pages use, in core/web/static/vendor/ for the app to serve.
#
#   deploy/fetch-htmx.sh            make install / run / test: warn and go on without it
#   deploy/fetch-htmx.sh --strict   the image build: fail unless htmx is in place
#
# The pinned version comes from the npm registry (`npm pack`, so npm's proxy and registry
# settings apply) and must match the checksum kept in the repository, htmx.sha256. A file that
# already matches is left alone, so nothing is fetched once htmx is there, whatever its
# timestamp and whether or not the registry can be reached. Pages work without htmx; they
# refresh instead of updating in place.
set -eu

VERSION=2.0.8
strict=0
[ "${1:-}" = "--strict" ] && strict=1

cd "$(dirname "$0")/../core/web/static/vendor"
expected=$(cut -d' ' -f1 htmx.sha256)

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1"; else shasum -a 256 "$1"; fi \
    | cut -d' ' -f1
}

give_up() {
  if [ "$strict" = 1 ]; then
    echo "fetch-htmx: $1" >&2
    exit 1
  fi
  echo "fetch-htmx: $1; pages work without htmx, they only refresh instead of updating" >&2
  exit 0
}

if [ -f htmx.min.js ] && [ "$(sha256 htmx.min.js)" = "$expected" ]; then
  exit 0
fi

command -v npm >/dev/null 2>&1 || give_up "npm not found, htmx.org@$VERSION not fetched"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent --fetch-retries=1 --fetch-timeout=30000 \
  "htmx.org@$VERSION" >/dev/null 2>&1) \
  || give_up "npm could not fetch htmx.org@$VERSION (is the registry reachable?)"
tar -xzf "$work/htmx.org-$VERSION.tgz" -C "$work" package/dist/htmx.min.js package/LICENSE \
  || give_up "the htmx.org@$VERSION package has no dist/htmx.min.js"

# A download that does not match is never served, --strict or not: it is not the file this
# version of Houqin was checked with.
actual=$(sha256 "$work/package/dist/htmx.min.js")
if [ "$actual" != "$expected" ]; then
  echo "fetch-htmx: htmx.org@$VERSION has checksum $actual, expected $expected; not installed" >&2
  exit 1
fi
mv "$work/package/dist/htmx.min.js" htmx.min.js
mv "$work/package/LICENSE" htmx.LICENSE
echo "fetch-htmx: htmx.org@$VERSION installed"
