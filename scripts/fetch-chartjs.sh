#!/usr/bin/env bash
# Fetches the pinned Chart.js from the npm registry into bot/static/vendor/ (committed; run again only
# to upgrade). No CDN at run time and no build step: the UMD bundle is one static file.
# Upgrade: change VERSION and INTEGRITY (`npm view chart.js@<v> dist.integrity`), run, check the dashboard.
set -euo pipefail
VERSION=4.5.1
INTEGRITY=sha512-GIjfiT9dbmHRiYi6Nl2yFCq7kkwdkp1W/lp2J99rX0yo9tgJGn3lKQATztIjb5tVtevcBtIdICNWqlq5+E8/Pw==
DEST="$(cd "$(dirname "$0")/.." && pwd)/bot/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "chart.js@$VERSION" >/dev/null
TARBALL="chart.js-$VERSION.tgz"
GOT="sha512-$(openssl dgst -sha512 -binary "$TARBALL" | base64 -w0)"
if [ "$GOT" != "$INTEGRITY" ]; then
  echo "chart.js $VERSION: integrity mismatch ($GOT)" >&2
  exit 1
fi
tar xzf "$TARBALL"
mkdir -p "$DEST"
cp package/dist/chart.umd.min.js "$DEST/chart.umd.min.js"
cp package/LICENSE.md "$DEST/chart.js.LICENSE.md"
echo "Chart.js $VERSION (MIT) → $DEST/chart.umd.min.js"
