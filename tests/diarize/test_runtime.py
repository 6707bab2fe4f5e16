"""ONNX Runtime runs the diarization networks with PyTorch's results, and PyTorch stays whenever it cannot."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from minutes.audio import load
from minutes.diarize import runtime
from minutes.diarize.campplus import CAMPPlusEmbedding, fbank

pytestmark = pytest.mark.model


def test_the_default_diarizer_runs_both_networks_on_onnx(diarizer):
    assert diarizer.embedding_model._onnx is not None
    assert diarizer.segmentation_model.forward.__name__ == "forward" and not hasattr(
        diarizer.segmentation_model.forward, "__self__"
    ), "segmentation's forward should be the ONNX wrapper, not the bound PyTorch method"


def test_onnx_embeddings_of_real_speech_equal_pytorch(diarizer, data):
    model = diarizer.embedding_model
    audio = torch.from_numpy(load(data / "audio" / "conv_pyannote_sample.wav"))
    for start, end in [(10.78, 14.18), (21.93, 28.42), (0.0, 0.6)]:  # two voices, and a very short stretch
        feats = fbank(audio[int(start * 16000) : int(end * 16000)])
        with torch.inference_mode():
            onnx = model.embed(feats)
            eager = model.net(feats.unsqueeze(0))[0]
        assert torch.cosine_similarity(onnx, eager, dim=0) > 0.9999


def test_onnx_segmentation_of_a_real_window_equals_pytorch(diarizer, data):
    model = diarizer.segmentation_model
    window = torch.from_numpy(load(data / "audio" / "ami_pyannote_dev00.wav")[:160000].copy())[None, None]
    with torch.inference_mode():
        onnx = model(window)
        eager = type(model).forward(model, window)
    assert onnx.shape == eager.shape
    assert float(torch.exp(onnx).sub(torch.exp(eager)).abs().max()) < 1e-4  # powerset probabilities


@pytest.fixture
def weights_copy(tmp_path):
    from minutes.catalog import ModelManager

    source = ModelManager().path("campplus") / "campplus_cn_en_common.pt"
    target = tmp_path / source.name
    shutil.copyfile(source, target)
    return target


def test_a_model_folder_that_cannot_be_written_keeps_pytorch(weights_copy, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(runtime, "export", read_only)  # as root, chmod cannot make a folder read-only
    model = CAMPPlusEmbedding(weights_copy)
    assert model.use_onnx(weights_copy, threads=1) is False
    assert model.embed(fbank(torch.randn(16000) * 0.1)).shape == (192,)


def test_torch_backend_can_be_forced(weights_copy, monkeypatch):
    monkeypatch.setenv("MINUTES_DIARIZE_BACKEND", "torch")
    assert CAMPPlusEmbedding(weights_copy).use_onnx(weights_copy, threads=1) is False
    assert not list(weights_copy.parent.glob("*.onnx"))


def test_a_wrong_export_is_caught_and_pytorch_kept(weights_copy, monkeypatch):
    model = CAMPPlusEmbedding(weights_copy)
    assert model.use_onnx(weights_copy, threads=1)  # exported beside the weights, then reused
    (exported,) = weights_copy.parent.glob("campplus.v*.onnx")
    other = CAMPPlusEmbedding(None)  # random weights: its export must not pass for the real network
    monkeypatch.setattr(runtime, "onnx_path", lambda weights, name: exported)
    assert other.use_onnx(weights_copy, threads=1) is False
    feats = fbank(torch.randn(32000) * 0.1)
    with torch.inference_mode():
        assert np.allclose(other.embed(feats).numpy(), other.net(feats.unsqueeze(0))[0].numpy())
