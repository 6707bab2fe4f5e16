"""Who spoke when, offline: pyannote's speaker-diarization pipeline on weights from the model catalog.

pyannote.audio's `SpeakerDiarization` runs its segmentation (with overlap handling) and reconstruction; the
embedding step is cheaper (only each speaker's own frames), the clustering is ours (`minutes.diarize.clustering`)
and the segmentation step adapts to the recording's length. The models are segmentation-3.0 and a CAM++
embedding, both verified by sha256 from the catalog, no token, no network, telemetry off. Users with pyannote's
official pipelines can pass `pipeline=` a local config.yaml or a hub id instead (`from_pretrained`).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from minutes.catalog import ModelManager
from minutes.diarize.clustering import ClusteringOptions, SpeakerClustering
from minutes.errors import ModelError, UsageError
from minutes.hooks import Hook, null_hook
from minutes.model import SpeakerTurn

os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")  # pyannote 4 sends usage telemetry unless told not to
SAMPLE_RATE = 16000


@dataclass(frozen=True)
class DiarizeOptions:
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None
    # segmentation window step as a fraction of its 10 s window; None: adapt to the length (see `auto_step`)
    step: float | None = None
    clustering: ClusteringOptions = field(default_factory=ClusteringOptions)
    normalize_level: bool = True  # quiet far-field recordings (AMI: -35 to -51 dBFS) lose speech otherwise


def auto_step(seconds: float) -> float:
    """A 1 s step on short recordings (enough embeddings to tell six voices apart in 20 s), growing with the
    length to the 5 s step on recordings of 5 minutes and more (embeddings dominate the cost): at least ~60
    chunks per recording, and a bounded cost per audio minute."""
    return round(min(0.5, max(0.1, seconds / 600.0)), 2)


@dataclass
class Diarization:
    turns: list[SpeakerTurn]  # may overlap: two people talking at once
    exclusive: list[SpeakerTurn]  # one speaker at a time, for attributing words
    centroids: dict[str, list[float]]  # speaker -> mean embedding, for naming by voice profiles
    duration: float

    @property
    def speakers(self) -> list[str]:
        return sorted({t.speaker for t in self.turns})


def check_counts(options: DiarizeOptions) -> None:
    """Reject impossible speaker counts with one line, before any work."""
    for name in ("num_speakers", "min_speakers", "max_speakers"):
        value = getattr(options, name)
        if value is not None and value < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1 (got {value})")
    if options.min_speakers and options.max_speakers and options.min_speakers > options.max_speakers:
        raise UsageError(
            f"--min-speakers ({options.min_speakers}) is larger than --max-speakers ({options.max_speakers})"
        )


def _quiet_imports() -> None:
    # torchcodec cannot load here and is not needed (we pass waveforms in memory): silence its import warning.
    warnings.filterwarnings("ignore", message=r"(?s).*torchcodec", category=UserWarning)
    warnings.filterwarnings("ignore", message=r".*TensorFloat-32.*")
    warnings.filterwarnings("ignore", message=r".*std\(\): degrees of freedom.*")


class Diarizer:
    """Loads the diarization models once; `diarize()` many recordings."""

    def __init__(
        self,
        *,
        segmentation: str | Path | None = None,
        embedding: str | Path | None = None,
        pipeline: str | Path | None = None,
        manager: ModelManager | None = None,
        threads: int = 0,
    ) -> None:
        _quiet_imports()
        import torch

        from minutes.transcribe.whisper import cpu_count

        torch.set_num_threads(threads or cpu_count())
        self.official = None
        if pipeline is not None:
            self.official = _official_pipeline(pipeline)
            return
        manager = manager or ModelManager()
        seg_path = Path(segmentation) if segmentation else manager.path("segmentation-3.0") / "pytorch_model.bin"
        emb_path = Path(embedding) if embedding else manager.path("campplus") / "campplus_cn_en_common.pt"
        self._build(seg_path, emb_path)

    def _build(self, seg_path: Path, emb_path: Path) -> None:
        import torch
        from pyannote.audio import Model
        from pyannote.audio.core.plda import PLDA

        from minutes.diarize.campplus import CAMPPlusEmbedding

        try:
            self.segmentation_model = Model.from_pretrained(str(seg_path))
            self.embedding_model = CAMPPlusEmbedding(emb_path)
        except (OSError, RuntimeError, KeyError) as exc:
            raise ModelError(f"cannot load the diarization models ({type(exc).__name__}: {exc})") from None
        threads = torch.get_num_threads()
        self.embedding_model.use_onnx(emb_path, threads)
        _segmentation_on_onnx(self.segmentation_model, seg_path, threads)
        # pyannote's constructor insists on a PLDA even though agglomerative clustering never uses it.
        self._unused_plda = PLDA.__new__(PLDA)
        self._pipelines: dict[float, Any] = {}

    def _pipeline(self, step: float, clustering: ClusteringOptions) -> Any:
        if step not in self._pipelines:
            pipeline = _pipeline_class()(
                segmentation=self.segmentation_model,
                segmentation_step=step,
                embedding=self.embedding_model,
                embedding_exclude_overlap=True,
                plda=self._unused_plda,
                clustering="AgglomerativeClustering",
                embedding_batch_size=1,
                segmentation_batch_size=8,
            )
            del pipeline.clustering  # a sub-pipeline with hyper-parameters of its own: ours has none
            pipeline.instantiate({"segmentation": {"min_duration_off": 0.0}})
            self._pipelines[step] = pipeline
        pipeline = self._pipelines[step]
        pipeline.clustering = SpeakerClustering(clustering)
        return pipeline

    def diarize(
        self,
        source: str | Path | np.ndarray,
        options: DiarizeOptions | None = None,
        hook: Hook = null_hook,
        **overrides: Any,
    ) -> Diarization:
        import torch

        options = replace(options or DiarizeOptions(), **overrides)
        check_counts(options)
        samples = source if isinstance(source, np.ndarray) else _load(source)
        duration = len(samples) / SAMPLE_RATE
        if options.normalize_level:
            samples = _normalize(samples)
        # one float32 copy of the recording at most (a 30-minute meeting is 115 MB of samples)
        waveform = samples if samples.flags.writeable and samples.dtype == np.float32 else samples.astype(np.float32)
        file = {"waveform": torch.from_numpy(waveform[None, :]), "sample_rate": SAMPLE_RATE, "uri": "audio"}
        step = options.step or auto_step(duration)
        pipeline = self.official or self._pipeline(step, options.clustering)

        def progress(step: str, artifact: Any, file: Any = None, total: int | None = None, completed: Any = None):
            if total:
                hook("diarize", completed=completed, total=total, stage=step)

        counts = {
            "num_speakers": options.num_speakers,
            "min_speakers": options.min_speakers,
            "max_speakers": options.max_speakers,
        }
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            output = pipeline(file, hook=progress, **counts)
        annotation = getattr(output, "speaker_diarization", output)
        exclusive = getattr(output, "exclusive_speaker_diarization", annotation)
        embeddings = getattr(output, "speaker_embeddings", None)
        vectors = {}
        if embeddings is not None:
            vectors = {label: embeddings[i] for i, label in enumerate(annotation.labels()) if i < len(embeddings)}
        if options.num_speakers is None and not options.min_speakers:
            merge = _tiny_speakers(annotation.labels(), exclusive, vectors)
            annotation = annotation.rename_labels(merge).support()
            exclusive = exclusive.rename_labels(merge).support()
        labels = _relabel(annotation)
        centroids = {labels[label]: [float(x) for x in v] for label, v in vectors.items() if label in labels}
        return Diarization(
            turns=_turns(annotation, labels),
            exclusive=_turns(exclusive, labels),
            centroids=centroids,
            duration=duration,
        )


def _segmentation_on_onnx(model: Any, weights: Path, threads: int) -> bool:
    """segmentation-3.0 on ONNX Runtime for its fixed 10 s windows (pyannote pads the last one); any other
    input length, which pyannote never sends today, still goes through PyTorch."""
    import torch

    from minutes.diarize.runtime import session_for

    window = round(model.specifications.duration * SAMPLE_RATE)
    noise = torch.Generator().manual_seed(0)
    examples = [torch.randn(b, 1, window, generator=noise) * 0.1 for b in (2, 1)]
    run = session_for(
        model, weights, "segmentation", examples, {"input": {0: "batch"}, "output": {0: "batch"}}, threads
    )
    if run is None:
        return False
    torch_forward = model.forward

    def forward(waveforms: Any) -> Any:
        if waveforms.shape[-1] != window:
            return torch_forward(waveforms)
        return torch.from_numpy(run(waveforms.numpy()))

    model.forward = forward
    return True


def _load(path: str | Path) -> np.ndarray:
    from minutes.audio import load

    return load(path)


def _normalize(samples: np.ndarray, target_dbfs: float = -20.0) -> np.ndarray:
    """Scale speech to a common loudness; RMS over the loudest 10% of 100 ms frames ignores long silences."""
    frame = SAMPLE_RATE // 10
    n = len(samples) // frame
    if n == 0:
        return samples
    frames = samples[: n * frame].reshape(n, frame)
    rms = np.sqrt(np.einsum("ij,ij->i", frames, frames) / frame)  # no full-length temporary
    loud = np.sort(rms)[-max(1, n // 10) :].mean()
    if loud < 1e-5:
        return samples
    gain = min(10 ** (target_dbfs / 20) / loud, 100.0)
    scaled = np.multiply(samples, np.float32(gain), dtype=np.float32)
    return np.clip(scaled, -1.0, 1.0, out=scaled)


def _tiny_speakers(
    labels: list[Any], exclusive: Any, vectors: dict[Any, np.ndarray], min_seconds: float = 1.0
) -> dict[Any, Any]:
    """Speakers heard for less than a second in all are folded into the most similar one (by embedding):
    a voice cannot be told apart from so little, and a phantom speaker costs the secretary more than a merge."""
    heard = {label: exclusive.label_duration(label) if label in exclusive.labels() else 0.0 for label in labels}
    keep = [label for label, seconds in heard.items() if seconds >= min_seconds]
    if not keep and heard:
        keep = [max(heard, key=lambda label: heard[label])]
    mapping = {}
    for label in heard:
        if label in keep:
            continue
        unit = {k: _unit(vectors.get(k)) for k in [label, *keep]}
        if all(u is not None for u in unit.values()):
            mapping[label] = max(keep, key=lambda k: float(unit[label] @ unit[k]))  # type: ignore[operator]
        else:
            mapping[label] = max(keep, key=lambda k: heard[k])
    return mapping


def _unit(vector: np.ndarray | None) -> np.ndarray | None:
    """The vector scaled to length 1; None for a missing, zero or NaN one (a speaker too short to embed)."""
    if vector is None:
        return None
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 and np.isfinite(norm) else None


def _relabel(annotation: Any) -> dict[str, str]:
    """SPEAKER_1, SPEAKER_2, ... in order of first appearance: what users see and name."""
    order: list[str] = []
    for _, _, label in annotation.itertracks(yield_label=True):
        if label not in order:
            order.append(label)
    return {label: f"SPEAKER_{i + 1}" for i, label in enumerate(order)}


def _turns(annotation: Any, labels: dict[str, str]) -> list[SpeakerTurn]:
    turns = [
        SpeakerTurn(round(s.start, 3), round(s.end, 3), labels.get(label, str(label)))
        for s, _, label in annotation.itertracks(yield_label=True)
    ]
    return sorted(turns, key=lambda t: (t.start, t.end))


def _official_pipeline(spec: str | Path) -> Any:
    """pyannote's own pipelines, for users who have them: a local config.yaml, or a hub id with HF_TOKEN."""
    from pyannote.audio import Pipeline

    try:
        pipeline = Pipeline.from_pretrained(str(spec), token=os.environ.get("HF_TOKEN"))
    except Exception as exc:  # the hub client raises many types
        raise ModelError(
            f"cannot load pyannote pipeline {spec!r} ({type(exc).__name__}): check the path or token"
        ) from None
    if pipeline is None:
        raise ModelError(f"cannot load pyannote pipeline {spec!r}: gated model? set HF_TOKEN, or use the default")
    return pipeline


