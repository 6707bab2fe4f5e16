"""Live transcription benchmark: StreamingTranscriber fed a long recording in simulated real time.

    python bench/streaming.py [--quick | --minutes 30] [--clock wall|cpu] [--language en|vi] [--threads 2]
                              [--model base] [--beam N] [--min-chunk S] [--set NAME=VALUE] [--max-lag 10]
                              [--no-batch] [--json OUT]

The recording is built from the shared clips with human references (English: en_jfk, the librivox sentences and
the two-speaker conv_pyannote_sample, whose first 6.7 s are silence; Vietnamese: VIVOS), 1 s apart, repeated until
it lasts `--minutes` (default 30; `--quick`: 3).

Timing is computation-aware: audio time advances with wall time, as from a microphone. Each round inserts all the
audio that has "arrived" since the previous one and calls `process()`; when decoding ran long, the next round gets
more audio. The worker's skip-ahead rule of `minutes.live.LiveSession` applies (more than `--max-lag` seconds
behind: jump to the newest audio), so the figures are those of the live view. On a machine shared with other work
the wall clock measures the sharing; `--clock cpu` advances audio time with this process's CPU time instead (see
`Clock`), an estimate of a laptop whose cores are ours.

`--set encoder_padding_seconds=30` gives faster-whisper's full 30 s encoder window, the baseline of the fitted one;
`--set pause_context_seconds=0` cuts the buffer after the last committed word at every pause (no context carried
across pauses, the behaviour before 2026-12-01); `--set pause_beam_size=0` waits at a pause for two decodes of the
silence to agree on the unconfirmed words instead of reading them once at beam 5 (the behaviour until the afternoon
of 2026-12-01); `--set end_silence_seconds=0` notices a pause only once a whole new chunk is silent, one decode
later (the behaviour until the night of 2026-12-01).

Reported:
- this machine's pace: the wall time of one decode of the recording's first 10 s at beam 3, measured before
  streaming; latency is ~2.5 decode times, so compare latencies of different days or machines through it;
- latency: for each committed word, the time of its commit minus the time its end was spoken (median, p90, max);
- WER (jiwer on guards.normalize()d text) of the committed words and of the batch Transcriber on the same audio;
- CPU: process CPU time / wall time during streaming, as a share of the usable cores (the rest is headroom);
- RSS: resident memory sampled every few seconds (wall clock) while streaming, to show it stays flat (peak per
  minute, start and end, and the slope of a straight-line fit after the first minute).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import threading
import time
from pathlib import Path

import jiwer
import numpy as np
from common import SAMPLE_RATE, Item, clip, clip_ids, header, join, machine, stm_clip

from minutes.live import MAX_LAG_SECONDS, RESUME_SECONDS
from minutes.transcribe import Transcriber
from minutes.transcribe.guards import normalize
from minutes.transcribe.streaming import StreamingOptions, StreamingTranscriber, text_of

_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20 if hasattr(os, "sysconf") else 4096 / 2**20


def rss_mb() -> float:
    """Current resident set size (Linux /proc; elsewhere the peak so far)."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * _PAGE_MB
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class RssSampler(threading.Thread):
    def __init__(self, every: float) -> None:
        super().__init__(daemon=True, name="rss-sampler")
        self.every = every
        self.samples: list[tuple[float, float]] = []  # (seconds since start, MB)
        self._halt = threading.Event()
        self._t0 = time.monotonic()

    def run(self) -> None:
        while True:
            self.samples.append((time.monotonic() - self._t0, rss_mb()))
            if self._halt.wait(self.every):
                self.samples.append((time.monotonic() - self._t0, rss_mb()))
                return

    def stop(self) -> None:
        self._halt.set()
        self.join()


def recording(language: str, minutes: float) -> Item:
    if language == "vi":
        items = [clip(c, "vi") for c in clip_ids("vi_vivos_VIVOSSPK01_R0")]
    else:
        items = [clip("en_jfk", "en"), *(clip(c, "en") for c in clip_ids("en_librivox_ss01_"))]
        items.append(stm_clip("conv_pyannote_sample", "en"))
    return join(f"{language}_{minutes:g}min", items, gap_seconds=1.0, min_seconds=minutes * 60)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


class Clock:
    """Where the speaker is. `wall`: wall time since the start, as from a microphone. `cpu`: this process's CPU
    time divided by `threads`, plus the time spent waiting for audio: what a machine with `threads` cores free
    for us would see, on a benchmark machine shared with other work (an estimate: it assumes both threads busy
    during each decode, so it is slightly optimistic, and counts spin-waits, which is pessimistic)."""

    def __init__(self, kind: str, threads: int) -> None:
        self.kind = kind
        self.threads = threads
        self._t0 = time.monotonic()
        self._c0 = cpu_seconds()
        self._waited = 0.0

    def now(self) -> float:
        if self.kind == "wall":
            return time.monotonic() - self._t0
        return (cpu_seconds() - self._c0) / self.threads + self._waited

    def wait_until(self, t: float) -> None:
        if self.kind == "wall":
            time.sleep(max(0.0, t - self.now()))
        else:
            self._waited += max(0.0, t - self.now())


