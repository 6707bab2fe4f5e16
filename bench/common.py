"""Helpers shared by the benchmarks: the shared data set, joined recordings, machine facts, per-system workers.

The data set is read in place from ../shared/data (relative to the repository root); it is never copied.
Each system runs in its own subprocess (the script re-invoked with `--worker NAME`) so that its peak RSS is its own.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import resource
import shlex
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# bench/minutes.py shares the package's name and Python puts the script's folder first on sys.path: import the
# package with this folder out of the way (every bench script imports this module before the package).
_HERE = Path(__file__).resolve().parent
_saved_path = list(sys.path)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.modules.pop("minutes", None)
from minutes import audio  # noqa: E402

sys.path[:] = _saved_path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
SAMPLE_RATE = audio.SAMPLE_RATE


@dataclass(frozen=True)
class Item:
    """One recording to transcribe: decoded samples, language and (for ASR) the exact reference text."""

    name: str
    language: str
    samples: np.ndarray
    reference: str = ""

    @property
    def seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def clip_ids(prefix: str) -> list[str]:
    """Ids (file stems) of the shared clips whose name starts with `prefix`, sorted."""
    return sorted(p.stem for p in (DATA / "audio").glob(f"{prefix}*.wav"))


def clip(clip_id: str, language: str) -> Item:
    reference_file = DATA / "ref" / f"{clip_id}.txt"
    reference = reference_file.read_text(encoding="utf-8").strip() if reference_file.is_file() else ""
    return Item(clip_id, language, audio.load(DATA / "audio" / f"{clip_id}.wav"), reference)


def stm_clip(clip_id: str, language: str) -> Item:
    lines = (DATA / "ref" / f"{clip_id}.stm").read_text(encoding="utf-8").splitlines()
    text = " ".join(line.split(None, 5)[5] for line in lines if line.strip())
    return Item(clip_id, language, audio.load(DATA / "audio" / f"{clip_id}.wav"), text)


def join(name: str, items: Sequence[Item], gap_seconds: float = 0.5, min_seconds: float = 0.0) -> Item:
    """`items` end to end with `gap_seconds` of silence between them, the whole sequence repeated until it lasts
    at least `min_seconds`; the reference texts are joined the same way."""
    gap = np.zeros(int(gap_seconds * SAMPLE_RATE), dtype=np.float32)
    parts: list[np.ndarray] = []
    texts: list[str] = []
    while not parts or sum(len(p) for p in parts) < min_seconds * SAMPLE_RATE:
        for item in items:
            parts += [gap, item.samples] if parts else [item.samples]
            texts.append(item.reference)
    return Item(name, items[0].language, np.concatenate(parts), " ".join(texts))


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports ru_maxrss in kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(threads: int) -> dict[str, object]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count() or 1
    return {
        "cpu": cpu_model(),
        "cores": usable,
        "threads": threads,
        "python": platform.python_version(),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
        "load_average_start": round(os.getloadavg()[0], 2),
    }


def header(info: dict[str, object]) -> str:
    """Markdown lines about the run; set info["load_average_end"] when done to show it too."""
    load = f"{info['load_average_start']} at start" + (
        f", {info['load_average_end']} at end" if "load_average_end" in info else ""
    )
    return (
        f"- machine: {info['cpu']}, {info['cores']} cores usable, {info['threads']} threads used\n"
        f"- date: {info['date']}, Python {info['python']}\n"
        f"- 1-min load average: {load} (other work on the machine skews timings)\n"
        f"- command: `{info['command']}`"
    )


def run_worker(script: Path, system: str, args: Sequence[str]) -> dict:
    """Run `script --worker SYSTEM ARGS...` in a fresh interpreter; it prints its figures as JSON on its last line."""
    done = subprocess.run(
        [sys.executable, str(script), "--worker", system, *args], stdout=subprocess.PIPE, text=True, check=False
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise SystemExit(f"worker {system} failed with exit status {done.returncode}")
    return json.loads(lines[-1])


def emit(result: dict) -> None:
    """A worker's answer: one JSON line on stdout."""
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    sys.stdout.flush()
