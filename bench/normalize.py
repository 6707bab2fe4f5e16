"""Does written-minutes normalisation make the ASR's words worse? WER of the 30-clip VIVOS recording before and after.

    python bench/normalize.py [--threads 2] [--json OUT]

The 30 VIVOS clips of ../shared/data are joined into one recording (0.5 s pauses, as tests/transcribe does) and
transcribed once by our Transcriber (default model, language detected). WER is jiwer's on guards.normalize()d text:
"before" compares the reference with Whisper's text as it is; "after" passes both through
minutes.normalize.normalize_text(..., "vi") first (numbers said in words become digits on both sides, agencies and
names get their capitals, which guards.normalize() folds away). It also counts the words normalisation changed.
Timing: wall and CPU seconds of the normalisation itself (the transcription is not what is measured here).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import jiwer
from common import DATA, clip, clip_ids, join, machine

from minutes.normalize import normalize_text
from minutes.transcribe import Transcriber
from minutes.transcribe.guards import normalize as fold

VIVOS = [f"vi_vivos_VIVOSSPK01_R{n:03d}" for n in range(1, 31)]


def wer_before_after(reference: str, hypothesis: str) -> dict[str, float]:
    """WER as the ASR benchmarks measure it, then with both texts normalised alike."""
    ref_n, hyp_n = normalize_text(reference, "vi"), normalize_text(hypothesis, "vi")
    return {
        "wer_before": jiwer.wer(fold(reference), fold(hypothesis)),
        "wer_after": jiwer.wer(fold(ref_n), fold(hyp_n)),
        "ref_words_changed": sum(a != b for a, b in zip(reference.split(), ref_n.split(), strict=False)),
        "hyp_words_changed": sum(a != b for a, b in zip(hypothesis.split(), hyp_n.split(), strict=False)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    assert clip_ids("vi_vivos_VIVOSSPK01_R0"), f"no VIVOS clips in {DATA}"
    item = join("vi_joined", [clip(c, "vi") for c in VIVOS])
    transcriber = Transcriber("base", compute_type="int8", threads=args.threads)
    transcript = transcriber.transcribe(item.samples)
    wall, cpu = time.perf_counter(), time.process_time()
    figures = wer_before_after(item.reference, transcript.text)
    figures["normalise_wall_s"] = round(time.perf_counter() - wall, 4)
    figures["normalise_cpu_s"] = round(time.process_time() - cpu, 4)
    figures["language"] = transcript.language
    figures["audio_s"] = round(item.seconds, 1)
    result = {"machine": machine(args.threads), "figures": figures, "hypothesis": transcript.text}
    print(
        f"VIVOS 30 clips ({item.seconds:.0f} s, detected {transcript.language}): "
        f"WER {figures['wer_before']:.4f} before, {figures['wer_after']:.4f} after normalisation "
        f"({figures['ref_words_changed']} reference / {figures['hyp_words_changed']} hypothesis words changed; "
        f"{figures['normalise_cpu_s']} s CPU)"
    )
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    raise SystemExit(main())
