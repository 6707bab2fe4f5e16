"""Batch throughput: `minutes batch` with 1 and 2 local workers and through Ray, against the plain sequential loop
of `minutes transcribe`, on the same real recordings, in one run.

    python bench/batch.py [--items ami:5,en] [--long N:SECONDS] [--ray/--no-ray] [--json OUT]

--long 4:120 replaces the items with 4 meeting-like recordings of 120 s, each the real clips (AMI, JFK, LibriVox)
joined in a different rotation, so the per-file costs (VAD, language detection) weigh as they do in an archive of
meetings rather than of short clips.

Each system is a fresh `minutes` process on a fresh output folder (models loaded inside, as a user would run it):
- sequential: `minutes transcribe DIR -o OUT --threads C` (one process, C = all cores, the loop before batch);
- batch-1x{C}: `minutes batch DIR --out OUT --workers 1 --threads C`;
- batch-{C}x1: `minutes batch DIR --out OUT --workers C --threads 1`;
- ray-{C}x1: `minutes batch DIR --out OUT --ray ADDR --threads 1` on a one-node Ray cluster of C CPUs that this
  script starts on 127.0.0.1 (and stops).
Reported per system: wall seconds, CPU seconds (user+sys of the process and its children; for Ray the actors'
CPU per file from the manifest plus the driver's, model loading in the actors not counted), audio hours per wall
hour, per wall hour per core, audio seconds per CPU second (the figure a shared or busy machine distorts least),
and the peak RSS of each worker (the manifest's per-worker figure; the sequential process's own).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import header, machine

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "audio"
MINUTES = [sys.executable, "-c", "import cli; cli.main()"]
RAY_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}  # one node, on loopback


def recordings(spec: str) -> list[Path]:
    chosen: list[Path] = []
    for part in spec.split(","):
        name, _, count = part.partition(":")
        if name == "ami":
            chosen += sorted(DATA.glob("ami_pyannote_*.wav"))[: int(count or 12)]
        elif name == "en":
            chosen += [DATA / "en_jfk.wav", *sorted(DATA.glob("en_librivox_ss01_0*.wav"))]
        elif name == "vi":
            chosen += sorted(DATA.glob("vi_vivos_*.wav"))[: int(count or 30)]
    return chosen


def long_recordings(spec: str, folder: Path) -> list[Path]:
    """N recordings of about SECONDS each, joined from the real clips in a different rotation each (distinct
    content, so the manifest does not take them for copies)."""
    import numpy as np

    from minutes.audio import SAMPLE_RATE, load

    count, _, seconds = spec.partition(":")
    clips = [load(f) for f in recordings("ami:12,en")]
    gap = np.zeros(SAMPLE_RATE // 2, dtype=np.float32)
    made = []
    for n in range(int(count)):
        parts: list[np.ndarray] = []
        i = n * 3
        while sum(len(p) for p in parts) < float(seconds) * SAMPLE_RATE:
            parts += [clips[i % len(clips)], gap]
            i += 1
        made.append(write_wav(folder / f"meeting{n + 1:02d}.wav", np.concatenate(parts)))
    return made


def write_wav(path: Path, samples: object) -> Path:
    import wave

    import numpy as np

    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")  # type: ignore[call-overload]
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(16000)
        handle.writeframes(pcm.tobytes())
    return path


def audio_seconds(files: list[Path]) -> float:
    from minutes.audio import probe

    return sum(probe(f).duration or 0.0 for f in files)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, subprocess.CompletedProcess]:
    cpu, started = children_cpu(), time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})})
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return wall, children_cpu() - cpu, done


def manifest_figures(out: Path) -> dict:
    db = sqlite3.connect(out / "batch-manifest.sqlite")
    try:
        cpu = db.execute("SELECT SUM(cpu_seconds) FROM files WHERE status='done'").fetchone()[0] or 0.0
        workers = db.execute("SELECT worker, load_seconds, rss_mb FROM workers ORDER BY worker").fetchall()
        done = db.execute("SELECT COUNT(*) FROM files WHERE status='done'").fetchone()[0]
    finally:
        db.close()
    return {
        "files_cpu_seconds": round(cpu, 1),
        "done": done,
        "workers": [{"worker": w, "load_seconds": round(s or 0, 1), "rss_mb": round(r or 0)} for w, s, r in workers],
    }


def start_ray(cpus: int, temp: Path) -> str:
    ray = str(Path(sys.executable).with_name("ray"))
    subprocess.run(
        [ray, "start", "--head", "--node-ip-address", "127.0.0.1", "--port", "0", "--num-cpus", str(cpus),
         "--include-dashboard=false", "--disable-usage-stats", "--temp-dir", str(temp)],
        env={**os.environ, **RAY_ENV}, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return (temp / "ray_current_cluster").read_text().strip()


def stop_ray() -> None:
    ray = str(Path(sys.executable).with_name("ray"))
    subprocess.run([ray, "stop", "--force"], env={**os.environ, **RAY_ENV}, capture_output=True, check=False)


def row(name: str, audio: float, wall: float, cpu: float, cores: int, extra: dict) -> dict:
    return {
        "system": name,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "audio_h_per_h": round(audio / wall, 2),
        "audio_h_per_h_per_core": round(audio / wall / cores, 2),
        "audio_s_per_cpu_s": round(audio / cpu, 2) if cpu else None,
        **extra,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", default="ami:5,en", help="ami[:N], en, vi[:N], comma-separated")
    parser.add_argument("--long", help="N:SECONDS: N meeting-like recordings joined from the clips, instead")
    parser.add_argument("--ray", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    info = machine(cores)
    print(header(info))
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as scratch_name:
        scratch = Path(scratch_name)
        source = scratch / "archive"
        source.mkdir()
        if args.long:
            files = long_recordings(args.long, source)
        else:
            files = [Path(shutil.copy(f, source / f.name)) for f in recordings(args.items)]
        audio = audio_seconds(files)
        print(f"{len(files)} recordings, {audio:.0f} s of audio ({audio / 3600:.3f} h), {cores} cores\n")

        out = scratch / "sequential"
        wall, cpu, _ = timed([*MINUTES, "transcribe", str(source), "-o", str(out), "-f", "txt,json", "-q",
                              "--threads", str(cores)])  # fmt: skip
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest child so far: this one
        results.append(row("sequential", audio, wall, cpu, cores, {"workers": [{"rss_mb": round(rss)}]}))

        for workers, threads in [(1, cores), (cores, 1)]:
            out = scratch / f"batch-{workers}x{threads}"
            command = [*MINUTES, "batch", str(source), "--out", str(out), "-q",
                       "--workers", str(workers), "--threads", str(threads)]  # fmt: skip
            wall, cpu, _ = timed(command)
            results.append(row(f"batch-{workers}x{threads}", audio, wall, cpu, cores, manifest_figures(out)))

        if args.ray:
            temp = scratch / "ray"
            temp.mkdir()
            address = start_ray(cores, temp)
            try:
                out = scratch / "ray"
                command = [*MINUTES, "batch", str(source), "--out", str(out), "-q", "--ray", address, "--threads", "1"]
                wall, driver_cpu, _ = timed(command, RAY_ENV)
                figures = manifest_figures(out)
                cpu = driver_cpu + figures["files_cpu_seconds"]
                results.append(row(f"ray-{cores}x1", audio, wall, cpu, cores, {**figures, "driver_cpu_s": driver_cpu}))
            finally:
                stop_ray()

    print("| system | wall s | CPU s | audio h / wall h | per core | audio s / CPU s | RSS per worker (MB) |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        rss = ", ".join(str(w["rss_mb"]) for w in r.get("workers", []))
        print(
            f"| {r['system']} | {r['wall_s']} | {r['cpu_s']} | {r['audio_h_per_h']} | {r['audio_h_per_h_per_core']} "
            f"| {r['audio_s_per_cpu_s']} | {rss} |"
        )
    info["load_average_end"] = round(os.getloadavg()[0], 2)
    print(f"\nload average: {info['load_average_start']} at start, {info['load_average_end']} at the end")
    if args.json:
        summary = {"machine": info, "recordings": len(files), "audio_seconds": audio, "results": results}
        args.json.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
