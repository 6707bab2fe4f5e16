"""The CAM++ network: weights load strictly, and it tells voices apart on real speech."""

from __future__ import annotations

import pytest
import torch

from minutes.audio import load

pytestmark = pytest.mark.model


def test_same_voice_is_closer_than_another_voice(diarizer, data):
    model = diarizer.embedding_model
    audio = torch.from_numpy(load(data / "audio" / "conv_pyannote_sample.wav"))

    def embed(start: float, end: float) -> torch.Tensor:
        with torch.inference_mode():
            return model(audio[None, None, int(start * 16000) : int(end * 16000)])[0]

    diane_1, diane_2 = embed(10.78, 14.18), embed(17.79, 21.47)  # from the STM reference
    sheila = embed(21.93, 28.42)
    same = torch.cosine_similarity(diane_1, diane_2, dim=0)
    other = torch.cosine_similarity(diane_1, sheila, dim=0)
    assert same > other + 0.2


def test_too_short_input_raises_for_pyannote_to_probe(diarizer):
    with pytest.raises(ValueError, match="samples"):
        diarizer.embedding_model(torch.zeros(1, 1, 100))
