"""ASR benchmark: our Transcriber against plain faster-whisper, on the real recordings in ../shared/data.

    python bench/asr.py [--systems ours,fw-default,fw-batched] [--threads 2] [--repeat 1] [--items a,b] [--json OUT]

All systems use the same CTranslate2 model directory, int8, `--threads` CPU threads, language forced.
- ours: minutes.transcribe.Transcriber with default options (batched, VAD, word timestamps, guards); its text is
  what the exporters show (segments flagged "hallucination" left out).
- fw-default: WhisperModel.transcribe with faster-whisper's own defaults (sequential, beam 5, no VAD, no words).
- fw-batched: BatchedInferencePipeline(model).transcribe(batch_size=8) (VAD chunks, beam 5, no words).
- ours-nowords (diagnostic, not run by default): ours without word timestamps.
WER/CER: jiwer on guards.normalize()d text. Speed = audio seconds / wall seconds of transcription of audio already
decoded in memory (the fastest of --repeat runs), after one untimed warm-up call; model load is timed separately.
Each system runs in its own subprocess, whose peak RSS (ru_maxrss) is reported; "RSS before model" is the peak
after decoding the data set.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import jiwer
from common import Item, clip, clip_ids, emit, header, join, machine, peak_rss_mb, run_worker, stm_clip

from minutes.transcribe.guards import normalize

SYSTEMS = ("ours", "fw-default", "fw-batched")
EXTRA_SYSTEMS = ("ours-nowords",)
EN_CLIPS = ["en_jfk", *clip_ids("en_librivox_ss01_")]  # pooled into one corpus-level English figure


def dataset() -> list[Item]:
    english = [clip(c, "en") for c in EN_CLIPS]
    vivos = [clip(c, "vi") for c in clip_ids("vi_vivos_VIVOSSPK01_R0")]
    # en_long: every English clip, then again in another order (never the same clip twice in a row), to pass 1 min
    en_long = join("en_long", english + english[-2::-1] + english[-1:])
    # en_mixed: one speaker's reading, then a two-speaker phone call (STM reference) that starts after 6 s of
    # silence: batched Whisper dropped the start of the call here until dropped speech was decoded again
    en_mixed = join("en_mixed", [*english, stm_clip("conv_pyannote_sample", "en")], gap_seconds=1.0)
    return [
        *english,
        en_long,
        en_mixed,
        join("vi_joined", vivos),
        join("vi_long", vivos, min_seconds=240.0),
    ]


def load_system(system: str, model_path: str, threads: int) -> Callable[[Item], str]:
    if system.startswith("ours"):
        from minutes.export.common import visible_segments
        from minutes.transcribe import Transcriber

        ours = Transcriber(model_path, compute_type="int8", threads=threads)
        words = system != "ours-nowords"

        def run_ours(item: Item) -> str:
            transcript = ours.transcribe(item.samples, language=item.language, word_timestamps=words)
            return " ".join(s.text for s in visible_segments(transcript))

        return run_ours

    from faster_whisper import BatchedInferencePipeline, WhisperModel

    model = WhisperModel(model_path, device="cpu", compute_type="int8", cpu_threads=threads)
    batched = BatchedInferencePipeline(model)
    if system not in ("fw-default", "fw-batched"):
        raise SystemExit(f"unknown system {system!r}: choose from {', '.join(SYSTEMS + EXTRA_SYSTEMS)}")

    def run_fw(item: Item) -> str:
        if system == "fw-default":
            segments, _ = model.transcribe(item.samples, language=item.language)
        else:
            segments, _ = batched.transcribe(item.samples, language=item.language, batch_size=8)
        return " ".join(s.text.strip() for s in segments)  # consumes the generator: decoding happens here

    return run_fw


def worker(system: str, model: str, threads: int, repeat: int, only: list[str]) -> dict:
    from minutes.transcribe import resolve_model

    items = [item for item in dataset() if not only or item.name in only]
    rss_data = peak_rss_mb()
    model_path, _ = resolve_model(model)
    start = time.perf_counter()
    transcribe = load_system(system, model_path, threads)
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    transcribe(items[0])
    warmup_s = time.perf_counter() - start
    results = {}
    for item in items:
        timings = []
        for _ in range(repeat):  # keep the fastest run: the least disturbed by other load on the machine
            wall, cpu = time.perf_counter(), time.process_time()
            hypothesis = transcribe(item)
            timings.append((time.perf_counter() - wall, time.process_time() - cpu))
        wall, cpu = min(timings)
        results[item.name] = {
            "language": item.language,
            "seconds": round(item.seconds, 3),
            "wall_s": round(wall, 3),
            "cpu_s": round(cpu, 3),
            "reference": item.reference,
            "hypothesis": hypothesis,
        }
    return {
        "system": system,
        "model": model_path,
        "load_s": round(load_s, 3),
        "warmup_s": round(warmup_s, 3),
        "rss_data_mb": round(rss_data, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "items": results,
    }


def score(items: dict[str, dict], names: list[str]) -> dict[str, float]:
    """Corpus-level WER/CER (jiwer over the lists) and speed over the named items."""
    refs = [normalize(items[n]["reference"]) for n in names]
    hyps = [normalize(items[n]["hypothesis"]) for n in names]
    return {
        "wer": jiwer.wer(refs, hyps),
        "cer": jiwer.cer(refs, hyps),
        "speed": sum(items[n]["seconds"] for n in names) / sum(items[n]["wall_s"] for n in names),
    }


def report(info: dict[str, object], runs: dict[str, dict]) -> dict:
    first = next(iter(runs.values()))["items"]
    rows = {name: [name] for name in first}
    if all(n in first for n in EN_CLIPS):
        rows[f"English clips pooled ({len(EN_CLIPS)})"] = EN_CLIPS
    rows["all items"] = list(first)
    for run in runs.values():
        run["scores"] = {label: score(run["items"], names) for label, names in rows.items()}

    def seconds(names: list[str]) -> float:
        return sum(first[n]["seconds"] for n in names)

    print(f"## ASR benchmark\n\n{header(info)}\n")
    systems = list(runs)
    for metric, title, fmt in (
        ("wer", "WER %", lambda v: f"{100 * v:.1f}"),
        ("cer", "CER %", lambda v: f"{100 * v:.1f}"),
        ("speed", "speed, × real time (audio s / wall s)", lambda v: f"{v:.1f}"),
    ):
        print(f"### {title}\n\n| item | audio s | {' | '.join(systems)} |\n|---|---:|{'---:|' * len(systems)}")
        for label, names in rows.items():
            if metric != "speed" and label == "all items":
                continue  # English and Vietnamese WER do not pool meaningfully
            cells = " | ".join(fmt(runs[s]["scores"][label][metric]) for s in systems)
            print(f"| {label} | {seconds(names):.1f} | {cells} |")
        print()
    print("### resources\n")
    print("| system | model load s | warm-up s (1st item) | peak RSS MB | RSS before model MB | CPU s / wall s |")
    print("|---|---:|---:|---:|---:|---:|")
    for s, run in runs.items():
        cpu = sum(i["cpu_s"] for i in run["items"].values()) / sum(i["wall_s"] for i in run["items"].values())
        print(f"| {s} | {run['load_s']:.2f} | {run['warmup_s']:.2f} | {run['peak_rss_mb']:.0f} ", end="")
        print(f"| {run['rss_data_mb']:.0f} | {cpu:.2f} |")
    return {"machine": info, "systems": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=f"comma-separated, from {SYSTEMS + EXTRA_SYSTEMS}")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", default="base", help="catalog id or CTranslate2 model directory")
    parser.add_argument("--repeat", type=int, default=1, help="time each item this many times, keep the fastest")
    parser.add_argument("--items", default="", help="comma-separated item names to run (default: all)")
    parser.add_argument("--json", type=Path, help="write all figures and transcripts here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    only = [s.strip() for s in args.items.split(",") if s.strip()]
    if args.worker:
        emit(worker(args.worker, args.model, args.threads, args.repeat, only))
        return
    info = machine(args.threads)
    runs = {}
    for system in [s.strip() for s in args.systems.split(",") if s.strip()]:
        if system not in SYSTEMS + EXTRA_SYSTEMS:
            parser.error(f"unknown system {system!r}")
        options = ["--threads", str(args.threads), "--model", args.model, "--repeat", str(args.repeat)]
        options += ["--items", args.items] if args.items else []
        runs[system] = run_worker(Path(__file__), system, options)
    info["load_average_end"] = round(os.getloadavg()[0], 2)
    result = report(info, runs)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
