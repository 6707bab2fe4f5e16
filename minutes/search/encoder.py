"""Dense vectors for search: multilingual-e5-small (the model the extractive drafter already uses for topics).

e5 was trained with asymmetric prefixes: "query: " for what is searched for, "passage: " for what is searched in;
the drafter only needs symmetric similarity (all "query: "), so we reach the engine's `passage` call ourselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from minutes.draft.embed import E5_DIM, E5Embedder, load_embedder


class Encoder(Protocol):
    name: str
    dim: int

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, L2-normalised; a zero row for an empty text."""
        ...

    def query(self, text: str) -> np.ndarray:
        """(dim,) float32, L2-normalised."""
        ...


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return (matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32)


class E5Encoder:
    name = "multilingual-e5-small-q4"
    dim = E5_DIM

    def __init__(self, batch_size: int = 64) -> None:
        embedder, _ = load_embedder("e5")  # raises ModelError with what to install when e5 cannot load
        assert isinstance(embedder, E5Embedder)
        self._embedder = embedder
        self.batch_size = batch_size

    def _run(self, texts: list[str], passage: bool) -> np.ndarray:
        model = self._embedder._model  # the engine handle; its lock keeps one call at a time
        with self._embedder._lock:
            vectors = model.passage(texts) if passage else model.query(texts)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            keep = [i for i, t in enumerate(batch) if t.strip()]
            if keep:
                out[[start + i for i in keep]] = self._run([batch[i] for i in keep], passage=True)
        return _normalise(out)

    def query(self, text: str) -> np.ndarray:
        return _normalise(self._run([text], passage=False))[0]
