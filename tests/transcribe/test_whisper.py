"""The real default model on real recordings: accuracy bounds, language detection, silence, timestamps."""

from __future__ import annotations

import itertools

import jiwer
import numpy as np
import pytest

from minutes.audio import SAMPLE_RATE, load
from minutes.transcribe.guards import normalize
from tests.conftest import join_clips, read_ref

pytestmark = pytest.mark.model

ENGLISH = ["en_jfk"] + [f"en_librivox_ss01_{n:04d}" for n in (870, 880, 890, 920, 930)]
VIVOS = [f"vi_vivos_VIVOSSPK01_R{n:03d}" for n in range(1, 31)]


def wer(refs: list[str], hyps: list[str]) -> float:
    return jiwer.wer([normalize(r) for r in refs], [normalize(h) for h in hyps])


def test_jfk_sentence(transcriber, data):
    transcript = transcriber.transcribe(data / "audio" / "en_jfk.wav")
    assert transcript.language == "en"
    assert "ask not what your country can do for you" in normalize(transcript.text)
    assert wer([read_ref(data, "en_jfk")], [transcript.text]) < 0.05


def test_english_wer_at_most_5_percent(transcriber, data):
    hyps = [transcriber.transcribe(data / "audio" / f"{item}.wav", language="en").text for item in ENGLISH]
    refs = [read_ref(data, item) for item in ENGLISH]
    assert wer(refs, hyps) <= 0.05


@pytest.mark.slow
def test_vietnamese_joined_wer_at_most_28_percent_and_detected(transcriber, data):
    samples, ref = join_clips(data, VIVOS)
    transcript = transcriber.transcribe(samples)  # language detected, not forced
    assert transcript.language == "vi"
    assert wer([ref], [transcript.text]) <= 0.28
    assert transcript.text == transcript.text.strip() and "ấn ấn ấn ấn" not in transcript.text


def test_two_seconds_of_silence_give_an_empty_transcript(transcriber):
    transcript = transcriber.transcribe(np.zeros(2 * SAMPLE_RATE, dtype=np.float32))
    assert transcript.segments == [] and transcript.text == ""


def test_low_noise_gives_no_invented_text(transcriber):
    noise = np.random.default_rng(0).normal(0, 0.003, 5 * SAMPLE_RATE).astype(np.float32)
    assert transcriber.transcribe(noise, language="en").text == ""


def test_timestamps_follow_the_speech(transcriber, data):
    """Speech starts at 6.7 s in the pyannote sample: VAD must keep the first segment from starting at 0."""
    transcript = transcriber.transcribe(data / "audio" / "conv_pyannote_sample.wav", language="en")
    assert transcript.segments[0].start > 5.5
    words = transcript.words
    assert words and all(w.start <= w.end for w in words)
    assert all(a.start <= b.start for a, b in itertools.pairwise(words))
    assert words[-1].end <= transcript.duration + 0.01


def test_blocks_cut_at_quiet_points_keep_the_text(transcriber, data):
    """A long recording is decoded in blocks; cutting at quiet points must not lose or split words."""
    path = data / "audio" / "derived_en_librivox_ss01_concat.wav"
    whole = transcriber.transcribe(path, language="en")
    blocked = transcriber.transcribe(path, language="en", block_seconds=8.0)
    ref = read_ref(data, "derived_en_librivox_ss01_concat")
    assert wer([ref], [blocked.text]) <= wer([ref], [whole.text]) + 0.03
    assert blocked.duration == pytest.approx(whole.duration, abs=0.01)


def test_hotwords_are_accepted(transcriber, data):
    transcript = transcriber.transcribe(data / "audio" / "en_jfk.wav", hotwords="Americans, country")
    assert "americans" in normalize(transcript.text)


def stm_text(data, item: str) -> str:
    lines = (data / "ref" / f"{item}.stm").read_text(encoding="utf-8").splitlines()
    return " ".join(line.split(None, 5)[5] for line in lines if line.strip())


@pytest.mark.slow
def test_speech_the_batched_pass_drops_is_decoded_again(transcriber, data):
    # A reading, then a phone call that starts after 6 s of silence: batched Whisper wrote nothing for the first
    # 15 s of the call (WER 34%) until speech left without words was decoded again on its own.
    readings = ENGLISH
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    clips = [load(data / "audio" / f"{item}.wav") for item in [*readings, "conv_pyannote_sample"]]
    samples = np.concatenate([part for c in clips for part in (c, gap)])
    ref = " ".join([*(read_ref(data, item) for item in readings), stm_text(data, "conv_pyannote_sample")])
    transcript = transcriber.transcribe(samples, language="en")
    call_starts = sum(len(c) + SAMPLE_RATE for c in clips[:-1]) / SAMPLE_RATE
    assert any("recovered" in s.flags for s in transcript.segments)
    assert "diane" in normalize(transcript.text) and "sheila" in normalize(transcript.text)
    assert min(s.start for s in transcript.segments if s.start >= call_starts) < call_starts + 9.0
    assert wer([ref], [transcript.text]) <= 0.15
    plain = transcriber.transcribe(samples, language="en", recover_dropped=False)
    assert wer([ref], [transcript.text]) < wer([ref], [plain.text])


def test_uncovered_speech_is_speech_without_words(data):
    from minutes.model import Word
    from minutes.transcribe.whisper import uncovered_speech

    samples = load(data / "audio" / "conv_pyannote_sample.wav")
    stretches = uncovered_speech(samples, [], offset=100.0)
    assert stretches and stretches[0][0] > 106.0  # the call's first 6 s are silence
    assert all(b - a >= 1.5 and b - a <= 28.0 for a, b in stretches)
    covered = [Word(" w", t / 2, t / 2 + 0.5) for t in range(0, 60)]  # a word every half second
    assert uncovered_speech(samples, covered, offset=0.0) == []
