"""The main job end to end: `minutes run` on real audio writes draft minutes a secretary can open and check."""

from __future__ import annotations

import os
import re
import subprocess
import unicodedata
from pathlib import Path

import docx
import numpy as np
import pytest

from minutes.errors import UsageError
from minutes.job import choose_template, load_meta, meeting_from
from minutes.model import Minutes, Transcript
from tests.conftest import ROOT, join_clips, soffice_pdf
from tests.test_cli import MINUTES, assert_one_line_error, run, write_wav

SPAN = re.compile(r"\[(\d+):(\d\d)(?::(\d\d))?–(\d+):(\d\d)(?::(\d\d))?\]")


def seconds(h_or_m: str, m_or_s: str, s: str | None) -> float:
    return int(h_or_m) * 3600 + int(m_or_s) * 60 + int(s) if s else int(h_or_m) * 60 + int(m_or_s)


def doc_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


# -- unit ---------------------------------------------------------------------------------------------------------


def test_meta_files_are_checked_with_one_line_errors(tmp_path):
    good = tmp_path / "m.yaml"
    good.write_text("title: Họp giao ban\nattendees: [An, Bình]\nstart_time: '08:00'\n", encoding="utf-8")
    meeting = load_meta(good)
    assert meeting.title == "Họp giao ban" and meeting.attendees == ["An", "Bình"] and meeting.start_time == "08:00"
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(UsageError, match="not valid YAML"):
        load_meta(bad)
    with pytest.raises(UsageError, match="no such meta file"):
        load_meta(tmp_path / "none.yaml")
    with pytest.raises(UsageError, match=r"unknown meeting field.*titel"):
        meeting_from({"titel": "x"})
    scalar = tmp_path / "s.yaml"
    scalar.write_text("just a string\n", encoding="utf-8")
    with pytest.raises(UsageError, match="key: value"):
        load_meta(scalar)


def test_template_follows_the_language_unless_chosen():
    assert choose_template("auto", "vi") == "bien-ban"
    assert choose_template("auto", "en") == "general"
    assert choose_template("general", "vi") == "general"


