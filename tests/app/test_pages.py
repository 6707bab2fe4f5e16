"""The pages around the review, in the real Chromium: the meetings list, the New meeting form's messages, and the
Vietnamese interface. No model runs here: uploads are real, processing is not started."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from minutes.app.i18n import TEXT
from tests.app.conftest import SAMPLE, AppServer, upload


def test_both_languages_have_every_string():
    assert set(TEXT["vi"]) == set(TEXT["en"])
    assert all(TEXT["vi"][k] for k in TEXT["vi"])


def test_meetings_are_listed_renamed_and_deleted_in_the_browser(app_server: AppServer, browser: Any):
    first = upload(app_server, SAMPLE).json()["id"]
    second = upload(app_server, SAMPLE).json()["id"]
    page = browser.new_page()
    try:
        page.goto(app_server.url)
        rows = page.locator("#meetings tbody tr")
        assert rows.count() == 2
        assert page.locator(f"tr[data-id='{first}'] td.num").inner_text() == "0:57"  # the recording's length
        page.once("dialog", lambda dialog: dialog.accept("Giao ban tháng 12"))
        page.click(f"tr[data-id='{first}'] button.rename")
        page.wait_for_selector(f"tr[data-id='{first}'] .meeting-title:text-is('Giao ban tháng 12')")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click(f"tr[data-id='{second}'] button.delete")
        page.wait_for_selector(f"tr[data-id='{second}']", state="detached")
        listed = app_server.request("GET", "/api/meetings").json()
        assert [(m["id"], m["title"]) for m in listed] == [(first, "Giao ban tháng 12")]
        trash = app_server.meetings / ".trash"
        assert [p.name.startswith(second) for p in trash.iterdir()] == [True]  # moved, not destroyed
        page.reload()
        assert page.locator("#meetings tbody tr").count() == 1
    finally:
        page.close()


def test_the_form_says_clearly_what_is_wrong_with_a_file(browser: Any, tmp_path: Path):
    server = AppServer(tmp_path / "meetings", "--max-upload-mb", "1").start()
    page = browser.new_page()
    try:
        page.goto(server.url.replace("/?", "/new?"))
        assert not page.is_visible("#template-file")
        page.select_option("select[name=template]", "template.docx")  # the secretary's own .docx
        assert page.is_visible("#template-file")
        page.set_input_files("#recording", str(SAMPLE))
        page.click("#start")  # no template chosen yet: said before anything is uploaded
        page.wait_for_selector("#form-error:text('{{content}}')")
        assert [p for p in server.meetings.iterdir() if not p.name.startswith(".")] == []
        page.select_option("select[name=template]", "auto")
        notes = tmp_path / "notes.txt"
        notes.write_text("agenda: budget, training\n")
        page.set_input_files("#recording", str(notes))
        page.click("#start")
        page.wait_for_selector("#form-error:not([hidden])")
        assert "notes.txt is not a recording" in page.inner_text("#form-error")

        disguised = tmp_path / "minutes.flac"
        disguised.write_bytes(b"not audio at all" * 1000)
        page.set_input_files("#recording", str(disguised))
        page.click("#start")
        page.wait_for_selector("#form-error:text('minutes can read')")

        big = tmp_path / "long.flac"
        big.write_bytes(os.urandom(1024 * 1024 + 10))
        page.set_input_files("#recording", str(big))  # said at once, before any upload
        assert "MB" in page.inner_text("#form-error") and page.is_visible("#form-error")
        page.click("#start")
        page.wait_for_selector("#form-error:text('upload limit')")
        assert [p for p in server.meetings.iterdir() if not p.name.startswith(".")] == []
    finally:
        page.close()
        server.stop()


def test_the_app_speaks_vietnamese(browser: Any, tmp_path: Path):
    server = AppServer(tmp_path / "meetings", env={"LANG": "vi_VN.UTF-8", "LC_ALL": ""}).start()
    page = browser.new_page()
    try:
        page.goto(server.url)  # the system language is Vietnamese
        assert page.get_attribute("html", "lang") == "vi" and page.inner_text("#new-meeting") == "Cuộc họp mới"
        page.click("#switch-language")
        assert page.get_attribute("html", "lang") == "en" and page.inner_text("#new-meeting") == "New meeting"
        page.click("#new-meeting")
        page.click("#switch-language")  # and back, staying on the same page
        assert page.url.endswith("/new") and page.inner_text("#start") == "Tải lên và xử lý"
    finally:
        page.close()
        server.stop()


def test_a_meeting_takes_its_own_word_template_and_refuses_a_broken_one(app_server: AppServer, tmp_path: Path):
    from tests.conftest import ROOT

    meeting = upload(app_server, SAMPLE).json()["id"]
    notes = b"agenda: budget"
    headers = {"content-type": "application/octet-stream", "x-filename": "mau.docx"}
    refused = app_server.request("POST", f"/api/meetings/{meeting}/template", notes, headers=headers)
    assert refused.status == 415 and "mau.docx is not a Word template" in refused.json()["error"]
    assert not (app_server.meetings / meeting / "template.docx").exists()
    without = app_server.request(
        "POST", f"/api/meetings/{meeting}/process", {"details": {}, "template": "template.docx"}
    )
    assert without.status == 400 and "upload the Word template first" in without.json()["error"]
    own = (ROOT / "templates" / "general.docx").read_bytes()
    taken = app_server.request("POST", f"/api/meetings/{meeting}/template", own, headers=headers)
    assert taken.status == 201 and (app_server.meetings / meeting / "template.docx").read_bytes() == own
