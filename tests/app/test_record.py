"""Recording a meeting in the app, for real: speech played into a private PulseAudio null sink is recorded from
its monitor through PortAudio (as in tests/capture), with the live transcript, pause/resume and stop; the session
then becomes a meeting, processed and reviewed like an opened recording."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.app.conftest import ROOT, AppServer
from tests.app.test_review import wait_until
from tests.capture.conftest import pulse  # noqa: F401  (the fixture: a private PulseAudio with a null sink)
from tests.capture.helpers import play

SPEECH = ROOT / "samples" / "jfk.flac"  # 11 s: "... ask not what your country can do for you ..."

pytestmark = [pytest.mark.slow, pytest.mark.model]


def test_a_meeting_recorded_in_the_app(pulse: Path, browser: Any, tmp_path: Path, base_model_dir: Path):  # noqa: F811
    server = AppServer(tmp_path / "meetings").start()  # started after `pulse`: it hears that sound server
    page = browser.new_page()
    player = None
    try:
        page.goto(server.url.replace("/?", "/record?"))
        page.select_option("#device", label="pulse")
        page.fill("#r-title", "Giao ban")
        page.select_option("#r-language", "en")
        page.click("#record-start")
        page.wait_for_selector("#recording:not([hidden])", timeout=120_000)
        page.click("#record-pause")
        wait_until(page, "document.getElementById('record-pause').textContent === 'Resume'")
        assert server.request("GET", "/api/record").json()["paused"]
        page.click("#record-pause")
        wait_until(page, "document.getElementById('record-pause').textContent === 'Pause'")
        player = play(SPEECH)
        # the meter moves while the clip plays (read during playback: on a slow machine the transcript below can
        # arrive after the clip has ended, when the meter rightly reads silence)
        loudest = -100.0
        while player.poll() is None and loudest <= -60:
            loudest = max(loudest, server.request("GET", "/api/record").json()["level_dbfs"])
            time.sleep(0.2)
        assert loudest > -60
        # the live transcript shows words while the meeting goes on
        wait_until(page, "/country/i.test(document.getElementById('live').textContent)", timeout=120)
        player.wait(60)
        time.sleep(1.0)
        page.click("#record-stop")
        page.wait_for_url("**/m/*")
        meeting = page.url.rsplit("/", 1)[1]
        page.wait_for_selector("body[data-ready='1']", timeout=600_000)  # processed as an opened recording
        assert "country" in page.locator("#transcript").inner_text().lower()
        folder = server.meetings / meeting
        assert json.loads((folder / "manifest.json").read_text())["status"] == "stopped"
        assert (folder / "recording.wav").is_file() and (folder / "live.json").is_file()
        listed = {m["id"]: m for m in server.request("GET", "/api/meetings").json()}
        assert listed[meeting]["title"] == "Giao ban" and listed[meeting]["status"] == "ready"
        assert listed[meeting]["duration"] > 10
    finally:
        if player is not None:
            player.kill()
        page.close()
        server.stop()


def test_a_recording_survives_the_app_being_killed(pulse: Path, tmp_path: Path, base_model_dir: Path):  # noqa: F811
    from minutes import audio

    server = AppServer(tmp_path / "meetings").start()
    player = play(SPEECH)
    try:
        started = server.request("POST", "/api/record/start", {"device": "pulse", "title": "Mất điện"})
        assert started.status == 201, started.body
        session = started.json()["session"]
        time.sleep(5.0)
        server.kill()  # kill -9 mid-meeting: no chance to finish the recording
    finally:
        player.kill()
    again = AppServer(server.meetings).start()  # rebuilds the recording from its fsynced segments
    try:
        listed = {m["id"]: m for m in again.request("GET", "/api/meetings").json()}
        assert listed[session]["status"] == "new" and listed[session]["title"] == "Mất điện"
        kept = audio.load(server.meetings / session / "recording.wav")
        assert 3.5 <= len(kept) / audio.SAMPLE_RATE <= 6.0  # at most about a second lost
        assert json.loads((server.meetings / session / "manifest.json").read_text())["status"] == "recovered"
    finally:
        again.stop()
