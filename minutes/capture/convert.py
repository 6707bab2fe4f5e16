"""Device audio (any rate, one or two channels) to mono float32 at the recording's rate (16 kHz)."""

from __future__ import annotations

import av
import numpy as np


class Converter:
    """Device blocks (any rate, 1-2 channels) to mono float32 at the target rate, continuous across blocks."""

    def __init__(self, rate_in: int, rate_out: int) -> None:
        self.rate_in = rate_in
        # libswresample keeps filter state between blocks, so block edges leave no clicks; it is already a dependency.
        self._resampler = None if rate_in == rate_out else av.AudioResampler(format="flt", layout="mono", rate=rate_out)

    def __call__(self, block: np.ndarray) -> np.ndarray:
        mono = block.mean(axis=1, dtype=np.float32) if block.shape[1] > 1 else block[:, 0]
        if self._resampler is None:
            return np.ascontiguousarray(mono, dtype=np.float32)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(mono, dtype=np.float32)[None, :], "flt", "mono")
        frame.sample_rate = self.rate_in
        return _concat(self._resampler.resample(frame))

    def flush(self) -> np.ndarray:
        return np.zeros(0, np.float32) if self._resampler is None else _concat(self._resampler.resample(None))


def _concat(frames: list[av.AudioFrame]) -> np.ndarray:
    parts = [f.to_ndarray().reshape(-1) for f in frames if f.samples]
    return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)
