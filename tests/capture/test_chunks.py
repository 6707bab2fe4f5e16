"""Fan-out to live consumers: a full queue drops (and counts) that consumer's chunks only, and the end gets through."""

from __future__ import annotations

import threading

import numpy as np

from minutes.capture.chunks import AudioChunk, FanOut


def chunk(i: int) -> AudioChunk:
    return AudioChunk(i * 0.1, np.full(1600, i, np.float32))


def test_a_slow_consumer_loses_its_own_chunks_only() -> None:
    fan = FanOut()
    slow, fast = fan.subscribe(maxsize=2), fan.subscribe(maxsize=100)

    for i in range(10):
        fan.publish(chunk(i))
    fan.end()

    assert [c.start for c in fast] == [i * 0.1 for i in range(10)]
    assert slow.dropped == 8
    assert abs(slow.dropped_seconds - 0.8) < 1e-9
    assert [c.start for c in slow] == [0.0, 0.1]  # the end arrives even though its queue was full


def test_chunks_are_read_only_and_timed() -> None:
    fan = FanOut()
    sub = fan.subscribe()
    fan.publish(chunk(3))
    got = sub.get(timeout=1)
    assert got is not None
    assert not got.samples.flags.writeable
    assert abs(got.end - 0.4) < 1e-9


def test_get_times_out_and_late_subscribers_end_at_once() -> None:
    fan = FanOut()
    sub = fan.subscribe()
    assert sub.get(timeout=0.2) is None
    assert not sub.closed
    fan.end()
    assert fan.subscribe().get() is None


def test_publish_never_blocks_on_a_consumer() -> None:
    fan = FanOut()
    fan.subscribe(maxsize=1)  # never read
    done = threading.Event()

    def publish() -> None:
        for i in range(1000):
            fan.publish(chunk(i))
        done.set()

    threading.Thread(target=publish, daemon=True).start()
    assert done.wait(5)
