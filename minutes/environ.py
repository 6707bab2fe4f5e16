"""Environment variables set for one step (a library that reads them as it loads, a child process) and put back."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def restored_environ(*keys: str) -> Iterator[None]:
    """Whatever the block does to these variables is undone afterwards (set ones get their old value back, unset
    ones are removed), so a choice made for one library or worker does not leak into the rest of the process."""
    saved = {key: os.environ.get(key) for key in keys}
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