# -- the README's main job ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory, base_model_dir):
    """Exactly the README's main-job command, with its output folder moved to a temporary one."""
    out = tmp_path_factory.mktemp("sample")
    proc = subprocess.run(
        [*MINUTES, "run", "samples/meeting.flac", "--meta", "samples/meeting.yaml", "-o", str(out / "meeting.docx")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ.copy(),
    )
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.model
@pytest.mark.slow
def test_sample_minutes_hold_header_attendees_and_checkable_items(sample_run):
    text = doc_text(sample_run / "meeting.docx")
    transcript = Transcript.from_json((sample_run / "meeting.transcript.json").read_text(encoding="utf-8"))
    minutes = Minutes.from_json((sample_run / "meeting.json").read_text(encoding="utf-8"))
    assert "Weekly planning meeting" in text and "Meeting room 2, Provincial Office" in text
    for name in ("Lan Nguyen", "Minh Tran", "David Le"):
        assert name in text
    items = [d for t in minutes.topics for d in t.decisions] + minutes.decisions
    items += [a for t in minutes.topics for a in t.action_items] + minutes.action_items
    assert items, "no decision or action item was drafted"
    for item in items:
        assert item.spans
        for span in item.spans:  # every time range points at speech in the transcript
            assert transcript.segments[0].start - 0.5 <= span.start < span.end <= transcript.segments[-1].end + 0.5
            assert any(s.start < span.end and span.start < s.end for s in transcript.segments), span
            assert f"{int(span.start) // 60:02d}:{int(span.start) % 60:02d}" in text
    assert len({s.speaker for s in transcript.segments}) == 3  # three voices in the sample


@pytest.mark.model
@pytest.mark.slow
def test_sample_minutes_convert_to_pdf_with_libreoffice(sample_run, tmp_path):
    pdf = soffice_pdf(sample_run / "meeting.docx", tmp_path)
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 2048


@pytest.mark.model
@pytest.mark.slow
def test_a_rerun_reuses_the_transcript(sample_run):
    proc = run("run", "samples/meeting.flac", "-o", sample_run / "meeting.docx", "--drafter", "extractive")
    assert proc.returncode == 0, proc.stderr
    assert "transcript reused" in proc.stderr


# -- Vietnamese: biên bản from real Vietnamese speech -------------------------------------------------------------


@pytest.mark.model
@pytest.mark.slow
def test_vietnamese_recording_gives_a_bien_ban(data, tmp_path, base_model_dir):
    items = [f"vi_vivos_VIVOSSPK01_R{n:03d}" for n in range(1, 31)]
    samples, _ = join_clips(data, items)
    recording = write_wav(tmp_path / "hop.wav", samples)
    out = tmp_path / "bien-ban.docx"
    proc = run(
        "run",
        recording,
        "-o",
        out,
        "--drafter",
        "extractive",
        "--title",
        "Họp giao ban tháng 11",
        "--chair",
        "Ông Nguyễn Văn An",
        "--secretary",
        "Bà Trần Thị Bình",
    )
    assert proc.returncode == 0, proc.stderr
    document = docx.Document(str(out))
    text = doc_text(out)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "BIÊN BẢN" in text and "Họp giao ban tháng 11" in text and "Ông Nguyễn Văn An" in text
    assert text == unicodedata.normalize("NFC", text)
    minutes = Minutes.from_json(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert minutes.language == "vi"
    body = " ".join(p.text for t in minutes.topics for p in t.summary) + " ".join(p.text for p in minutes.summary)
    assert re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", body.lower())
    section = document.sections[0]
    assert abs(section.page_width.mm - 210) < 0.5 and abs(section.left_margin.mm - 30) < 0.5
    assert document.styles["Normal"].font.name == "Times New Roman"


# -- bad input ----------------------------------------------------------------------------------------------------


def test_run_bad_inputs_give_one_line(tmp_path, data):
    jfk = data / "audio" / "en_jfk.wav"
    assert_one_line_error(run("run", tmp_path / "missing.wav"), "no such file")
    assert_one_line_error(run("run", jfk, "--meta", tmp_path / "none.yaml"), "no such meta file")
    broken = tmp_path / "broken.yaml"
    broken.write_text("title: [\n", encoding="utf-8")
    assert_one_line_error(run("run", jfk, "--meta", broken), "not valid YAML")
    assert_one_line_error(run("run", jfk, "--template", "fancy", "-o", tmp_path / "x.docx"), "fancy")
    plain = tmp_path / "plain.docx"
    document = docx.Document()
    document.add_paragraph("{{title}} only")
    document.save(str(plain))
    assert_one_line_error(run("run", jfk, "--template", plain, "-o", tmp_path / "x.docx"), "{{content}}")
    assert_one_line_error(run("run", jfk, "-o", tmp_path / "x.pdf"), "must end in .docx")


@pytest.mark.model
def test_a_recording_without_speech_gives_minutes_that_say_so(tmp_path, base_model_dir):
    silence = write_wav(tmp_path / "quiet.wav", np.zeros(5 * 16000, dtype=np.float32))
    proc = run("run", silence, "-o", tmp_path / "quiet.docx", "--language", "vi")
    assert proc.returncode == 0, proc.stderr
    assert "Không phát hiện lời nói" in doc_text(tmp_path / "quiet.docx")


def test_date_and_times_come_from_the_recording_unless_typed(tmp_path):
    """A meeting's minutes never say "Date: .........." when the recording knows when it was made."""
    import json
    from datetime import datetime

    import av

    from minutes.job import with_recording_times
    from minutes.model import MeetingInfo

    tone = np.zeros(16000, dtype=np.float32)
    plain = write_wav(tmp_path / "plain.wav", tone)  # no tag: the file's mtime is the end of the recording
    end = datetime(2026, 11, 25, 9, 30, 0).timestamp()
    os.utime(plain, (end, end))
    filled = with_recording_times(MeetingInfo(), plain, 1800.0)
    assert (filled.date, filled.start_time, filled.end_time) == ("2026-11-25", "09:00", "09:30")

    typed = with_recording_times(MeetingInfo(start_time="08:55"), plain, 1800.0)  # typed fields win
    assert (typed.date, typed.start_time, typed.end_time) == ("2026-11-25", "08:55", "09:30")
    other_day = with_recording_times(MeetingInfo(date="2026-12-24"), plain, 1800.0)  # a copy made later
    assert (other_day.start_time, other_day.end_time) == ("", "")

    session = tmp_path / "session"  # a `minutes record` session: its manifest knows the first sample's clock
    session.mkdir()
    recorded = write_wav(session / "recording.wav", tone)
    started = datetime(2026, 11, 20, 14, 5).astimezone().isoformat()
    (session / "manifest.json").write_text(json.dumps({"format": "minutes.recording", "started": started}))
    from_manifest = with_recording_times(MeetingInfo(), recorded, 600.0)
    assert (from_manifest.date, from_manifest.start_time, from_manifest.end_time) == ("2026-11-20", "14:05", "14:15")

    tagged = tmp_path / "phone.m4a"  # phones and recorders tag the container
    with av.open(str(tagged), "w") as container:
        container.metadata["creation_time"] = "2026-10-01T07:15:00Z"
        stream = container.add_stream("aac", rate=16000, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 16000), dtype=np.float32), format="fltp", layout="mono")
        frame.rate = 16000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    expected = datetime.fromisoformat("2026-10-01T07:15:00+00:00").astimezone()
    from_tag = with_recording_times(MeetingInfo(), tagged, 60.0)
    assert (from_tag.date, from_tag.start_time) == (expected.strftime("%Y-%m-%d"), expected.strftime("%H:%M"))
