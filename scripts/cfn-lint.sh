#!/usr/bin/env bash
# cfn-lint on every template the app synthesizes: the stacks in cdk.out, and any nested stack or
# stage (assembly-*/) template. Any error or warning fails, except the rules ignored below, each
# for the reason given (docs/deploy-permissions.md, "cfn-lint").
#
#   npm run lint:cfn                 synthesizes offline first (npm run synth), then lints
#   npm run lint:cfn -- --no-synth   lints the cdk.out a previous `npm run synth` left (CI does this)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "cfn-lint is not installed, so the synthesized templates cannot be linted." >&2
  echo "Install it (Python 3.9 or later) with: pip install 'cfn-lint>=1.51', then rerun: npm run lint:cfn" >&2
  exit 1
fi

if [ "${1:-}" != "--no-synth" ]; then
  npm run synth
fi

mapfile -t templates < <(find cdk.out -name '*.template.json' | sort)
if [ "${#templates[@]}" -eq 0 ]; then
  echo "No *.template.json under cdk.out: run 'npm run synth' first (or drop --no-synth)." >&2
  exit 1
fi

# The stack is environment-agnostic: lint against the regions it is most likely deployed in
# (WLL's eu, us and me regions sit next to these), so a resource or property missing in one fails here.
regions=(us-east-1 eu-west-1 eu-central-1 me-central-1)

# W3005 (DependsOn already enforced by a Ref or GetAtt): CDK itself adds DependsOn on the
# function's role and default policy next to the GetAtt of the role, so that the function is
# created only once its permissions exist. That DependsOn is CDK's, not ours, and harmless.
ignored=(W3005)

echo "cfn-lint $(cfn-lint --version | awk '{print $2}') on ${#templates[@]} template(s), regions ${regions[*]}, ignoring ${ignored[*]}"
cfn-lint --regions "${regions[@]}" --ignore-checks "${ignored[@]}" --non-zero-exit-code warning -- "${templates[@]}"
echo "cfn-lint: no errors or warnings in ${templates[*]}"
