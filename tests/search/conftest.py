"""Fixtures for archive search: real transcripts built from ../shared/data, a model-free encoder, the real e5."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from minutes.model import Segment, Transcript

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


class ZeroEncoder:
    """No meaning at all: every vector is zero, so only the word side can find anything."""

    name = "zero"
    dim = 384

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.zeros((len(texts), self.dim), dtype=np.float32)

    def query(self, text: str) -> np.ndarray:
        return np.zeros(self.dim, dtype=np.float32)


@pytest.fixture
def zero_encoder() -> ZeroEncoder:
    return ZeroEncoder()


@pytest.fixture(scope="session")
def vivos() -> list[str]:
    """The 30 VIVOS reference sentences (Vietnamese, with diacritics), in order."""
    files = sorted((DATA / "ref").glob("vi_vivos_*.txt"))
    if len(files) < 30:
        pytest.skip(f"VIVOS references not found under {DATA / 'ref'}")
    return [f.read_text(encoding="utf-8").strip() for f in files[:30]]


def write_transcript(path: Path, sentences: list[str], speakers: Sequence[str], language: str = "vi") -> Path:
    """A minutes transcript JSON: one 4-second segment per sentence, speakers taking turns."""
    segments = [
        Segment(start=4.0 * i, end=4.0 * i + 3.5, text=s, speaker=speakers[i % len(speakers)])
        for i, s in enumerate(sentences)
    ]
    transcript = Transcript(language=language, duration=4.0 * len(sentences), segments=segments)
    path.write_text(transcript.to_json(), encoding="utf-8")
    return path


@pytest.fixture
def vivos_archive(tmp_path: Path, vivos: list[str]) -> Path:
    """Three Vietnamese meetings of ten VIVOS sentences each, as `minutes run` would leave them."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for n in range(3):
        write_transcript(folder / f"hop_{n}.transcript.json", vivos[10 * n : 10 * n + 10], ["Lan", "Minh"])
    return folder


@pytest.fixture(scope="session")
def e5_encoder():
    from minutes.draft.embed import cpu_supports_e5
    from minutes.errors import ModelError
    from minutes.search.encoder import E5Encoder

    ok, why = cpu_supports_e5()
    if not ok:
        pytest.skip(f"the e5 engine cannot run on this CPU: {why}")
    try:
        return E5Encoder()
    except ModelError as exc:
        pytest.skip(str(exc))
