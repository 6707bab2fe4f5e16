"""The `minutes` command as a user runs it: real model, real files, and every bad input gets one clear line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
import srt
import webvtt

from minutes.model import Transcript

MINUTES = [sys.executable, "-c", "import cli; cli.main()"]
ROOT = Path(__file__).resolve().parents[1]


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MINUTES, *map(str, args)], capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})}
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("minutes: error:")]
    assert len(errors) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


def write_wav(path: Path, samples: np.ndarray) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=16000, layout="mono")
        frame = av.AudioFrame.from_ndarray((samples * 32767).astype(np.int16)[None, :], format="s16", layout="mono")
        frame.rate = 16000
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def encode_mp3(source: Path, target: Path) -> Path:
    from minutes.audio import load

    samples = (load(source) * 32767).astype(np.int16)
    with av.open(str(target), "w") as container:
        stream = container.add_stream("libmp3lame", rate=16000, layout="mono")
        for start in range(0, len(samples), 1152):
            frame = av.AudioFrame.from_ndarray(samples[None, start : start + 1152], format="s16", layout="mono")
            frame.rate = 16000
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return target


def test_help_and_version():
    assert run("--help").returncode == 0
    assert "transcribe" in run("--help").stdout
    assert run("--version").stdout.startswith("minutes ")
    assert "--language" in run("transcribe", "--help").stdout
    assert "cited as [meeting, time]" in " ".join(run("ask", "--help").stdout.split())  # not eaten as a style tag


def test_brackets_in_a_file_name_are_printed_as_they_are(tmp_path):
    # rich markup would read "[draft]" as a style and "[/old]" as a closing tag (a traceback)
    name = "[/old] meeting [draft].wav"
    assert_one_line_error(run("transcribe", tmp_path / name), name)


@pytest.mark.model
def test_transcribe_jfk_prints_the_sentence_and_writes_parseable_outputs(data, tmp_path, base_model_dir):
    proc = run("transcribe", data / "audio" / "en_jfk.wav", "-o", tmp_path, "-f", "txt,srt,vtt,json,md")
    assert proc.returncode == 0, proc.stderr
    assert "ask not what your country can do for you" in proc.stdout.lower()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["en_jfk.json", "en_jfk.md", "en_jfk.srt", "en_jfk.txt", "en_jfk.vtt"]
    cues = list(srt.parse((tmp_path / "en_jfk.srt").read_text(encoding="utf-8")))
    assert cues and cues[0].start.total_seconds() >= 0 and "Americans" in " ".join(c.content for c in cues)
    vtt = webvtt.read(str(tmp_path / "en_jfk.vtt"))
    assert len(vtt.captions) == len(cues)
    text = (tmp_path / "en_jfk.json").read_text(encoding="utf-8")
    transcript = Transcript.from_json(text)
    assert transcript.to_json() == text  # exact round trip
    assert json.loads(text)["schema"] == "minutes.transcript" and transcript.words


@pytest.mark.model
def test_outputs_go_beside_the_input_without_overwriting_it(data, tmp_path, base_model_dir):
    audio = shutil.copy(data / "audio" / "en_jfk.wav", tmp_path / "talk.wav")
    proc = run("transcribe", audio, "-f", "txt", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "talk.txt").is_file() and (tmp_path / "talk.wav").read_bytes()[:4] == b"RIFF"


@pytest.mark.model
def test_a_read_only_input_folder_sends_outputs_to_the_current_folder(data, tmp_path, base_model_dir):
    folder = tmp_path / "archive"
    folder.mkdir()
    audio = shutil.copy(data / "audio" / "en_jfk.wav", folder / "talk.wav")
    folder.chmod(0o555)
    work = tmp_path / "work"
    work.mkdir()
    try:
        proc = subprocess.run(
            [*MINUTES, "transcribe", str(audio), "-f", "txt"],
            capture_output=True,
            text=True,
            cwd=work,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    finally:
        folder.chmod(0o755)
    assert proc.returncode == 0, proc.stderr
    assert (work / "talk.txt").is_file() and not (folder / "talk.txt").exists()


@pytest.mark.model
def test_silence_gives_an_empty_transcript(tmp_path, base_model_dir):
    silence = write_wav(tmp_path / "silence.wav", np.zeros(32000, dtype=np.float32))
    proc = run("transcribe", silence, "-o", tmp_path / "out", "-f", "txt,json")
    assert proc.returncode == 0, proc.stderr
    assert "no speech found" in proc.stdout
    assert (tmp_path / "out" / "silence.txt").read_text(encoding="utf-8").strip() == ""
    assert Transcript.from_json((tmp_path / "out" / "silence.json").read_text(encoding="utf-8")).segments == []


@pytest.mark.model
@pytest.mark.parametrize("case", ["missing", "empty", "text", "truncated-mp3", "directory-of-nothing"])
def test_bad_recordings_give_one_line(case, tmp_path, data, base_model_dir):
    path = tmp_path / "bad.wav"
    if case == "empty":
        path.write_bytes(b"")
    elif case == "text":
        path.write_text("minutes of the last meeting\n" * 20, encoding="utf-8")
    elif case == "truncated-mp3":
        mp3 = encode_mp3(data / "audio" / "en_jfk.wav", tmp_path / "full.mp3")
        path = tmp_path / "bad.mp3"
        path.write_bytes(mp3.read_bytes()[:200])
    elif case == "directory-of-nothing":
        path = tmp_path / "empty-folder"
        path.mkdir()
    proc = run("transcribe", path, "-o", tmp_path / "out")
    expected = {"directory-of-nothing": "no recordings found"}.get(case, path.name)
    assert_one_line_error(proc, expected)


@pytest.mark.model
def test_a_half_truncated_mp3_keeps_what_is_readable(tmp_path, data, base_model_dir):
    mp3 = encode_mp3(data / "audio" / "en_jfk.wav", tmp_path / "full.mp3")
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(mp3.read_bytes()[: mp3.stat().st_size // 2])
    proc = run("transcribe", cut, "-o", tmp_path / "out", "-f", "txt")
    assert proc.returncode == 0, proc.stderr
    assert "ask not" in proc.stdout.lower() and "Traceback" not in proc.stderr


@pytest.mark.model
def test_a_batch_goes_on_past_a_bad_file(tmp_path, data, base_model_dir):
    bad = tmp_path / "bad [draft].wav"
    bad.write_text("not audio", encoding="utf-8")
    good = data / "audio" / "en_librivox_ss01_0880.wav"
    proc = run("transcribe", bad, good, "-o", tmp_path / "out", "-f", "txt")
    assert proc.returncode == 3, proc.stderr  # some failed
    assert "Traceback" not in proc.stderr
    assert "1 transcribed, 1 failed" in proc.stderr
    assert "bad [draft].wav" in proc.stderr
    assert (tmp_path / "out" / "en_librivox_ss01_0880.txt").read_text(encoding="utf-8").strip()


def test_unknown_model_id(data, tmp_path):
    assert_one_line_error(run("transcribe", data / "audio" / "en_jfk.wav", "--model", "huge-v9"), "huge-v9", "base")


def test_a_model_file_with_a_wrong_hash_is_refused(data, tmp_path):
    cache = tmp_path / "cache"
    (cache / "base").mkdir(parents=True)
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"):
        (cache / "base" / name).write_bytes(b"{}")
    proc = run("transcribe", data / "audio" / "en_jfk.wav", env={"MINUTES_MODELS_DIR": str(cache)})
    assert_one_line_error(proc, "sha256", "minutes models install base --force")


def test_a_model_that_is_not_installed_says_how_to_get_it(data, tmp_path):
    proc = run("transcribe", data / "audio" / "en_jfk.wav", env={"MINUTES_MODELS_DIR": str(tmp_path)})
    assert_one_line_error(proc, "not installed", "minutes models install base", "--model PATH")


def test_unwritable_output_dir(data, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    assert_one_line_error(run("transcribe", data / "audio" / "en_jfk.wav", "-o", blocker / "out"), "cannot write")


def test_unknown_format_and_language(data):
    assert_one_line_error(run("transcribe", data / "audio" / "en_jfk.wav", "-f", "docx"), "docx", "srt")
    assert_one_line_error(run("transcribe", data / "audio" / "en_jfk.wav", "-l", "klingon"), "klingon")


@pytest.mark.model
def test_models_list_and_path(base_model_dir):
    listing = json.loads(run("models", "list", "--json").stdout)
    base = next(m for m in listing if m["id"] == "base")
    assert base["installed"] and base["default"] and base["licence"] == "MIT"
    assert run("models", "path", "base").stdout.strip() == str(base_model_dir)
    assert_one_line_error(run("models", "path", "nope"), "unknown model 'nope'")


@pytest.mark.model
@pytest.mark.slow
def test_diarized_transcript_with_names_and_rttm(data, tmp_path, base_model_dir, diarizer):
    proc = run(
        "transcribe",
        data / "audio" / "conv_pyannote_sample.wav",
        "-o",
        tmp_path,
        "--speakers",
        "Diane,Sheila",
        "-f",
        "txt,json,rttm",
    )
    assert proc.returncode == 0, proc.stderr
    assert "Diane:" in proc.stdout and "Sheila:" in proc.stdout
    rttm = (tmp_path / "conv_pyannote_sample.rttm").read_text(encoding="utf-8").splitlines()
    assert rttm and {line.split()[7] for line in rttm} == {"Diane", "Sheila"}
    saved = tmp_path / "conv_pyannote_sample.json"
    assert run("speakers", "rename", saved, "Sheila", "Nguyễn Thị Lan").returncode == 0
    renamed = Transcript.from_json(saved.read_text(encoding="utf-8"))
    assert {s.speaker for s in renamed.segments} == {"Diane", "Nguyễn Thị Lan"}
    assert_one_line_error(run("speakers", "rename", saved, "Bob", "X"), "no speaker 'Bob'", "Diane")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--num-speakers", "0"), "--num-speakers must be at least 1"),
        (("--min-speakers", "3", "--max-speakers", "2"), "larger than --max-speakers"),
    ],
)
def test_impossible_speaker_counts(data, args, fragment):
    assert_one_line_error(run("transcribe", data / "audio" / "en_jfk.wav", *args), fragment)


@pytest.mark.model
def test_speakers_enroll_list_remove(data, tmp_path, diarizer):
    env = {"MINUTES_SPEAKERS_DIR": str(tmp_path / "voices")}
    proc = run("speakers", "enroll", "Diane", data / "audio" / "en_jfk.wav", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "enrolled Diane" in proc.stderr
    assert "Diane" in run("speakers", "list", env=env).stdout
    silence = write_wav(tmp_path / "silence.wav", np.zeros(48000, dtype=np.float32))
    assert_one_line_error(run("speakers", "enroll", "Ghost", silence, env=env), "no speech found for Ghost")
    assert run("speakers", "remove", "Diane", env=env).returncode == 0
    assert_one_line_error(run("speakers", "remove", "Diane", env=env), "no voice profile named 'Diane'")


def test_recover_command_rebuilds_a_crashed_session_and_refuses_other_folders(tmp_path):
    from minutes.capture import session as ses
    from minutes.capture import wav

    folder = tmp_path / "20260101-090000-weekly"
    folder.mkdir()
    ses.write_manifest(
        folder, ses.Manifest(samplerate=16000, started=ses.now_iso(), device="fake", status=ses.RECORDING_STATUS)
    )
    samples = (np.sin(np.arange(16000) / 5) * 8000).astype("<i2").tobytes()
    (folder / ses.segment_name(1)).write_bytes(wav.header(16000, 1, 2, 100) + samples)  # header never updated
    proc = run("recover", folder)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(folder / "recording.wav")
    assert (folder / "recording.wav").stat().st_size == 44 + len(samples)
    assert_one_line_error(run("recover", tmp_path), "session")


def test_record_with_an_unknown_device_gives_one_line(tmp_path):
    proc = run("record", "--device", "no-such-microphone-xyz", "--out", tmp_path, "--no-final")
    assert_one_line_error(proc, "input device")  # no such device, or no device at all on this machine
