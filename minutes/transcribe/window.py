"""One short buffer through Whisper with an encoder window fitted to the audio, for the live view.

faster-whisper always encodes a 30 s window (the audio padded with silence), which costs ~0.55 s for base int8 on
2 cores whatever the audio length: the largest part of a streaming decode. CTranslate2's Whisper encoder also
takes a shorter input, and its cost falls faster than linearly (15 s: 0.13 s). Whisper was trained on 30 s
windows, though: with no padding at all it invents and repeats text at the end (streaming WER 0.32 vs 0.11), while
a few seconds of silence after the speech are enough for it to end cleanly (5 s: 0.096, at 0.66 s per decode
instead of 1.09 s). See docs/BENCHMARKS.md, "Live transcription".

`decode` mirrors faster-whisper's `generate_segments` for the case the live view needs (no conditioning between
windows, word timestamps, temperature fallback, no-speech skip), built from the model's own steps: `encode`,
`get_prompt`, `generate_with_fallback`, `_split_segments_by_timestamps`, `add_word_timestamps`. These are
faster-whisper internals, which is why pyproject.toml pins faster-whisper; tests/transcribe/test_window.py runs
them on real audio.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from faster_whisper.audio import pad_or_trim
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import Segment as FasterSegment
from faster_whisper.transcribe import TranscriptionOptions, get_end, get_suppressed_tokens
from faster_whisper.transcribe import Word as FasterWord

from minutes.model import Segment
from minutes.transcribe.whisper import from_faster_whisper

FRAMES_PER_SECOND = 100  # Whisper's log-Mel frames (10 ms hop)
WINDOW_FRAMES = 3000  # the 30 s window Whisper was trained on
# Tokens a window may produce per second of its audio (plus `_TOKEN_SLACK`). Whisper base sometimes loops on the
# cut-off word at the end of a live buffer ("Ask what you can do for you. Ask what you can do for you. ..."),
# producing tokens until its 448-token limit: 224 tokens and 4.7 s for a 3.3 s buffer, against ~1 s for a normal
# decode, and the live view falls behind by that much. Speech needs far fewer: the shared references give at most
# 6.7 tokens per second (Vietnamese, VIVOS; English 4.2), so 12 leaves room for punctuation, capitals and
# timestamps. The guards still cut what repeats within the cap.
MAX_TOKENS_PER_SECOND = 12.0
_TOKEN_SLACK = 16


@dataclass(frozen=True)
class Decoded:
    segments: list[Segment]
    language: str
    language_probability: float


def context_frames(content_frames: int, padding_seconds: float) -> int:
    """Encoder input for `content_frames` of audio: the audio plus `padding_seconds` of silence, rounded up to a
    whole second (fewer distinct shapes), at most Whisper's 30 s window (`padding_seconds=30`: always all of it)."""
    frames = content_frames + round(padding_seconds * FRAMES_PER_SECOND)
    return min(WINDOW_FRAMES, math.ceil(frames / FRAMES_PER_SECOND) * FRAMES_PER_SECOND)


