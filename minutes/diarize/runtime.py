"""Runs the diarization networks on ONNX Runtime: the same weights, about a third less CPU than PyTorch eager.

Diarization time is almost all network inference (CAM++ embeddings about two thirds, segmentation-3.0 the rest),
on many small inputs where PyTorch's per-operator overhead is large. Each network is exported once to ONNX beside
its verified weights (a derived file, named after the weights' size and mtime so a reinstalled model is exported
again), and every session is checked against PyTorch on a real input before it is used: any difference, a
missing `onnx` package or a read-only model folder keeps PyTorch, which gives the same results, only slower.
`MINUTES_DIARIZE_BACKEND=torch` forces PyTorch.
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

EXPORT_VERSION = 1  # bump when the export itself changes, so cached files are made again
TOLERANCE = 1e-3  # float32 reorderings differ by ~1e-5; anything near 1e-3 is a wrong graph


def backend_wanted() -> bool:
    return os.environ.get("MINUTES_DIARIZE_BACKEND", "onnx").lower() != "torch"


def onnx_path(weights: Path, name: str) -> Path:
    stat = weights.stat()
    return weights.with_name(f"{name}.v{EXPORT_VERSION}-{stat.st_size}-{stat.st_mtime_ns}.onnx")


def export(module: Any, example: Any, path: Path, dynamic_axes: dict[str, dict[int, str]]) -> None:
    """`module` traced on `example` into `path`, written atomically (a crash leaves no half file)."""
    import torch

    fd, temp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".onnx", dir=path.parent)
    os.close(fd)
    try:
        # TracerWarnings about shapes baked in as constants: the session is checked on two lengths before use.
        with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                (example,),
                temp,
                input_names=["input"],
                output_names=["output"],
                dynamic_axes=dynamic_axes,
                dynamo=False,  # the TorchScript exporter: no onnxscript dependency, handles the LSTM
                opset_version=17,
            )
        os.chmod(temp, 0o644)  # mkstemp's 0600 would hide it from other users of a shared model folder
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.remove(temp)


def session_for(
    module: Any,
    weights: Path,
    name: str,
    examples: list[Any],
    dynamic_axes: dict[str, dict[int, str]],
    threads: int,
) -> Callable[[np.ndarray], np.ndarray] | None:
    """A function running `module`'s ONNX export on a numpy input, or None when PyTorch must stay.

    The first example is traced; every example (give one of another length when a length axis is dynamic)
    must give PyTorch's output within TOLERANCE.
    """
    if not backend_wanted():
        return None
    try:
        import onnxruntime as ort
        import torch

        module.eval()  # pyannote's from_pretrained hands back a model in training mode (dropout on)
        path = onnx_path(weights, name)
        if not path.is_file():
            export(module, examples[0], path, dynamic_axes)
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        # No busy-waiting between the many small calls: it only burns a core another process may need.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

        def run(array: np.ndarray) -> np.ndarray:
            return session.run(None, {"input": np.ascontiguousarray(array, dtype=np.float32)})[0]

        with torch.inference_mode():
            for example in examples:
                expected = module(example).numpy()
                got = run(example.numpy())
                if got.shape != expected.shape or float(np.abs(got - expected).max()) > TOLERANCE:
                    log.warning("ONNX %s differs from PyTorch; diarizing with PyTorch", name)
                    return None
        return run
    except Exception as exc:  # a missing package, a read-only cache, an exporter limit: all mean "stay on torch"
        log.info("ONNX Runtime not used for %s (%s: %s)", name, type(exc).__name__, exc)
        return None
