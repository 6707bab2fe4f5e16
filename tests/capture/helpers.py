"""Helpers for the capture tests: play into the null sink, and compare what was recorded with what was played."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np


def play(path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(["paplay", "--device=vsink", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def read_wav(path: Path) -> np.ndarray:
    from minutes.audio import load

    return load(path)


def align(recorded: np.ndarray, played: np.ndarray) -> tuple[int, float]:
    """(lag, correlation): where `played` starts inside `recorded`, and the normalised correlation at that lag.

    The correlation is computed over the overlap only, so a recording that lost its tail still scores on what
    it kept.
    """
    n = len(recorded) + len(played)
    size = 1 << (n - 1).bit_length()
    xc = np.fft.irfft(np.fft.rfft(recorded, size) * np.conj(np.fft.rfft(played, size)), size)
    lags = np.concatenate([np.arange(0, len(recorded)), np.arange(-len(played) + 1, 0)])
    values = np.concatenate([xc[: len(recorded)], xc[size - len(played) + 1 :]])
    lag = int(lags[int(np.argmax(values))])
    a, b = _overlap(recorded, played, lag)
    corr = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))
    return lag, corr


def _overlap(recorded: np.ndarray, played: np.ndarray, lag: int) -> tuple[np.ndarray, np.ndarray]:
    if lag >= 0:
        a = recorded[lag:]
        b = played
    else:
        a = recorded
        b = played[-lag:]
    m = min(len(a), len(b))
    return a[:m].astype(np.float64), b[:m].astype(np.float64)


def speech_span(samples: np.ndarray, rate: int = 16000, threshold_db: float = -40.0) -> tuple[float, float]:
    """First and last 20 ms frame louder than `threshold_db` below the loudest frame, in seconds."""
    frame = rate // 50
    usable = len(samples) // frame * frame
    rms = np.sqrt(np.mean(samples[:usable].reshape(-1, frame).astype(np.float64) ** 2, axis=1)) + 1e-12
    db = 20 * np.log10(rms / rms.max())
    loud = np.flatnonzero(db > threshold_db)
    return float(loud[0] * frame / rate), float((loud[-1] + 1) * frame / rate)


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
