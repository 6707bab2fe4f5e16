"""Leave-one-domain-out check of the diarization clustering settings, on bench/diarization.py's recordings.

    python bench/diarization_lodo.py [--cache DIR]

Segmentation and embeddings (the costly part, independent of the clustering settings) are computed once per
recording with the default pipeline and cached; then every setting of a small grid over the clustering options is
scored on every recording. For each domain, the setting with the lowest pooled DER (collar 0.25) on the *other*
domains is applied to the held-out one: its DER there, beside the default's and the best any setting reaches, says
whether the defaults carry over to a kind of audio they were not chosen on. No per-domain setting is ever used.
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import tempfile
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
from common import SAMPLE_RATE
from diarization import COLLARS, Recording, annotation, dataset, domain

from minutes.diarize.clustering import ClusteringOptions, SpeakerClustering
from minutes.diarize.pipeline import Diarizer, _normalize, auto_step

GRID = {
    "pure_threshold": (0.4, 0.5, 0.6),
    "threshold": (0.75, 0.85, 0.95, 1.05),
    "min_links": (1, 2, 3),
}


def features(diarizer: Diarizer, rec: Recording, cache: Path) -> dict:
    """Segmentation, speaker count and embeddings of one recording, as the pipeline computes them."""
    path = cache / f"{rec.name}.pkl"
    if path.is_file():
        return pickle.loads(path.read_bytes())
    import torch

    pipeline = diarizer._pipeline(auto_step(rec.seconds), ClusteringOptions())
    samples = _normalize(rec.samples)
    file = {"waveform": torch.from_numpy(samples[None, :].copy()), "sample_rate": SAMPLE_RATE, "uri": rec.name}
    with torch.inference_mode():
        segmentations = pipeline.get_segmentations(file)
        count = pipeline.speaker_count(segmentations, pipeline._segmentation.model.receptive_field, warm_up=(0, 0))
        embeddings = pipeline.get_embeddings(file, segmentations, exclude_overlap=True)
    result = {"seg": segmentations, "count": count, "emb": embeddings, "step": auto_step(rec.seconds)}
    path.write_bytes(pickle.dumps(result))
    return result


def diarize(diarizer: Diarizer, f: dict, options: ClusteringOptions):  # -> pyannote.core.Annotation
    from pyannote.core import Annotation

    pipeline = diarizer._pipeline(f["step"], options)
    hard, _, _ = SpeakerClustering(options)(f["emb"], f["seg"])
    hard[np.sum(f["seg"].data, axis=1) == 0] = -2
    if hard.max() < 0:
        return Annotation()
    return pipeline.to_annotation(pipeline.reconstruct(f["seg"], hard, f["count"]), min_duration_off=0.0)


def errors(rec: Recording, hypothesis) -> np.ndarray:
    """missed, false alarm, confusion, total reference speech (seconds), collar 0.25."""
    from pyannote.core import Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    metric = DiarizationErrorRate(collar=COLLARS[1], skip_overlap=False)
    d = metric(annotation(rec.turns), hypothesis, uem=Timeline([Segment(0, rec.seconds)]), detailed=True)
    return np.array([d["missed detection"], d["false alarm"], d["confusion"], d["total"]])


def pooled(table: dict[str, np.ndarray], names: list[str]) -> float:
    total = sum((table[n] for n in names), np.zeros(4))
    return 100 * total[:3].sum() / max(total[3], 1e-9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, help="keep segmentations and embeddings here between runs")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    recordings = [r for section in dataset(joined=True).values() for r in section]
    diarizer = Diarizer(threads=2)
    default = ClusteringOptions()
    grid = itertools.product(*GRID.values())
    settings = [replace(default, **dict(zip(GRID, values, strict=True))) for values in grid]
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache or Path(tmp)
        cache.mkdir(parents=True, exist_ok=True)
        feats = {r.name: features(diarizer, r, cache) for r in recordings}
        scores = {s: {r.name: errors(r, diarize(diarizer, feats[r.name], s)) for r in recordings} for s in settings}
    domains: dict[str, list[str]] = {}
    for rec in recordings:
        domains.setdefault(domain(rec.name), []).append(rec.name)
    every = [r.name for r in recordings]

    def label(s: ClusteringOptions) -> str:
        return ", ".join(f"{k} {getattr(s, k)}" for k in GRID)

    print("## Leave-one-domain-out (bench/diarization_lodo.py)\n")
    print(f"grid: {', '.join(f'{k} {v}' for k, v in GRID.items())}; default: {label(default)}\n")
    print("| held-out domain | files | setting chosen on the other domains | its DER there | default's DER there "
          "| best setting's DER there |")  # fmt: skip
    print("|---|---:|---|---:|---:|---:|")
    for name, held_out in domains.items():
        others = [n for n in every if n not in held_out]
        chosen = min(settings, key=lambda s: pooled(scores[s], others))
        best = min(pooled(scores[s], held_out) for s in settings)
        print(f"| {name} | {len(held_out)} | {label(chosen)} | {pooled(scores[chosen], held_out):.1f} "
              f"| {pooled(scores[default], held_out):.1f} | {best:.1f} |")  # fmt: skip
    ranked = sorted(settings, key=lambda s: pooled(scores[s], every))
    print(
        f"\nall recordings pooled: default {pooled(scores[default], every):.1f}; best {label(ranked[0])}: "
        f"{pooled(scores[ranked[0]], every):.1f}; worst {label(ranked[-1])}: {pooled(scores[ranked[-1]], every):.1f}"
    )


if __name__ == "__main__":
    main()
