"""Shared fixtures: the real recordings in ../shared/data and the real default model.

Locally a missing model or data set skips the tests that need it, with the command to fix it; in CI (CI=true)
it fails them, so a broken install step can never pass as a green run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"

# `minutes run` adds each meeting to the search index: tests (and the CLIs they start) use a throwaway one, never
# the user's archive
os.environ.setdefault("MINUTES_INDEX", str(Path(tempfile.mkdtemp(prefix="minutes-test-index-")) / "search.sqlite"))


def missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must provide it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def data() -> Path:
    if not (DATA / "audio").is_dir():
        missing(f"shared data set not found at {DATA}")
    return DATA


def soffice_pdf(source: Path, out: Path) -> Path:
    """`source` converted to PDF by LibreOffice, as a secretary's office suite would open it; a private profile
    keeps it clear of a running LibreOffice or another test."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        missing("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    profile = out / "lo-profile"
    command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf"]
    done = subprocess.run(
        [*command, "--outdir", str(out), str(source)], capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr
    return out / f"{source.stem}.pdf"


def read_ref(data: Path, item: str) -> str:
    return (data / "ref" / f"{item}.txt").read_text(encoding="utf-8").strip()


def join_clips(data: Path, items: list[str], gap_seconds: float = 0.5) -> tuple[np.ndarray, str]:
    """Clips joined into one recording with short pauses, and their joined reference text."""
    from minutes.audio import SAMPLE_RATE, load

    gap = np.zeros(int(gap_seconds * SAMPLE_RATE), dtype=np.float32)
    samples = np.concatenate([part for item in items for part in (load(data / "audio" / f"{item}.wav"), gap)])
    return samples, " ".join(read_ref(data, item) for item in items)


@pytest.fixture(scope="session")
def base_model_dir() -> Path:
    from minutes.catalog import ModelManager
    from minutes.errors import ModelNotInstalled

    try:
        return ModelManager().path("base")
    except ModelNotInstalled:
        missing("the default model is not installed: run `minutes models install` (scripts/setup.sh does)")
        raise


@pytest.fixture(scope="session")
def transcriber(base_model_dir: Path):
    from minutes.transcribe import Transcriber

    return Transcriber(str(base_model_dir), threads=2)


@pytest.fixture(scope="session")
def diarizer():
    from minutes.catalog import ModelManager
    from minutes.diarize import Diarizer
    from minutes.errors import ModelNotInstalled

    try:
        ModelManager().path("segmentation-3.0")
        ModelManager().path("campplus")
    except ModelNotInstalled:
        missing("the diarization models are not installed: run `minutes models install` (scripts/setup.sh does)")
    return Diarizer(threads=2)


def read_rttm(path: Path):
    """A pyannote Annotation from an RTTM file."""
    from pyannote.core import Annotation, Segment

    annotation = Annotation()
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if fields and fields[0] == "SPEAKER":
            start, duration = float(fields[3]), float(fields[4])
            annotation[Segment(start, start + duration)] = fields[7]
    return annotation


def annotation_of(turns) -> object:
    from pyannote.core import Annotation, Segment

    annotation = Annotation()
    for turn in turns:
        annotation[Segment(turn.start, turn.end)] = turn.speaker
    return annotation
