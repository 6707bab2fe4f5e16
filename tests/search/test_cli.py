"""`minutes index` and `minutes search` as a user runs them: real e5, real Vietnamese transcripts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MINUTES = [sys.executable, "-c", "import cli; cli.main()"]


def run(*args: str | Path, index: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MINUTES_INDEX": str(index)}
    return subprocess.run(
        [*MINUTES, *map(str, args)], capture_output=True, text=True, cwd=ROOT, env=env, timeout=600, check=False
    )


def test_search_without_an_index_is_one_error_line(tmp_path):
    proc = run("search", "ngân sách", index=tmp_path / "none.sqlite")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("minutes: error:")]
    assert len(lines) == 1 and "minutes index" in lines[0], proc.stderr


@pytest.mark.model
def test_index_then_search_vietnamese_without_diacritics(tmp_path, vivos, vivos_archive, e5_encoder):
    (vivos_archive / "broken.transcript.json").write_text("{not json", encoding="utf-8")
    db = tmp_path / "index.sqlite"
    proc = run("index", vivos_archive, index=db)
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "broken.transcript.json" in warnings[0], proc.stderr
    assert "3 indexed" in proc.stderr

    target = "trong số các quốc gia công nghiệp phát triển"
    proc = run("search", "cac quoc gia cong nghiep", "--json", "-n", "3", index=db)
    assert proc.returncode == 0, proc.stderr
    hits = json.loads(proc.stdout)
    assert target in hits[0]["text"]
    assert "**công** **nghiệp**" in hits[0]["marked"]
    assert hits[0]["meeting_id"].endswith("hop_0.transcript.json")
    assert hits[0]["start"] is not None and hits[0]["end"] > hits[0]["start"]

    proc = run("search", "công nghiệp", "--speaker", "Minh", "--json", index=db)
    assert all(h["speakers"] for h in json.loads(proc.stdout))
    assert all("Minh" in h["speakers"] for h in json.loads(proc.stdout))

    proc = run("search", "quốc gia công nghiệp", index=db)  # the human-readable listing
    assert proc.returncode == 0 and "hop_0" in proc.stdout and target.split()[-1] in proc.stdout


def test_a_file_that_is_no_index_and_a_missing_folder_are_one_error_line_each(tmp_path):
    bad = tmp_path / "notes.sqlite"
    bad.write_text("meeting notes, not a database\n", encoding="utf-8")
    empty = tmp_path / "recordings"  # a folder with no transcripts in it (the wrong folder, or not processed yet)
    empty.mkdir()
    (empty / "meeting.wav").write_bytes(b"RIFF")
    for proc, fragment in (
        (run("search", "budget", "--index", bad, index=tmp_path / "unused.sqlite"), "not a search index"),
        (run("index", tmp_path / "nowhere", index=tmp_path / "i.sqlite"), "no such file or folder"),
        (run("index", empty, index=tmp_path / "i.sqlite"), "no meeting transcripts"),
    ):
        assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
        lines = [line for line in proc.stderr.splitlines() if line.startswith("minutes: error:")]
        assert len(lines) == 1 and fragment in lines[0], proc.stderr
    assert bad.read_text(encoding="utf-8") == "meeting notes, not a database\n"  # never overwritten
