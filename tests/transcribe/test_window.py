"""The live view's window decoder: faithful to faster-whisper on the full window, as accurate on a fitted one."""

from __future__ import annotations

import itertools

import jiwer
import pytest

from minutes.audio import SAMPLE_RATE, load
from minutes.transcribe.guards import normalize
from minutes.transcribe.window import WINDOW_FRAMES, WindowDecoder, context_frames
from tests.conftest import join_clips


def test_the_encoder_window_is_the_audio_plus_padding_in_whole_seconds() -> None:
    assert context_frames(1000, 5.0) == 1500
    assert context_frames(1001, 5.0) == 1600
    assert context_frames(120, 0.0) == 200
    assert context_frames(2800, 5.0) == WINDOW_FRAMES  # never past Whisper's 30 s
    assert context_frames(100, 30.0) == WINDOW_FRAMES


def _text(segments) -> str:
    return " ".join(s.text for s in segments)


@pytest.mark.model
def test_on_the_full_window_it_reads_what_faster_whisper_reads(transcriber, data) -> None:
    samples = load(data / "audio" / "en_jfk.wav")
    decoder = WindowDecoder(transcriber.whisper, beam_size=3, padding_seconds=30.0)
    ours = decoder.decode(samples, language="en")
    raw, _ = transcriber.whisper.transcribe(
        samples, language="en", beam_size=3, temperature=0.0, word_timestamps=True, condition_on_previous_text=False
    )
    theirs = list(raw)
    assert _text(ours.segments) == " ".join(s.text.strip() for s in theirs)
    assert [w.start for s in ours.segments for w in s.words] == pytest.approx(
        [w.start for s in theirs for w in s.words], abs=0.001
    )


_VIVOS = [f"vi_vivos_VIVOSSPK01_R{n:03d}" for n in range(2, 7)]  # 5 sentences, 24 s


@pytest.mark.model
@pytest.mark.parametrize(
    ("items", "language", "bound"),
    [(["en_jfk"], "en", 0.10), (["derived_en_librivox_ss01_concat"], "en", 0.10), (_VIVOS, "vi", 0.35)],
    ids=["jfk", "librivox", "vivos"],
)
def test_a_fitted_window_reads_as_well_as_the_full_one(transcriber, data, items, language: str, bound: float):
    samples, reference = join_clips(data, items)
    samples = samples[: 25 * SAMPLE_RATE]  # a live buffer holds at most 25 s
    fitted = WindowDecoder(transcriber.whisper, beam_size=3, padding_seconds=5.0).decode(samples, language=language)
    full = WindowDecoder(transcriber.whisper, beam_size=3, padding_seconds=30.0).decode(samples, language=language)
    fitted_wer = jiwer.wer(normalize(reference), normalize(_text(fitted.segments)))
    full_wer = jiwer.wer(normalize(reference), normalize(_text(full.segments)))
    print(f"\n[{items[0]}] fitted window WER {fitted_wer:.3f}, full window {full_wer:.3f}")
    if len(samples) < 25 * SAMPLE_RATE:  # the reference covers the whole clip only when nothing was cut
        assert fitted_wer <= bound
    assert fitted_wer <= full_wer + 0.05
    words = [w for s in fitted.segments for w in s.words]
    assert words and all(0 <= w.start <= w.end <= len(samples) / SAMPLE_RATE + 0.05 for w in words)
    assert all(a.start <= b.start for a, b in itertools.pairwise(words))


@pytest.mark.model
def test_the_language_is_detected_when_not_given(transcriber, data) -> None:
    samples, _ = join_clips(data, _VIVOS)
    decoded = WindowDecoder(transcriber.whisper, beam_size=1).decode(samples)
    assert decoded.language == "vi"
    assert decoded.language_probability > 0.5


@pytest.mark.model
def test_a_decode_that_loops_stops_at_a_length_the_audio_could_hold(transcriber, data) -> None:
    # 3.3 s of JFK cut inside "country": base at beam 3 reads "Ask what you can do for you." over and over to its
    # 448-token limit (224 tokens, ~4x a normal decode's time), which set the live view seconds behind.
    samples = load(data / "audio" / "en_jfk.wav")[round(5.52 * SAMPLE_RATE) :][: round(3.3 * SAMPLE_RATE)]
    whisper = transcriber.whisper
    produced: list[int] = []
    generate = whisper.generate_with_fallback

    def counting(*args, **kwargs):
        result = generate(*args, **kwargs)
        produced.append(len(result[0].sequences_ids[0]))
        return result

    whisper.generate_with_fallback = counting
    try:
        uncapped = WindowDecoder(whisper, beam_size=3, max_tokens_per_second=None).decode(samples, language="en")
        loop = produced[0]
        produced.clear()
        capped = WindowDecoder(whisper, beam_size=3).decode(samples, language="en")
    finally:
        del whisper.generate_with_fallback  # the instance attribute goes; the method is back
    assert loop >= 200, f"the uncapped decode no longer loops ({loop} tokens): pick another cut"
    assert max(produced) <= 12 * 3.3 + 16
    assert "ask what you can do" in normalize(_text(capped.segments))
    assert len(_text(capped.segments)) < len(_text(uncapped.segments))
