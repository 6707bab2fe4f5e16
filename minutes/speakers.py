"""Voice profiles: enrolled speakers' embeddings, stored locally, used to put real names on diarized speakers.

A profile is a CAM++ embedding averaged over the person's speech, kept as JSON in the user's data folder
(`MINUTES_SPEAKERS_DIR` overrides). Matching is one-to-one (Hungarian assignment on cosine similarity) so two
diarized speakers never get the same name; a speaker below the similarity threshold stays SPEAKER_n.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from platformdirs import user_data_dir

from minutes.errors import MinutesError, UsageError
from minutes.model import nfc

MATCH_THRESHOLD = 0.5  # cosine similarity; same-speaker CAM++ pairs score well above, different ones below


@dataclass
class VoiceProfile:
    name: str
    embedding: list[float]
    seconds: float  # speech used to build it
    sources: list[str]
    created: str


def profiles_dir() -> Path:
    env = os.environ.get("MINUTES_SPEAKERS_DIR")
    return Path(env).expanduser() if env else Path(user_data_dir("minutes", appauthor=False)) / "speakers"


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower() or "speaker"


class ProfileStore:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or profiles_dir()

    def list(self) -> list[VoiceProfile]:
        if not self.directory.is_dir():
            return []
        profiles = []
        for path in sorted(self.directory.glob("*.json")):
            try:
                profiles.append(VoiceProfile(**json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, TypeError):
                continue  # a damaged profile must not stop a recording from being named
        return profiles

    def get(self, name: str) -> VoiceProfile | None:
        return next((p for p in self.list() if p.name == nfc(name)), None)

    def save(self, profile: VoiceProfile) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        existing = self._find_path(profile.name)
        path = existing or self._unique_path(profile.name)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(profile), ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
        return path

    def remove(self, name: str) -> None:
        path = self._find_path(name)
        if path is None:
            known = ", ".join(p.name for p in self.list()) or "none enrolled"
            raise UsageError(f"no voice profile named {name!r} (known: {known})")
        path.unlink()

    def _find_path(self, name: str) -> Path | None:
        if not self.directory.is_dir():
            return None
        for path in self.directory.glob("*.json"):
            try:
                if json.loads(path.read_text(encoding="utf-8")).get("name") == nfc(name):
                    return path
            except (OSError, ValueError):
                continue
        return None

    def _unique_path(self, name: str) -> Path:
        base = _slug(name)
        path, n = self.directory / f"{base}.json", 2
        while path.exists():
            path, n = self.directory / f"{base}-{n}.json", n + 1
        return path


def build_profile(name: str, embeddings: list[np.ndarray], seconds: float, sources: list[str]) -> VoiceProfile:
    if not embeddings or seconds <= 0:
        raise MinutesError(f"no speech found for {name}: enroll from a recording of them speaking (10 s or more)")
    mean = np.mean([e / np.linalg.norm(e) for e in embeddings], axis=0)
    return VoiceProfile(
        name=nfc(name.strip()),
        embedding=[round(float(x), 6) for x in mean / np.linalg.norm(mean)],
        seconds=round(seconds, 1),
        sources=sources,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def match_profiles(
    centroids: dict[str, list[float]], profiles: list[VoiceProfile], threshold: float = MATCH_THRESHOLD
) -> dict[str, str]:
    """Diarized speaker label -> enrolled name, one-to-one, only above `threshold`."""
    if not centroids or not profiles:
        return {}
    from scipy.optimize import linear_sum_assignment

    labels = list(centroids)
    a = np.array([centroids[label] for label in labels], dtype=np.float64)
    b = np.array([p.embedding for p in profiles], dtype=np.float64)
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    similarity = a @ b.T
    rows, cols = linear_sum_assignment(similarity, maximize=True)
    return {labels[r]: profiles[c].name for r, c in zip(rows, cols, strict=True) if similarity[r, c] >= threshold}
