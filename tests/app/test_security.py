"""Only this machine's browser, holding the session token, on the app's own origin, inside the meetings folder.

Every refused request is also checked to have changed nothing on disk.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.app.conftest import SAMPLE, AppServer, upload
from tests.test_cli import assert_one_line_error, run


def snapshot(folder: Path) -> dict[str, tuple[int, float]]:
    return {str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime) for p in sorted(folder.rglob("*"))}


def test_without_the_token_nothing_is_served_or_changed(app_server: AppServer):
    before = snapshot(app_server.meetings)
    for method, path in [("GET", "/"), ("GET", "/api/meetings"), ("GET", "/static/review.js"), ("POST", "/api/upload")]:
        answer = app_server.request(method, path, b"x" if method == "POST" else None, token=False)
        assert answer.status == 403, (method, path)
    wrong = app_server.request("GET", "/?token=not-the-token", token=False)
    assert wrong.status == 403 and "link" in wrong.json()["error"]
    assert snapshot(app_server.meetings) == before

    # the link the app printed: its token becomes a cookie the page's scripts cannot read, sent to this site only
    opened = app_server.request("GET", f"/?token={app_server.token}", token=False)
    assert opened.status == 303 and opened.headers["location"] == "/"
    cookie = opened.headers["set-cookie"]
    assert app_server.token in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = app_server.request("GET", "/")
    assert page.status == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    for elsewhere in ["//evil.example/", "/%5Cevil.example/", "https://evil.example/"]:  # the language switch
        assert app_server.request("GET", f"/lang/vi?next={elsewhere}").headers["location"] == "/"
    assert app_server.request("GET", "/lang/vi?next=/new").headers["location"] == "/new"


def test_a_foreign_origin_or_host_changes_nothing(app_server: AppServer):
    created = upload(app_server, SAMPLE)
    assert created.status == 201, created.body
    meeting = created.json()["id"]
    before = snapshot(app_server.meetings)
    evil = "http://evil.example"
    for path, body in [
        (f"/api/meetings/{meeting}/rename", {"title": "pwned"}),
        (f"/api/meetings/{meeting}/delete", {}),
    ]:
        assert app_server.request("POST", path, body, origin=evil).status == 403
        assert app_server.request("POST", path, body, origin="null").status == 403
        assert app_server.request("POST", path, body, origin=None).status == 403  # cookie alone is not enough
    # a DNS-rebinding page reaches 127.0.0.1 under its own name: the Host header gives it away
    rebound = app_server.request("GET", "/api/meetings", headers={"host": "evil.example"})
    assert rebound.status == 403
    assert app_server.request("POST", "/api/upload", SAMPLE.read_bytes(), origin=evil).status == 403
    assert snapshot(app_server.meetings) == before
    # the same requests from the app's own page do work
    assert app_server.request("POST", f"/api/meetings/{meeting}/rename", {"title": "Planning"}).status == 200
    assert [m["title"] for m in app_server.request("GET", "/api/meetings").json()] == ["Planning"]


def test_paths_outside_the_meetings_folder_are_refused(app_server: AppServer, tmp_path: Path):
    meeting = upload(app_server, SAMPLE).json()["id"]
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.flac"
    secret.write_bytes(SAMPLE.read_bytes())
    record = {"id": "evil", "title": "evil", "recording": "secret.flac", "status": "ready"}
    (outside / "meeting.json").write_text(json.dumps(record))
    (app_server.meetings / "evil").symlink_to(outside, target_is_directory=True)  # a folder that leads outside
    folder = app_server.meetings / meeting
    (folder / "export").mkdir()
    (folder / "export" / "leak.docx").symlink_to(secret)  # a file that leads outside
    before, outside_before = snapshot(app_server.meetings), snapshot(outside)

    for path in [
        "/api/meetings/../../etc/passwd",
        "/api/meetings/%2E%2E%2F%2E%2E%2Fetc/state",
        "/api/meetings/%2Fetc%2Fpasswd/audio",
        f"/api/meetings/{meeting}/file/../meeting.json",
        f"/api/meetings/{meeting}/file/%2Fetc%2Fpasswd",
        f"/api/meetings/{meeting}/file/export/..%2F..%2F..%2Fsecret.flac",
        f"/api/meetings/{meeting}/file/export/leak.docx",
        "/api/meetings/evil/audio",
        "/api/meetings/evil/state",
        "/static/../meeting.json",
        "/static/%2E%2E/server.py",
    ]:
        answer = app_server.request("GET", path)
        assert answer.status in (403, 404), (path, answer.status)
        assert b"fLaC" not in answer.body and b"root:" not in answer.body, path
    for path in ["/api/meetings/evil/delete", "/api/meetings/evil/rename", f"/api/meetings/..%2F{meeting}/delete"]:
        assert app_server.request("POST", path, {"title": "x"}).status in (403, 404), path
    assert [m["id"] for m in app_server.request("GET", "/api/meetings").json()] == [meeting]  # the link is not listed
    assert snapshot(app_server.meetings) == before and snapshot(outside) == outside_before


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_a_non_loopback_address_is_refused_without_the_flag(host: str, tmp_path: Path):
    proc = run("app", "--no-browser", "--host", host, "--meetings-dir", tmp_path / "m")
    assert_one_line_error(proc, f"refusing to listen on {host}", "--allow-remote")
    assert not (tmp_path / "m").exists()


def test_oversize_and_non_audio_uploads_get_a_clear_message(tmp_path: Path):
    server = AppServer(tmp_path / "meetings", "--max-upload-mb", "1").start()
    try:
        big = tmp_path / "long.flac"
        big.write_bytes(os.urandom(1024 * 1024 + 1))
        answer = upload(server, big)
        assert answer.status == 413 and "larger than the 1 MB upload limit" in answer.json()["error"]
        # a client that hides the length (chunked upload) is stopped at the limit too
        chunked = server.request(
            "POST", "/api/upload", iter([big.read_bytes()]), headers={"content-type": "audio/flac"}
        )
        assert chunked.status == 413, chunked.body

        notes = tmp_path / "notes.txt"
        notes.write_text("agenda: budget, training\n")
        answer = upload(server, notes, content_type="text/plain")
        assert answer.status == 415 and "notes.txt is not a recording (text/plain)" in answer.json()["error"]
        disguised = tmp_path / "notes.mp3"  # named like audio, is not: the decoder decides
        disguised.write_text("agenda: budget, training\n" * 100)
        answer = upload(server, disguised, content_type="audio/mpeg")
        assert answer.status == 415 and "notes.mp3 is not a recording minutes can read" in answer.json()["error"]
        assert [p for p in server.meetings.iterdir() if not p.name.startswith(".")] == []  # nothing left behind

        assert upload(server, SAMPLE).status == 201  # a real recording under the limit is taken
    finally:
        server.stop()


def test_with_allow_remote_the_token_and_origin_still_guard():
    """The Guard alone (no socket: tests stay on loopback) as `--host 0.0.0.0 --allow-remote` sets it up."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from minutes.app.security import Guard

    reached: list[str] = []

    async def app(scope, receive, send):
        reached.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    guard = Guard(app, port=8000, host="0.0.0.0")

    def call(method: str, host: str, origin: str | None = None, token: str | None = guard.token) -> int:
        headers = [(b"host", host.encode())]
        headers += [(b"cookie", f"{guard.cookie}={token}".encode())] if token else []
        headers += [(b"origin", origin.encode())] if origin else []
        scope = {"type": "http", "method": method, "path": "/x", "query_string": b"", "headers": headers}
        sent: list[dict] = []

        async def send(message):
            sent.append(message)

        # in a thread of its own: Playwright's sync API may hold this thread's event loop
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, guard(scope, None, send)).result()
        return sent[0]["status"]

    assert call("GET", "192.0.2.7:8000") == 200  # reached by the machine's LAN address
    assert call("POST", "192.0.2.7:8000", origin="http://192.0.2.7:8000") == 200
    assert call("POST", "192.0.2.7:8000", origin="http://evil.example") == 403
    assert call("GET", "192.0.2.7:8000", token=None) == 403
    assert call("GET", "192.0.2.7:9999") == 403  # not this app
    assert reached == ["/x", "/x"]
    loopback = Guard(app, port=8000)
    assert loopback.host_allowed("127.0.0.1:8000") and not loopback.host_allowed("192.0.2.7:8000")


def test_a_busy_port_or_an_unusable_folder_is_one_line(app_server: AppServer, tmp_path: Path):
    port = app_server.base.rsplit(":", 1)[1]
    assert_one_line_error(run("app", "--no-browser", "--port", port, "--meetings-dir", tmp_path / "m"), f":{port}")
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("x")
    proc = run("app", "--no-browser", "--meetings-dir", not_a_folder)
    assert_one_line_error(proc, "cannot use", "as the meetings folder", "--meetings-dir")