def stream(transcriber: Transcriber, item: Item, args: argparse.Namespace) -> dict:
    """Feed `item` in simulated real time; return committed words, latencies, CPU and RSS figures."""
    overrides = {"beam_size": args.beam} if args.beam else {}
    overrides |= {"min_chunk_seconds": args.min_chunk} if args.min_chunk else {}
    for setting in args.set:  # --set NAME=VALUE: any StreamingOptions field, for experiments
        name, _, value = setting.partition("=")
        overrides[name] = type(getattr(StreamingOptions(), name))(value)
    streaming = StreamingTranscriber(transcriber, language=item.language, **overrides)
    min_chunk = streaming.options.min_chunk_seconds
    total = len(item.samples)
    words, latencies = [], []
    timeline: list[tuple[str, float, float]] = []  # (word, end, latency) for the JSON
    sampler = RssSampler(every=2.0 if args.quick else 5.0)
    cpu0, t0 = os.times(), time.monotonic()
    clock = Clock(args.clock, args.threads)
    sampler.start()
    fed = 0  # samples inserted (or skipped) so far
    next_report = 60.0
    while fed < total:
        arrived = min(total, int(clock.now() * SAMPLE_RATE))
        if arrived - fed < min_chunk * SAMPLE_RATE and arrived < total:
            clock.wait_until((fed + min_chunk * SAMPLE_RATE) / SAMPLE_RATE)  # ahead of the speaker
            continue
        if (arrived - fed) / SAMPLE_RATE > args.max_lag:  # LiveSession's rule: jump to the newest audio
            resume = max(fed, arrived - int(RESUME_SECONDS * SAMPLE_RATE))
            streaming.skip_to(resume / SAMPLE_RATE)
            fed = resume
        streaming.insert(item.samples[fed:arrived], start=fed / SAMPLE_RATE)
        fed = arrived
        update = streaming.process()
        done = clock.now()
        words += update.committed
        latencies += [done - w.end for w in update.committed]
        timeline += [(w.text, w.end, round(done - w.end, 2)) for w in update.committed]
        if done >= next_report:
            print(f"  {done / 60:5.1f} min: {len(words)} words, RSS {rss_mb():.0f} MB", flush=True)
            next_report += 60.0
    final = streaming.finish()
    done = clock.now()
    words += final
    latencies += [done - w.end for w in final]
    cpu1 = os.times()
    sampler.stop()
    wall = time.monotonic() - t0
    cores = machine(args.threads)["cores"]
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    return {
        "text": text_of(words),
        "words": len(words),
        "latency": latencies,
        "timeline": timeline,
        "wall": wall,
        "cpu_seconds": cpu,
        "cpu_share": cpu / wall / cores,  # type: ignore[operator]
        "decodes": streaming.decodes,
        "gaps": streaming.gaps,
        "rss": sampler.samples,
    }


def reference_decode(transcriber: Transcriber, item: Item) -> float:
    """Wall seconds of one live-view decode of the recording's first 10 s at beam 3 (median of 3, after a warm-up):
    the yardstick for comparing latency across machines and days, since latency is ~2.5 decode times. The same
    2-core VM gave figures 1.5x apart on different days (batch speed as well)."""
    from minutes.transcribe.window import WindowDecoder

    decoder = WindowDecoder(transcriber.whisper, beam_size=3)
    samples = item.samples[: 10 * SAMPLE_RATE]
    decoder.decode(samples, language=item.language)
    times = []
    for _ in range(3):
        t = time.monotonic()
        decoder.decode(samples, language=item.language)
        times.append(time.monotonic() - t)
    return statistics.median(times)


