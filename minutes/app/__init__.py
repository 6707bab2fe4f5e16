"""`minutes app`: the secretary's browser app, served from this machine to this machine's browser.

Open a recording, follow its processing, review the transcript against the audio, correct the minutes and export
the Word document. Everything runs locally: every script and style ships in this package, and the server only
answers this machine (see `security`).
"""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

from minutes.app.security import Guard, bind_socket, check_bind
from minutes.errors import UsageError

DEFAULT_MEETINGS_DIR = Path.home() / "Minutes"


def serve(
    meetings_dir: Path = DEFAULT_MEETINGS_DIR,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    allow_remote: bool = False,
    open_browser: bool = True,
    max_upload_mb: int = 4096,
    model: str | None = None,
    threads: int = 0,
    drafter: str = "extractive",
    announce: Callable[[str], None] = print,
) -> None:
    """Serve until interrupted. `announce` gets the URL (with the session token) once the port is bound."""
    check_bind(host, allow_remote)  # before anything is imported or bound
    meetings_dir = meetings_dir.expanduser()
    try:
        meetings_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or exc
        raise UsageError(
            f"cannot use {meetings_dir} as the meetings folder ({reason}): choose another with --meetings-dir"
        ) from None
    import uvicorn

    from minutes.app.server import AppConfig, create_app

    config = AppConfig(
        meetings_dir.expanduser(), max_upload_mb * 1024**2, model=model, threads=threads, drafter=drafter
    )
    sock = bind_socket(host, port)
    bound = sock.getsockname()[1]
    guard = Guard(create_app(config), port=bound, host=host)
    local = host in ("0.0.0.0", "::", "[::]")  # every address: this machine's browser still uses loopback
    shown = "127.0.0.1" if local else f"[{host.strip('[]')}]" if ":" in host else host
    url = f"http://{shown}:{bound}/?token={guard.token}"
    announce(url)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    server = uvicorn.Server(uvicorn.Config(guard, log_level="warning", lifespan="off"))
    server.run(sockets=[sock])


__all__ = ["DEFAULT_MEETINGS_DIR", "serve"]
