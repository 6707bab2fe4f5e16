"""Normalisation does not make the ASR's words worse: the 30-clip VIVOS recording transcribed by the real default
model, WER before and after normalising reference and output alike (bench/normalize.py reports the figures)."""

from __future__ import annotations

import jiwer
import pytest

from minutes.normalize import normalize_text
from minutes.transcribe.guards import normalize as fold
from tests.conftest import join_clips

VIVOS = [f"vi_vivos_VIVOSSPK01_R{n:03d}" for n in range(1, 31)]

pytestmark = pytest.mark.model


@pytest.mark.slow
def test_vivos_wer_is_not_made_worse(transcriber, data) -> None:
    samples, reference = join_clips(data, VIVOS)
    hypothesis = transcriber.transcribe(samples, language="vi").text
    before = jiwer.wer(fold(reference), fold(hypothesis))
    ref_n, hyp_n = normalize_text(reference, "vi"), normalize_text(hypothesis, "vi")
    after = jiwer.wer(fold(ref_n), fold(hyp_n))
    assert after <= before + 1e-9
    # read speech with no numbers in it: "một cách", "một trong những", "một cọc tiền" stay as they were said
    assert fold(ref_n) == fold(reference)
    assert "một trong những" in ref_n and "một cách" in ref_n
