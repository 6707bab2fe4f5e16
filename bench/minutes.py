"""End-to-end benchmark of the main job (`minutes run`): a recording in, draft minutes (.docx) out.

    python bench/minutes.py [--minutes 30 | --sample] [--language en|vi] [--drafters llm,extractive,hybrid]
                            [--threads 2] [--json OUT]

The recording: English is built from the shared meeting clips (the 12 AMI chunks, the two-speaker pyannote
sample, JFK and the LibriVox sentences), Vietnamese from the VIVOS clips, 1 s apart, repeated until it lasts
`--minutes` (default 30), and written to a temporary WAV. `--sample` runs on the bundled samples/meeting.flac
instead (with samples/meeting.yaml) and also scores the drafts against the sample's script: how many of its two
decisions and two action items each drafter found, and how many items have an owner.

Each drafter runs the whole job in its own fresh interpreter (`minutes.job.run_minutes` with the models the CLI
loads: transcription, diarization, drafting, Word/markdown/JSON export; no saved transcript reused), so its wall
time is end to end and its peak RSS (ru_maxrss) its own. Model loading is included: it is part of what a
secretary waits for. Reported per drafter: wall time per stage (transcribe+diarize, draft, export), wall seconds
per audio minute, the projected time for a 30-minute meeting, the LLM's prompt and generation tokens/s (summed
over its calls), the items drafted, and any fallback (a drafter that failed and was replaced by the extractive
one says so).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import DATA, ROOT, SAMPLE_RATE, clip, clip_ids, emit, header, join, machine, peak_rss_mb, run_worker

DRAFTERS = ("llm", "extractive")
SAMPLE = ROOT / "samples" / "meeting.flac"
SAMPLE_META = ROOT / "samples" / "meeting.yaml"

# What scripts/make_sample.sh makes the sample's speakers say: each decision / action item as words that any
# faithful draft contains (any one of each group), and the action's owner as the speaker who took it on.
SAMPLE_DECISIONS = [("revised quote", "contractor"), ("next meeting", "fifteenth", "15")]
SAMPLE_ACTIONS = [("contractor", "quote"), ("book", "venue", "room")]


def english_meeting(minutes: float) -> np.ndarray:
    items = [clip(c, "en") for c in clip_ids("ami_pyannote_")]
    items += [clip("conv_pyannote_sample", "en"), clip("en_jfk", "en")]
    items += [clip(c, "en") for c in clip_ids("en_librivox_ss01_0")]
    return join("en", items, gap_seconds=1.0, min_seconds=minutes * 60).samples


def vietnamese_meeting(minutes: float) -> np.ndarray:
    items = [clip(c, "vi") for c in clip_ids("vi_vivos_")]
    return join("vi", items, gap_seconds=1.0, min_seconds=minutes * 60).samples


def write_wav(samples: np.ndarray, path: Path) -> None:
    import wave

    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.tobytes())


# -- worker: one whole job in this process ------------------------------------------------------------------------


class StageClock:
    """A hook that notes when each stage starts and sums up the LLM's completions."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.starts: dict[str, float] = {}
        self.calls: list[dict] = []
        self.warnings: list[str] = []

    def __call__(self, step: str, *_: object, **info: object) -> None:
        now = time.monotonic() - self.t0
        if step == "stage":
            self.starts.setdefault(str(info["name"]), now)
        elif step in ("diarize", "embeddings"):
            self.starts.setdefault("diarize", now)
        elif step == "warning":
            self.warnings.append(str(info.get("message", "")))
        elif step == "draft" and "prompt_tokens" in info:
            self.calls.append(dict(info))


def totals(calls: list[dict], tokens: str, rate: str) -> tuple[int, float]:
    """Tokens over all LLM calls, and the seconds they took (each call reports its count and rate)."""
    count = sum(int(c[tokens]) for c in calls)
    seconds = sum(int(c[tokens]) / float(c[rate]) for c in calls if float(c.get(rate) or 0) > 0)
    return count, seconds


