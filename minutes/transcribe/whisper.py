"""Speech to text with faster-whisper: one entry point, `Transcriber.transcribe`, options with defaults.

The default pipeline is faster-whisper's batched inference over Silero-VAD speech chunks (about twice the speed
of sequential decoding on 2 cores, with no loss of accuracy measured on ../shared/data), with word timestamps.
Long recordings are decoded in blocks cut at a quiet point, so memory stays flat for a 3-hour file. Segments the
guards flag as repetition loops are decoded again sequentially with temperature fallback, which batched mode lacks.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from minutes import audio
from minutes.catalog import ModelManager
from minutes.errors import ModelError, UsageError
from minutes.hooks import Hook, null_hook
from minutes.model import Segment, Transcript, Word, nfc
from minutes.transcribe.guards import RECOVERED, REPETITION, apply_guards, is_loop, repair_loop

SAMPLE_RATE = audio.SAMPLE_RATE
MAX_PROMPT_CHARS = 600  # Whisper's prompt holds 224 tokens; keep hotwords well inside it


@dataclass(frozen=True)
class TranscribeOptions:
    language: str | None = None  # None: detect from up to the first 90 s of speech
    beam_size: int = 5
    batch_size: int = 8
    word_timestamps: bool = True
    hotwords: str | None = None
    block_seconds: float = 600.0  # audio decoded and transcribed at a time; bounds memory
    redecode_loops: bool = True
    # Batched Whisper sometimes stops early inside a 30 s chunk and never writes the rest (seen where one
    # recording's speech follows another's): speech the VAD heard that got no words is decoded again on its own.
    recover_dropped: bool = True


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def language_codes() -> tuple[str, ...]:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return tuple(_LANGUAGE_CODES)


def check_language(language: str | None) -> str | None:
    """`auto`/None means detect; anything else must be a Whisper language code."""
    if language is None or language.lower() in ("", "auto"):
        return None
    code = language.lower()
    if code not in language_codes():
        raise UsageError(f"unknown language {language!r}: use auto or a code such as vi, en, fr, de, ja, zh")
    return code


def read_glossary(path: Path) -> str:
    """One term per line (blank lines and # comments ignored), joined into Whisper hotwords."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read glossary {path}: {exc.strerror if isinstance(exc, OSError) else exc}") from None
    terms = [nfc(line.strip()) for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return ", ".join(terms)


def resolve_model(spec: str | Path | None, manager: ModelManager | None = None) -> tuple[str, str]:
    """A catalog id, a model directory, or (online) a faster-whisper name / HF repo id -> (path or name, label)."""
    manager = manager or ModelManager()
    if spec is None:
        spec = manager.default("asr").id
    spec = str(spec)
    path = Path(spec).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ModelError(f"{path} is not a CTranslate2 Whisper model directory (no model.bin)")
        return str(path), path.name
    if spec in manager.catalog:
        return str(manager.path(spec)), spec
    from faster_whisper.utils import available_models

    if spec in available_models() or "/" in spec:
        return spec, spec  # downloaded by faster-whisper from the hub: needs internet
    raise ModelError(
        f"unknown model {spec!r}: offline models are {', '.join(sorted(manager.catalog))}; "
        f"online also {', '.join(available_models())} or a Hugging Face repo id; or pass a model directory"
    )


def find_quiet_cut(samples: np.ndarray, search_seconds: float = 30.0, window_seconds: float = 0.3) -> int:
    """Index of the quietest short window in the last `search_seconds`, where a block can be cut between words."""
    window = int(window_seconds * SAMPLE_RATE)
    start = max(0, len(samples) - int(search_seconds * SAMPLE_RATE))
    tail = samples[start:]
    if len(tail) < 2 * window:
        return len(samples)
    frames = len(tail) // window
    energy = np.square(tail[: frames * window].reshape(frames, window)).mean(axis=1)
    return start + int(np.argmin(energy)) * window + window // 2


def blocks_cut_at_quiet(source: Iterator[np.ndarray]) -> Iterator[tuple[float, np.ndarray]]:
    """Re-cut decoded blocks at quiet points: yields (offset seconds, samples) so no word is split in two."""
    carry = np.zeros(0, dtype=np.float32)
    offset = 0
    pending = next(source, None)
    while pending is not None:
        following = next(source, None)
        block = np.concatenate([carry, pending]) if len(carry) else pending
        cut = len(block) if following is None else find_quiet_cut(block)
        yield offset / SAMPLE_RATE, block[:cut]
        offset += cut
        carry = block[cut:]
        pending = following


class Transcriber:
    """A loaded Whisper model. Load once, transcribe many files."""

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        compute_type: str = "int8",
        threads: int = 0,
        device: str = "cpu",
        manager: ModelManager | None = None,
    ) -> None:
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        self.model_path, self.model_name = resolve_model(model, manager)
        self.compute_type = compute_type
        self.threads = threads or cpu_count()
        try:
            self.whisper = WhisperModel(
                self.model_path, device=device, compute_type=compute_type, cpu_threads=self.threads
            )
        except ValueError as exc:  # bad compute type for this CPU, for instance
            raise UsageError(f"cannot load {self.model_name} with compute type {compute_type!r}: {exc}") from None
        except (RuntimeError, OSError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ModelError(f"cannot load model {self.model_name!r}: {first}") from None
        self.batched = BatchedInferencePipeline(self.whisper)

    def transcribe(
        self,
        source: str | Path | np.ndarray,
        options: TranscribeOptions | None = None,
        hook: Hook = null_hook,
        **overrides: object,
    ) -> Transcript:
        """Transcribe a file (any format PyAV decodes) or 16 kHz mono float32 samples."""
        options = replace(options or TranscribeOptions(), **overrides)  # type: ignore[arg-type]
        language = check_language(options.language)
        if isinstance(source, np.ndarray):
            total = len(source) / SAMPLE_RATE
            blocks = iter([source.astype(np.float32, copy=False)])
            name = None
        else:
            info = audio.probe(source)
            total = info.duration or 0.0
            blocks = audio.stream(source, block_seconds=options.block_seconds)
            name = str(source)

        segments: list[Segment] = []
        probability = None
        duration = 0.0
        hook("transcribe", completed=0.0, total=total)
        for offset, block in blocks_cut_at_quiet(blocks):
            duration = offset + len(block) / SAMPLE_RATE
            found, info_language, info_probability = self._transcribe_block(
                block, offset, language, options, hook, total
            )
            if language is None:
                language, probability = info_language, info_probability
            found = apply_guards(found)
            if options.redecode_loops:
                found = [
                    self._redecode(s, block, offset, language, options) if REPETITION in s.flags else s for s in found
                ]
            if options.recover_dropped:
                found = self._recover_dropped(found, block, offset, language, options)
            segments.extend(found)
            hook("transcribe", completed=min(duration, total) if total else duration, total=total or duration)

        segments = apply_guards(segments)  # again across blocks: repeated sentences
        if total and duration < total - max(1.0, 0.02 * total):
            hook(
                "warning",
                message=f"{name}: only {duration:.1f} s of {total:.1f} s could be decoded (truncated or "
                "damaged file?); the transcript covers what was readable",
            )
        return Transcript(
            language=language or "en",
            language_probability=probability if probability is not None else 1.0,
            duration=round(duration, 3),
            segments=segments,
            source=name,
            model=self.model_name,
            options={**asdict(options), "language": language, "compute_type": self.compute_type},
        )

    def _transcribe_block(
        self,
        block: np.ndarray,
        offset: float,
        language: str | None,
        options: TranscribeOptions,
        hook: Hook,
        total: float,
    ) -> tuple[list[Segment], str, float]:
        raw, info = self.batched.transcribe(
            block,
            language=language,
            beam_size=options.beam_size,
            batch_size=options.batch_size,
            word_timestamps=options.word_timestamps,
            hotwords=options.hotwords[:MAX_PROMPT_CHARS] if options.hotwords else None,
            language_detection_segments=3,
        )
        found = []
        for seg in raw:
            found.append(from_faster_whisper(seg, offset))
            hook("transcribe", completed=min(offset + seg.end, total) if total else offset + seg.end, total=total)
        return found, info.language, info.language_probability

    def _redecode(
        self, segment: Segment, block: np.ndarray, offset: float, language: str | None, options: TranscribeOptions
    ) -> Segment:
        """Decode a looping segment again with temperature fallback and no prompt; if it still loops, cut the loop."""
        samples = block[int((segment.start - offset) * SAMPLE_RATE) : int((segment.end - offset) * SAMPLE_RATE)]
        parts = self._decode_alone(samples, segment.start, language, options, vad=False)
        if not parts:
            return repair_loop(segment)
        merged = Segment(
            start=segment.start,
            end=max(segment.start, min(segment.end, parts[-1].end)),
            text=" ".join(p.text for p in parts),
            words=[w for p in parts for w in p.words],
            avg_logprob=min((p.avg_logprob for p in parts if p.avg_logprob is not None), default=None),
            no_speech_prob=max((p.no_speech_prob for p in parts if p.no_speech_prob is not None), default=None),
            flags=[f for f in segment.flags if f != REPETITION] + ["redecoded"],
        )
        return repair_loop(replace(merged, flags=[*merged.flags, REPETITION])) if is_loop(merged) else merged

    def _decode_alone(
        self, samples: np.ndarray, start: float, language: str | None, options: TranscribeOptions, *, vad: bool
    ) -> list[Segment]:
        """Sequential faster-whisper on a piece of the recording (no prompt), segments on the recording's clock."""
        raw, _ = self.whisper.transcribe(
            samples,
            language=language,
            beam_size=options.beam_size,
            word_timestamps=options.word_timestamps,
            condition_on_previous_text=False,
            vad_filter=vad,
        )
        return [from_faster_whisper(s, start) for s in raw]

    def _recover_dropped(
        self, found: list[Segment], block: np.ndarray, offset: float, language: str | None, options: TranscribeOptions
    ) -> list[Segment]:
        """Decode again, sequentially, the stretches of speech that the batched pass left without a single word."""
        missing = uncovered_speech(block, [w for s in found for w in s.words], offset)
        if not missing:
            return found
        recovered = []
        for start, end in missing:
            samples = block[int((start - offset) * SAMPLE_RATE) : int((end - offset) * SAMPLE_RATE)]
            parts = self._decode_alone(samples, start, language, options, vad=True)
            recovered += [replace(seg, flags=[*seg.flags, RECOVERED]) for seg in parts]
        return sorted(found + apply_guards(recovered), key=lambda s: (s.start, s.end))


def uncovered_speech(
    block: np.ndarray,
    words: list[Word],
    offset: float,
    min_seconds: float = 1.5,
    max_seconds: float = 28.0,
) -> list[tuple[float, float]]:
    """Stretches (recording clock) of VAD speech at least `min_seconds` long in which no word was placed, whole
    regions or their parts; neighbours are joined up to `max_seconds` so each is decoded with some context."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    vad = VadOptions(max_speech_duration_s=max_seconds, min_silence_duration_ms=160)
    spans = sorted((w.start - 0.25, w.end + 0.25) for w in words)  # word times are rough at the edges
    stretches: list[tuple[float, float]] = []
    for region in get_speech_timestamps(block, vad):
        cursor, end = offset + region["start"] / SAMPLE_RATE, offset + region["end"] / SAMPLE_RATE
        holes = []
        for a, b in spans:
            if b <= cursor or a >= end:
                continue
            holes.append((cursor, a))
            cursor = max(cursor, b)
        holes.append((cursor, end))
        for start, stop in holes:
            if stop - start < min_seconds:
                continue
            if stretches and start - stretches[-1][1] < 2.0 and stop - stretches[-1][0] <= max_seconds:
                stretches[-1] = (stretches[-1][0], stop)
            else:
                stretches.append((start, stop))
    return stretches


def from_faster_whisper(seg: object, offset: float) -> Segment:
    """faster-whisper's Segment -> ours, on the recording's clock, NFC text."""
    words = [
        Word(
            text=nfc(w.word),
            start=round(w.start + offset, 3),
            end=round(w.end + offset, 3),
            probability=round(w.probability, 4),
        )
        for w in (getattr(seg, "words", None) or [])
    ]
    return Segment(
        start=round(seg.start + offset, 3),  # type: ignore[attr-defined]
        end=round(seg.end + offset, 3),  # type: ignore[attr-defined]
        text=nfc(seg.text.strip()),  # type: ignore[attr-defined]
        words=words,
        avg_logprob=round(seg.avg_logprob, 4),  # type: ignore[attr-defined]
        no_speech_prob=round(seg.no_speech_prob, 4),  # type: ignore[attr-defined]
        compression_ratio=round(seg.compression_ratio, 3),  # type: ignore[attr-defined]
    )