def speech_regions(samples: np.ndarray, min_seconds: float = 0.5) -> list[tuple[int, int]]:
    """Sample ranges holding speech, from the Silero VAD that ships with faster-whisper."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    found = get_speech_timestamps(_normalize(samples), VadOptions(min_speech_duration_ms=int(min_seconds * 1000)))
    return [(r["start"], r["end"]) for r in found]


def voice_embeddings(diarizer: Diarizer, samples: np.ndarray, window_seconds: float = 10.0) -> tuple[list, float]:
    """CAM++ embeddings of a person's speech in windows of up to 10 s, and the seconds of speech used."""
    import torch

    window = int(window_seconds * SAMPLE_RATE)
    speech = [samples[a:b] for a, b in speech_regions(samples)]
    if not speech:
        return [], 0.0
    joined = _normalize(np.concatenate(speech))
    chunks = [joined[i : i + window] for i in range(0, len(joined), window)]
    chunks = [c for c in chunks if len(c) >= SAMPLE_RATE] or chunks[:1]
    with torch.inference_mode():
        embeddings = [diarizer.embedding_model(torch.from_numpy(c[None, None, :].copy()))[0].numpy() for c in chunks]
    return embeddings, len(joined) / SAMPLE_RATE


def _pipeline_class() -> type:
    """pyannote's SpeakerDiarization with a cheaper embedding step (the step that dominates CPU time).

    pyannote embeds every (chunk, local speaker) pair over the whole 10 s chunk, even for speakers who are silent
    in it. Here the filterbank is computed once per chunk and CAM++ runs only on each speaker's own frames
    (overlap excluded when enough clean speech remains); silent speakers get no embedding at all.
    """
    from pyannote.audio.pipelines import SpeakerDiarization

    from minutes.diarize.campplus import MIN_SAMPLES, fbank, speaker_frames

    class OfflineSpeakerDiarization(SpeakerDiarization):
        def get_embeddings(self, file, binary_segmentations, exclude_overlap=False, hook=None):  # type: ignore[override]

            model = self._embedding.model_
            data = np.nan_to_num(binary_segmentations.data, nan=0.0)
            num_chunks, _num_frames, num_speakers = data.shape
            embeddings = np.full((num_chunks, num_speakers, model.dimension), np.nan, dtype=np.float32)
            clean = (data.sum(axis=2, keepdims=True) < 2) if exclude_overlap else np.ones_like(data[..., :1])
            waveform = file["waveform"][0]
            window = binary_segmentations.sliding_window
            size = round(window.duration * SAMPLE_RATE)
            seconds_per_mask_frame = window.duration / data.shape[1]
            for c in range(num_chunks):
                if hook is not None:
                    hook("embeddings", None, total=num_chunks, completed=c)
                active = [s for s in range(num_speakers) if data[c, :, s].sum() > 0]
                if not active:
                    continue
                start = round(window[c].start * SAMPLE_RATE)
                chunk = waveform[start : start + size]  # the last chunk is short: no zero padding to skew fbank
                if len(chunk) < MIN_SAMPLES:
                    continue
                feats = fbank(chunk, normalize=False)
                for s in active:
                    mask = data[c, :, s] * clean[c, :, 0]
                    if mask.sum() < 0.2 * data[c, :, s].sum() or mask.sum() < 10:
                        mask = data[c, :, s]
                    frames = speaker_frames(feats, mask, seconds_per_mask_frame)
                    embeddings[c, s] = model.embed(frames).numpy()
            if hook is not None:
                hook("embeddings", None, total=num_chunks, completed=num_chunks)
            return embeddings

    return OfflineSpeakerDiarization
