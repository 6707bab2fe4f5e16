"""minutes: offline-first meeting minutes. Audio -> transcript -> speakers -> minutes -> Word.

Library use:

    from minutes import Transcriber
    transcript = Transcriber("base").transcribe("meeting.m4a", language="vi")
    print(transcript.text)
"""

import os

# OpenMP threads that spin while waiting make torch 30-100x slower as soon as another process wants the same
# cores (measured: CAM++ 0.1 s -> 3-8 s per embedding on a busy 2-core laptop). Must be set before torch,
# CTranslate2 or the e5 engine load their OpenMP runtime.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from minutes.errors import MinutesError
from minutes.model import Segment, Transcript, Word

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # Keep `import minutes` light: the ASR stack (ctranslate2, onnxruntime) loads only when asked for.
    if name in ("Transcriber", "TranscribeOptions"):
        from minutes import transcribe

        return getattr(transcribe, name)
    raise AttributeError(name)


__all__ = ["MinutesError", "Segment", "TranscribeOptions", "Transcriber", "Transcript", "Word", "__version__"]