def rss_summary(samples: list[tuple[float, float]]) -> dict:
    """Peak RSS per minute (flat = no leak; the first minutes include the allocators warming up), and the trend."""
    mb = [m for _, m in samples]
    per_minute: dict[int, float] = {}
    for t, m in samples:
        per_minute[int(t // 60)] = max(m, per_minute.get(int(t // 60), 0.0))
    after = [(t, m) for t, m in samples if t >= 60.0] or samples
    slope = float(np.polyfit([t for t, _ in after], [m for _, m in after], 1)[0]) * 600 if len(after) >= 3 else 0.0
    return {
        "start": mb[0],
        "end": mb[-1],
        "peak": max(mb),
        "peak_per_minute": [round(per_minute[k]) for k in sorted(per_minute)],
        "slope_mb_per_10min": slope,
        "n": len(mb),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="length of the looped recording")
    parser.add_argument("--quick", action="store_true", help="a 3-minute run")
    parser.add_argument("--language", default="en", choices=["en", "vi"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", default="base", help="catalog id or CTranslate2 model directory")
    parser.add_argument("--clock", default="wall", choices=["wall", "cpu"], help="what drives audio time (see Clock)")
    parser.add_argument(
        "--min-chunk", type=float, default=0.0, help="StreamingTranscriber min_chunk_seconds (0: its default)"
    )
    parser.add_argument("--beam", type=int, default=0, help="StreamingTranscriber beam_size (0: its default)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a StreamingOptions field")
    parser.add_argument("--max-lag", type=float, default=MAX_LAG_SECONDS, help="skip ahead when this far behind (s)")
    parser.add_argument("--no-batch", action="store_true", help="skip the batch transcription (no batch WER)")
    parser.add_argument("--json", type=Path, help="write all figures and both transcripts here")
    args = parser.parse_args()
    minutes = 3.0 if args.quick else args.minutes

    info = machine(args.threads)
    item = recording(args.language, minutes)
    t = time.monotonic()
    transcriber = Transcriber(args.model, compute_type="int8", threads=args.threads)
    load_seconds = time.monotonic() - t
    rss_loaded = rss_mb()
    pace = reference_decode(transcriber, item)
    print(f"streaming {item.seconds / 60:.1f} min of {args.language} audio in simulated real time...", flush=True)
    live = stream(transcriber, item, args)

    reference = normalize(item.reference)
    live_wer = jiwer.wer(reference, normalize(live["text"]))
    batch_text, batch_wer, batch_seconds = "", float("nan"), float("nan")
    if not args.no_batch:
        print("batch transcription of the same audio...", flush=True)
        t = time.monotonic()
        batch_text = transcriber.transcribe(item.samples, language=item.language).text
        batch_seconds = time.monotonic() - t
        batch_wer = jiwer.wer(reference, normalize(batch_text))
    info["load_average_end"] = round(os.getloadavg()[0], 2)

    lat = live["latency"]
    rss = rss_summary(live["rss"])
    skipped = sum(b - a for a, b in live["gaps"])
    print()
    print(f"## Streaming: {item.name} ({item.seconds / 60:.1f} min, model {args.model}, int8, {args.clock} clock)")
    print(header(info))
    print(f"- model load {load_seconds:.1f} s; RSS after load {rss_loaded:.0f} MB")
    print(
        f"- this machine's pace: one decode of the recording's first 10 s at beam 3 takes {pace:.2f} s wall "
        "(median of 3; latency scales with it)"
    )
    print(
        f"- latency (word end spoken -> committed), {len(lat)} words: median {statistics.median(lat):.2f} s, "
        f"p90 {percentile(lat, 90):.2f} s, max {max(lat):.2f} s"
    )
    print(
        f"- WER: streaming {live_wer:.3f} vs batch {batch_wer:.3f} (batch took {batch_seconds:.0f} s, "
        f"{item.seconds / batch_seconds:.1f}x real time); "
        f"{live['decodes']} decodes; skipped {skipped:.0f} s in {len(live['gaps'])} gap(s)"
    )
    print(
        f"- CPU: {live['cpu_seconds']:.0f} s over {live['wall']:.0f} s wall = {100 * live['cpu_share']:.0f}% of "
        f"{info['cores']} cores (headroom {100 * (1 - live['cpu_share']):.0f}%); "
        f"{live['cpu_seconds'] / max(1, live['decodes']):.2f} CPU s per decode"
    )
    print(
        f"- RSS while streaming ({rss['n']} samples): start {rss['start']:.0f} MB, end {rss['end']:.0f} MB, "
        f"peak {rss['peak']:.0f} MB, trend after the first minute {rss['slope_mb_per_10min']:+.1f} MB / 10 min"
    )
    print(f"- peak RSS per minute (MB): {', '.join(str(m) for m in rss['peak_per_minute'])}")
    if args.json:
        result = {
            "machine": info,
            "item": item.name,
            "seconds": item.seconds,
            "latency": {"median": statistics.median(lat), "p90": percentile(lat, 90), "all": lat},
            "wer": {"streaming": live_wer, "batch": batch_wer},
            "reference_decode_seconds": pace,
            "cpu_share": live["cpu_share"],
            "rss": {**rss, "samples": live["rss"]},
            "gaps": live["gaps"],
            "words": live["timeline"],
            "streaming_text": live["text"],
            "batch_text": batch_text,
        }
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