def worker(drafter: str, recording: Path, language: str | None, threads: int, meta: Path | None) -> dict:
    from minutes.job import RunOptions, load_meta, run_minutes
    from minutes.model import MeetingInfo
    from minutes.pipeline import TranscriptPipeline
    from minutes.transcribe import TranscribeOptions

    clock = StageClock()
    meeting = load_meta(meta) if meta else MeetingInfo(title="Benchmark meeting")
    out = Path(tempfile.mkdtemp(prefix="bench-minutes-")) / "minutes.docx"

    def transcribe(path: Path, hook: object) -> object:  # as the CLI does: the models are let go before drafting
        pipeline = TranscriptPipeline.load(threads=threads, options=TranscribeOptions(language=language))
        return pipeline.run(path, hook=hook)  # type: ignore[arg-type]

    options = RunOptions(drafter=drafter, reuse_transcript=False)
    result = run_minutes(recording, out, meeting, options, transcribe, hook=clock)  # type: ignore[arg-type]
    wall = time.monotonic() - clock.t0
    starts = clock.starts
    minutes = result.minutes
    prompt, prompt_seconds = totals(clock.calls, "prompt_tokens", "prompt_tokens_per_second")
    generated, generation_seconds = totals(clock.calls, "generated_tokens", "tokens_per_second")
    topics = minutes.topics
    return {
        "drafter": drafter,
        "used": result.drafter,
        "wall": wall,
        "load": starts.get("transcribe", 0.0),
        "transcribe": starts.get("diarize", starts["draft"]) - starts.get("transcribe", 0.0),
        "diarize": starts["draft"] - starts.get("diarize", starts["draft"]),
        "draft": starts["export"] - starts["draft"],
        "export": wall - starts["export"],
        "calls": len(clock.calls),
        "prompt_tokens": prompt,
        "prompt_tps": prompt / prompt_seconds if prompt_seconds else None,
        "generated_tokens": generated,
        "generation_tps": generated / generation_seconds if generation_seconds else None,
        "topics": len(topics),
        "decisions": [d.text for t in topics for d in t.decisions] + [d.text for d in minutes.decisions],
        "actions": [(a.task, a.owner) for t in topics for a in t.action_items]
        + [(a.task, a.owner) for a in minutes.action_items],
        "speakers": len({s.speaker for s in result.transcript.segments if s.speaker}),
        "warnings": clock.warnings,
        "peak_rss_mb": peak_rss_mb(),
    }


# -- scoring against the sample's script --------------------------------------------------------------------------


def found(texts: list[str], groups: list[tuple[str, ...]]) -> int:
    lowered = [t.lower() for t in texts]
    return sum(any(word in text for text in lowered for word in group) for group in groups)


def sample_score(result: dict) -> str:
    decisions = found(result["decisions"], SAMPLE_DECISIONS)
    actions = found([task for task, _ in result["actions"]], SAMPLE_ACTIONS)
    owned = sum(1 for _, owner in result["actions"] if owner)
    return (
        f"{decisions}/{len(SAMPLE_DECISIONS)} decisions, {actions}/{len(SAMPLE_ACTIONS)} actions ({owned} with owner)"
    )


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="length of the built recording")
    parser.add_argument("--sample", action="store_true", help="run on samples/meeting.flac and score the drafts")
    parser.add_argument("--language", default="en", choices=["en", "vi"])
    parser.add_argument("--drafters", default=",".join(DRAFTERS), help="comma-separated, from llm, extractive, hybrid")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write all figures here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--recording", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))

    meta = SAMPLE_META if args.sample else None
    if args.worker:
        emit(worker(args.worker, args.recording, args.language, args.threads, meta))
        return

    info = machine(args.threads)
    drafters = [d.strip() for d in args.drafters.split(",") if d.strip()]
    with tempfile.TemporaryDirectory(prefix="bench-minutes-") as tmp:
        if args.sample:
            recording = SAMPLE
        else:
            if not DATA.is_dir():
                raise SystemExit(f"the shared data set is missing: {DATA}")
            build = english_meeting if args.language == "en" else vietnamese_meeting
            recording = Path(tmp) / f"meeting-{args.language}-{args.minutes:g}min.wav"
            write_wav(build(args.minutes), recording)
        from minutes import audio

        seconds = len(audio.load(recording)) / SAMPLE_RATE
        print(f"{recording.name}: {seconds / 60:.1f} min of {args.language} audio; drafters: {', '.join(drafters)}")
        results = []
        for drafter in drafters:
            extra = ["--recording", str(recording), "--language", args.language, "--threads", str(args.threads)]
            results.append(run_worker(Path(__file__), drafter, extra + (["--sample"] if args.sample else [])))
            print(f"  {drafter}: {results[-1]['wall']:.0f} s", file=sys.stderr)
    info["load_average_end"] = round(os.getloadavg()[0], 2)

    minutes = seconds / 60
    print(f"\n## Minutes job, {recording.name} ({minutes:.1f} min)\n")
    print(header(info) + "\n")
    print(
        "| drafter (used) | load s | transcribe s | diarize s | draft s | export s | total s | s per audio min "
        "| 30-min meeting | prompt tok/s | gen tok/s | tokens in/out | topics / decisions / actions | peak RSS MB |"
    )
    print("|---" * 14 + "|")
    for r in results:
        per_minute = r["wall"] / minutes
        print(
            f"| {r['drafter']} ({r['used']}) | {r['load']:.1f} | {r['transcribe']:.1f} | {r['diarize']:.1f} "
            f"| {r['draft']:.1f} | {r['export']:.1f} | {r['wall']:.1f} | {per_minute:.1f} "
            f"| {per_minute * 30 / 60:.1f} min | {fmt(r['prompt_tps'])} | {fmt(r['generation_tps'])} "
            f"| {r['prompt_tokens']} / {r['generated_tokens']} "
            f"| {r['topics']} / {len(r['decisions'])} / {len(r['actions'])} | {r['peak_rss_mb']:.0f} |"
        )
    for r in results:
        if r["warnings"]:
            print(f"\n{r['drafter']} warnings: " + "; ".join(r["warnings"]))
        if args.sample:
            print(f"\n{r['drafter']} against the sample's script: {sample_score(r)}")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "seconds": seconds, "results": results}, indent=2))


if __name__ == "__main__":
    main()
