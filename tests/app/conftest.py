"""The app as a secretary meets it: `minutes app` started as a real process on 127.0.0.1, driven over HTTP and
through the Debian Chromium with Playwright (no browser download: CI installs the `chromium` package)."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, missing

MINUTES = [sys.executable, "-c", "import cli; cli.main()"]
CHROMIUM = os.environ.get("MINUTES_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SAMPLE = ROOT / "samples" / "meeting.flac"
SAMPLE_META = ROOT / "samples" / "meeting.yaml"


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


class AppServer:
    """`minutes app --no-browser` in its own process; `kill()` is a kill -9 (no chance to tidy up)."""

    def __init__(self, meetings: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.meetings = meetings
        self.args = args
        # voice profiles saved in a test go to a throwaway folder, never the user's
        speakers = {"MINUTES_SPEAKERS_DIR": str(meetings.parent / "speakers")}
        self.env = {**os.environ, **speakers, **(env or {})}
        self.proc: subprocess.Popen[str] | None = None
        self.url = self.base = self.token = ""

    def start(self, timeout: float = 60) -> AppServer:
        command = [*MINUTES, "app", "--no-browser", "--port", "0", "--meetings-dir", str(self.meetings), *self.args]
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""  # the URL, printed once the port is bound
        found = re.search(r"(http://[^/\s]+)/\?token=(\S+)", line)
        if not found:
            self.stop()
            raise AssertionError(
                f"no URL from minutes app: {line!r} {self.proc.stderr.read() if self.proc.stderr else ''}"
            )
        self.url, self.base, self.token = found.group(0), found.group(1), found.group(2)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # the URL is printed just before uvicorn starts answering
            try:
                if self.request("GET", "/api/meetings").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("minutes app did not answer")

    def request(
        self,
        method: str,
        path: str,
        body: bytes | dict[str, Any] | None = None,
        *,
        token: bool = True,
        origin: str | None = "own",
        headers: dict[str, str] | None = None,
    ) -> Response:
        """A request as the app's own page makes it (cookie + Origin) unless told otherwise."""
        sent = dict(headers or {})
        if token:
            sent["cookie"] = f"minutes_token_{self.base.rsplit(':', 1)[1]}={self.token}"
        if origin == "own":
            sent["origin"] = self.base
        elif origin:
            sent["origin"] = origin
        data = body
        if isinstance(body, dict):
            data = json.dumps(body).encode()
            sent.setdefault("content-type", "application/json")
        # http.client, not urllib: no redirect is followed and nothing is added or normalised behind the test's back
        host, port = self.base.removeprefix("http://").rsplit(":", 1)
        connection = http.client.HTTPConnection(host, int(port), timeout=120)
        try:
            connection.request(method, path, body=data, headers=sent)  # type: ignore[arg-type]
            answer = connection.getresponse()
            return Response(answer.status, answer.read(), {k.lower(): v for k, v in answer.getheaders()})
        finally:
            connection.close()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def app_server(tmp_path: Path) -> Iterator[AppServer]:
    server = AppServer(tmp_path / "meetings").start()
    yield server
    server.stop()


def upload(server: AppServer, path: Path, content_type: str = "audio/flac") -> Response:
    headers = {"content-type": content_type, "x-filename": path.name}
    return server.request("POST", "/api/upload", path.read_bytes(), headers=headers)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed: pip install -e '.[app]' (scripts/setup.sh does)")
    if not Path(CHROMIUM).exists():
        missing("Chromium is not installed: apt-get install chromium (.ci/run does)")
    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"]
        )
        yield launched
        launched.close()
