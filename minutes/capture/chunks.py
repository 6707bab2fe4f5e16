"""Live audio for other consumers (streaming ASR, level meters): chunks fanned out to bounded per-consumer queues.

A slow consumer must never slow the capture or the disk copy, so publishing never blocks: when a consumer's queue
is full its chunk is dropped and counted on its `Subscription`, and the other consumers are unaffected.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AudioChunk:
    start: float  # seconds from the recording's first sample, pauses excluded: the clock of recording.wav
    samples: np.ndarray  # float32 mono in [-1, 1], read-only (shared by every consumer)
    samplerate: int = 16000

    @property
    def end(self) -> float:
        return self.start + len(self.samples) / self.samplerate


class Subscription:
    """One consumer's view: iterate it, or `get()`; both end (None / StopIteration) when the recording stops."""

    def __init__(self, maxsize: int) -> None:
        self._queue: queue.Queue[AudioChunk] = queue.Queue(maxsize=max(1, maxsize))
        self._closed = threading.Event()
        self.dropped = 0  # chunks this consumer missed because it fell behind
        self.dropped_seconds = 0.0

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def get(self, timeout: float | None = None) -> AudioChunk | None:
        """The next chunk; None once the recording has ended and the queue is drained, or after `timeout` s."""
        waited = 0.0
        while True:
            try:
                return self._queue.get(timeout=0.1)
            except queue.Empty:
                # The end is a flag, not a queued sentinel, so it gets through even when the queue is full.
                if self._closed.is_set() and self._queue.empty():
                    return None
                waited += 0.1
                if timeout is not None and waited >= timeout:
                    return None

    def __iter__(self) -> Iterator[AudioChunk]:
        while (chunk := self.get()) is not None:
            yield chunk

    def offer(self, chunk: AudioChunk) -> None:
        if self._closed.is_set():
            return
        try:
            self._queue.put_nowait(chunk)
        except queue.Full:
            self.dropped += 1
            self.dropped_seconds += chunk.end - chunk.start

    def close(self) -> None:
        self._closed.set()


class FanOut:
    """The subscriber list; `publish` runs on the recorder's writer thread, the others on any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: list[Subscription] = []
        self._ended = False

    def subscribe(self, maxsize: int = 64) -> Subscription:
        sub = Subscription(maxsize)
        with self._lock:
            if self._ended:
                sub.close()
            else:
                self._subs.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        sub.close()
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)

    def publish(self, chunk: AudioChunk) -> None:
        chunk.samples.flags.writeable = False
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            sub.offer(chunk)

    def end(self) -> None:
        with self._lock:
            self._ended = True
            subs, self._subs = self._subs, []
        for sub in subs:
            sub.close()
