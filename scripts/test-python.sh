#!/usr/bin/env bash
# npm run test:python: the Python client (clients/python) as a user gets it, installed from this
# checkout into a fresh virtual environment, type checked (mypy --strict, which also proves the
# installed package's py.typed), and tested against `npm start` (its tests start it, with credential
# sets). Offline: boto3, pytest and mypy come from the machine's Python (Debian: python3-boto3,
# python3-pytest, python3-mypy, python3-venv), and the package builds with the machine's setuptools.
# Arguments go to pytest (for example -k refused, -x).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's own Python sees Debian's packages; a python3 earlier on PATH (pyenv, a venv) may not.
PYTHON="${PYTHON:-/usr/bin/python3}"
if [ ! -x "$PYTHON" ]; then
  echo "test:python: no Python at $PYTHON: install it (Debian/Ubuntu: sudo apt-get install -y python3), or set PYTHON to a Python 3.9+ interpreter." >&2
  exit 1
fi
missing=()
for module in boto3 pytest mypy venv ensurepip setuptools; do
  "$PYTHON" -c "import $module" >/dev/null 2>&1 || missing+=("$module")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test:python: $PYTHON lacks ${missing[*]}. Debian/Ubuntu: sudo apt-get install -y python3-boto3 python3-pytest python3-mypy python3-venv python3-setuptools;" >&2
  echo "elsewhere: PYTHON=<a venv's python> npm run test:python, after <that venv's pip> install boto3 pytest mypy setuptools." >&2
  exit 1
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"$PYTHON" -m venv --system-site-packages "$scratch/venv"
venv_python="$scratch/venv/bin/python"
# As `pip install ./clients/python` does, but offline (no index, the machine's setuptools to build), and
# from a copy of what git holds, so no build output lands in the checkout or leaks into the package.
mkdir "$scratch/package"
cp -R clients/python/pyproject.toml clients/python/README.md clients/python/src "$scratch/package/"
"$venv_python" -m pip install --quiet --disable-pip-version-check --no-index --no-build-isolation "$scratch/package"
cd clients/python
"$venv_python" -m mypy src
# The tests against the installed package: its types are seen only through py.typed.
"$venv_python" -m mypy tests
# No AWS configuration of this machine reaches the tests; they say what they use.
AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
  "$venv_python" -m pytest -p no:cacheprovider "$@"
