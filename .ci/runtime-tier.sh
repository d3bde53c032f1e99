#!/usr/bin/env bash
# The runtime-faithful test tier on a clean machine: installs the system packages the
# toolchain build needs (cmake, make, g++, python3, xz; Java 17 for DynamoDB Local),
# then runs `npm run test:runtime`, which installs Node.js 24 and the AWS Lambda
# Runtime Interface Client into test/runtime/toolchain/node_modules (its native addon
# built from source, about a minute the first time) and runs the tier.
# Expects the project's dependencies installed (`npm ci`), as .ci/run does first.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

# command -> Debian package
declare -A PACKAGES=([cmake]=cmake [make]=make [g++]=g++ [python3]=python3 [xz]=xz-utils [java]=openjdk-17-jre-headless)
missing=()
for tool in "${!PACKAGES[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${PACKAGES[$tool]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "runtime tier: installing ${missing[*]}"
  $SUDO apt-get update -y
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

export CDK_DISABLE_CLI_TELEMETRY=true
npm run test:runtime