class WindowDecoder:
    """Decodes audio of up to ~30 s with a loaded faster-whisper `WhisperModel`; keeps its options between calls."""

    def __init__(
        self,
        whisper: Any,
        *,
        beam_size: int = 5,
        temperature: float | tuple[float, ...] = 0.0,
        hotwords: str | None = None,
        padding_seconds: float = 5.0,
        max_tokens_per_second: float | None = MAX_TOKENS_PER_SECOND,
    ) -> None:
        self.whisper = whisper
        self.padding_seconds = padding_seconds
        self.max_tokens_per_second = max_tokens_per_second  # None: Whisper's own limit (448 tokens)
        self._tokenizers: dict[str, Any] = {}
        # faster-whisper's transcribe() defaults, except: one window at a time (no conditioning) and word times.
        self.options = TranscriptionOptions(
            beam_size=beam_size,
            best_of=5,
            patience=1,
            length_penalty=1,
            repetition_penalty=1,
            no_repeat_ngram_size=0,
            log_prob_threshold=-1.0,
            no_speech_threshold=0.6,
            compression_ratio_threshold=2.4,
            condition_on_previous_text=False,
            prompt_reset_on_temperature=0.5,
            temperatures=list(temperature) if isinstance(temperature, (list, tuple)) else [temperature],
            initial_prompt=None,
            prefix=None,
            suppress_blank=True,
            suppress_tokens=get_suppressed_tokens(self._tokenizer("en"), [-1]),
            without_timestamps=False,
            max_initial_timestamp=1.0,
            word_timestamps=True,
            prepend_punctuations="\"'“¿([{-",
            append_punctuations="\"'.。,，!！?？:：”)]}、",
            multilingual=False,
            max_new_tokens=None,
            clip_timestamps="0",
            hallucination_silence_threshold=None,
            hotwords=hotwords,
        )

    def _tokenizer(self, language: str) -> Any:
        if language not in self._tokenizers:
            model = self.whisper.model
            self._tokenizers[language] = Tokenizer(
                self.whisper.hf_tokenizer, model.is_multilingual, task="transcribe", language=language
            )
        return self._tokenizers[language]

    def _capped(self, options: TranscriptionOptions, frames: int, prompt_tokens: int) -> TranscriptionOptions:
        """`options` with new tokens limited by the window's audio length (see MAX_TOKENS_PER_SECOND)."""
        if self.max_tokens_per_second is None:
            return options
        cap = math.ceil(self.max_tokens_per_second * frames / FRAMES_PER_SECOND) + _TOKEN_SLACK
        return replace(options, max_new_tokens=max(1, min(cap, self.whisper.max_length - prompt_tokens)))

    def decode(
        self, samples: np.ndarray, *, language: str | None = None, prompt: str = "", beam_size: int | None = None
    ) -> Decoded:
        """Segments (times relative to the start of `samples`) with words; `prompt` conditions the first window;
        `beam_size` replaces the decoder's for this call."""
        whisper = self.whisper
        options = self.options if beam_size is None else replace(self.options, beam_size=beam_size)
        features = whisper.feature_extractor(np.asarray(samples, dtype=np.float32))
        content = features.shape[-1] - 1
        probability = 1.0
        if language is None:
            if whisper.model.is_multilingual:
                language, probability, _ = whisper.detect_language(features=features)
            else:
                language = "en"
        tokenizer = self._tokenizer(language)
        previous = tokenizer.encode(" " + prompt.strip()) if prompt.strip() else []
        segments: list[Segment] = []
        seek = 0
        last_speech = 0.0
        while seek < content:
            seek, last_speech = self._window(features, seek, tokenizer, previous, segments, last_speech, options)
            previous = []  # like condition_on_previous_text=False: the prompt is for the first window only
        return Decoded(segments, language, probability)

    def _window(
        self,
        features: np.ndarray,
        seek: int,
        tokenizer: Any,
        previous: list[int],
        out: list[Segment],
        last_speech: float,
        options: TranscriptionOptions,
    ) -> tuple[int, float]:
        """Decode the window that starts at frame `seek`; append its segments to `out`; return the next seek."""
        whisper = self.whisper
        content = features.shape[-1] - 1
        size = min(WINDOW_FRAMES, content - seek)
        window = pad_or_trim(features[:, seek : seek + size], context_frames(size, self.padding_seconds))
        encoder_output = whisper.encode(window)
        prompt = whisper.get_prompt(tokenizer, previous, without_timestamps=False, hotwords=options.hotwords)
        result, avg_logprob, temperature, compression_ratio = whisper.generate_with_fallback(
            encoder_output, prompt, tokenizer, self._capped(options, size, len(prompt))
        )
        if result.no_speech_prob > options.no_speech_threshold and avg_logprob <= options.log_prob_threshold:
            return seek + size, last_speech  # silence, as faster-whisper judges it
        offset = seek / FRAMES_PER_SECOND
        current, next_seek, single_timestamp_ending = whisper._split_segments_by_timestamps(
            tokenizer=tokenizer,
            tokens=result.sequences_ids[0],
            time_offset=offset,
            segment_size=size,
            segment_duration=size / FRAMES_PER_SECOND,
            seek=seek,
        )
        whisper.add_word_timestamps(
            [current],
            tokenizer,
            encoder_output,
            size,
            options.prepend_punctuations,
            options.append_punctuations,
            last_speech_timestamp=last_speech,
        )
        last_word_end = get_end(current)
        if not single_timestamp_ending and last_word_end is not None and last_word_end > offset:
            next_seek = round(last_word_end * FRAMES_PER_SECOND)
        if last_word_end is not None:
            last_speech = last_word_end
        for segment in current:
            text = tokenizer.decode(segment["tokens"])
            if segment["start"] == segment["end"] or not text.strip():
                continue
            words = [FasterWord(**w) for w in segment.get("words") or []]
            raw = FasterSegment(
                id=len(out) + 1,
                seek=seek,
                start=segment["start"],
                end=segment["end"],
                text=text,
                tokens=segment["tokens"],
                avg_logprob=avg_logprob,
                compression_ratio=compression_ratio,
                no_speech_prob=result.no_speech_prob,
                words=words,
                temperature=temperature,
            )
            out.append(from_faster_whisper(raw, 0.0))
        return max(next_seek, seek + 1), last_speech  # always move on, whatever Whisper's timestamps say
