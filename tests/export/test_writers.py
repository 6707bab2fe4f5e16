"""Writers: every format parses back with a real parser, text is NFC, and write() fails cleanly and atomically."""

from __future__ import annotations

import errno
import itertools
import json
import os
import random
import unicodedata
from datetime import timedelta

import pytest
import srt
import webvtt

import minutes.export as export
from minutes.errors import OutputError, UsageError
from minutes.export import FORMATS, WRITERS, parse_formats, render, write
from minutes.export.subtitles import MAX_CHARS, MAX_DURATION, build_cues
from minutes.model import Segment, Transcript, Word, nfc


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def words_for(text: str, start: float, step: float) -> list[Word]:
    """Whisper-style words (leading space) evenly spaced from `start`."""
    return [Word(f" {w}", start + i * step, start + (i + 1) * step) for i, w in enumerate(text.split())]


LONG_TEXT = (
    "So the plan for the next quarter is to finish the migration, hire two engineers "
    "and ship the offline mode before the conference in October."
)


@pytest.fixture
def english() -> Transcript:
    return Transcript(
        language="en",
        duration=3730.0,
        source="/recordings/weekly sync.wav",
        model="small.en",
        created="2024-05-01T10:00:00+00:00",
        segments=[
            Segment(0.0, 2.5, " Good morning, everyone."),
            Segment(2.5, 4.0, " Let's begin."),
            Segment(5.0, 5.0 + 0.5 * len(LONG_TEXT.split()), " " + LONG_TEXT, words=words_for(LONG_TEXT, 5.0, 0.5)),
            Segment(40.0, 42.0, " Thanks for watching!", flags=["hallucination"]),
            Segment(3725.5, 3728.25, " Any other business?"),
        ],
    )


VI_LINES = [
    ("Chủ tọa", 0.0, 3.0, "Biên bản cuộc họp"),
    ("Chủ tọa", 3.0, 6.5, "Hôm nay chúng ta thảo luận về ngân sách."),
    ("Thư ký", 7.0, 9.0, "Tôi đã ghi nhận ý kiến."),
    ("Chủ tọa", 70.0, 72.0, "Cảm ơn mọi người."),
]


@pytest.fixture
def vietnamese() -> Transcript:
    """Decomposed (NFD) input, as some tools and macOS file names produce it."""
    return Transcript(
        language="vi",
        duration=75.0,
        source=nfd("họp-tháng-5.m4a"),
        model="large-v3",
        created="2024-05-02T08:30:00+07:00",
        segments=[
            *(Segment(s, e, " " + nfd(t), speaker=nfd(who)) for who, s, e, t in VI_LINES),
            Segment(72.0, 74.0, nfd(" Hãy đăng ký kênh"), speaker=nfd("Thư ký"), flags=["hallucination"]),
        ],
    )


# --- registry and formats -------------------------------------------------------------------------------------------


def test_formats_come_from_the_registry() -> None:
    assert FORMATS == ("txt", "srt", "vtt", "json", "md", "rttm")
    assert tuple(WRITERS) == FORMATS
    assert all(WRITERS[f].suffix == f".{f}" for f in FORMATS)


def test_parse_formats() -> None:
    assert parse_formats("txt,srt") == ("txt", "srt")
    assert parse_formats(" SRT , .vtt,srt ") == ("srt", "vtt")
    assert parse_formats(["txt", "json,md"]) == ("txt", "json", "md")
    assert parse_formats("all") == FORMATS


@pytest.mark.parametrize("spec", ["txt,docx", "pdf", "", " , "])
def test_parse_formats_rejects_unknown(spec: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_formats(spec)
    message = str(info.value)
    assert "\n" not in message
    for name in FORMATS:
        assert name in message


def test_render_rejects_unknown_format(english: Transcript) -> None:
    with pytest.raises(UsageError, match="docx"):
        render(english, "docx")


# --- txt ------------------------------------------------------------------------------------------------------------


def test_txt_one_line_per_segment_without_hallucinations(english: Transcript) -> None:
    assert render(english, "txt") == f"Good morning, everyone.\nLet's begin.\n{LONG_TEXT}\nAny other business?\n"


def test_txt_merges_speaker_turns_and_is_nfc(vietnamese: Transcript) -> None:
    out = render(vietnamese, "txt")
    assert out == unicodedata.normalize("NFC", out)
    assert out.split("\n\n") == [
        "Chủ tọa: Biên bản cuộc họp Hôm nay chúng ta thảo luận về ngân sách.",
        "Thư ký: Tôi đã ghi nhận ý kiến.",
        "Chủ tọa: Cảm ơn mọi người.\n",
    ]
    assert "đăng ký kênh" not in out


# --- srt ------------------------------------------------------------------------------------------------------------


def test_srt_parses_back(english: Transcript) -> None:
    out = render(english, "srt")
    subs = list(srt.parse(out))
    assert [s.index for s in subs] == list(range(1, len(subs) + 1))
    assert subs[0].start == timedelta(0) and subs[0].end == timedelta(seconds=2.5)
    assert subs[0].content == "Good morning, everyone."
    assert subs[1].content == "Let's begin."
    # The 14-second, 140-character segment is split at word boundaries; its cues rebuild the text exactly.
    long_cues = [s for s in subs if timedelta(seconds=5) <= s.start < timedelta(seconds=40)]
    assert len(long_cues) >= 2
    assert " ".join(s.content.replace("\n", " ") for s in long_cues) == LONG_TEXT
    assert long_cues[0].start == timedelta(seconds=5)
    assert long_cues[-1].end == timedelta(seconds=5 + 0.5 * len(LONG_TEXT.split()))
    for s in long_cues:
        assert len(s.content.replace("\n", " ")) <= MAX_CHARS
        assert all(len(line) <= 42 for line in s.content.split("\n"))
        assert s.end - s.start <= timedelta(seconds=MAX_DURATION)
    # Past an hour, and the hallucinated segment is gone.
    last = subs[-1]
    assert last.start == timedelta(hours=1, minutes=2, seconds=5.5)
    assert last.end == timedelta(hours=1, minutes=2, seconds=8.25)
    assert "01:02:05,500 --> 01:02:08,250" in out
    assert "Thanks for watching" not in out
    assert len(subs) == 3 + len(long_cues)


def test_srt_speaker_prefix_and_nfc(vietnamese: Transcript) -> None:
    out = render(vietnamese, "srt")
    assert out == nfc(out)
    subs = list(srt.parse(out))
    assert len(subs) == 4
    assert [s.content.replace("\n", " ") for s in subs] == [f"[{who}] {text}" for who, _, _, text in VI_LINES]
    assert subs[3].start == timedelta(seconds=70) and subs[3].end == timedelta(seconds=72)


# --- vtt ------------------------------------------------------------------------------------------------------------


def test_vtt_parses_back(english: Transcript, tmp_path) -> None:
    out = render(english, "vtt")
    assert out.startswith("WEBVTT\n\n")
    captions = webvtt.from_string(out).captions
    assert captions[0].start == "00:00:00.000" and captions[0].end == "00:00:02.500"
    assert captions[0].text == "Good morning, everyone."
    assert captions[-1].start == "01:02:05.500" and captions[-1].end == "01:02:08.250"
    assert captions[-1].text == "Any other business?"
    # Same cues as the SRT.
    subs = list(srt.parse(render(english, "srt")))
    assert len(captions) == len(subs)
    assert [c.text for c in captions] == [s.content for s in subs]
    # And from a file.
    path = write(english, "vtt", tmp_path / "out.vtt")
    assert len(webvtt.read(str(path)).captions) == len(subs)


def test_vtt_voice_tags_and_nfc(vietnamese: Transcript) -> None:
    out = render(vietnamese, "vtt")
    assert out == nfc(out)
    captions = webvtt.from_string(out).captions
    assert len(captions) == 4
    assert [c.voice for c in captions] == [who for who, *_ in VI_LINES]
    assert [c.text.replace("\n", " ") for c in captions] == [text for *_, text in VI_LINES]
    assert "<v Chủ tọa>Biên bản cuộc họp" in out


def test_vtt_escapes_markup() -> None:
    t = Transcript("en", 3.0, [Segment(0.0, 2.0, "a <b> & c --> d", speaker="R&D")])
    out = render(t, "vtt")
    assert "<v R&amp;D>a &lt;b&gt; &amp; c --&gt; d" in out
    assert len(webvtt.from_string(out).captions) == 1


# --- cue timing -----------------------------------------------------------------------------------------------------


def test_cues_never_overlap_or_run_backwards() -> None:
    t = Transcript(
        "en",
        20.0,
        [
            Segment(0.0, 3.0, "first"),
            Segment(2.0, 4.0, "overlaps the first"),  # first must end at 2.0
            Segment(6.0, 5.0, "ends before it starts"),
            Segment(-1.0, 0.5, "negative start"),
        ],
    )
    cues = build_cues(t)
    assert [(c.start_ms, c.end_ms) for c in cues] == [(0, 0), (0, 2000), (2000, 4000), (6000, 6000)]
    subs = list(srt.parse(render(t, "srt")))
    assert [s.content for s in subs] == ["negative start", "first", "overlaps the first", "ends before it starts"]


def test_cue_invariants_on_random_timings() -> None:
    rng = random.Random(1234)
    for _ in range(50):
        segments = []
        t0 = 0.0
        for _ in range(rng.randint(1, 8)):
            start = max(0.0, t0 + rng.uniform(-1.0, 2.0))
            n = rng.randint(1, 40)
            step = rng.uniform(0.05, 0.8)
            text = " ".join(f"w{i}" for i in range(n))
            words = [
                Word(f" w{i}", start + i * step + rng.uniform(-0.3, 0.3), start + (i + 1) * step) for i in range(n)
            ]
            end = start + n * step + rng.uniform(-0.5, 0.5)
            segments.append(Segment(start, end, text, words=words if rng.random() < 0.8 else []))
            t0 = end
        cues = build_cues(Transcript("en", t0, segments))
        for cue, following in itertools.pairwise(cues):
            assert cue.start_ms <= cue.end_ms <= following.start_ms
        assert cues[-1].start_ms <= cues[-1].end_ms
        assert sum(len(c.text.split()) for c in cues) == sum(len(s.text.split()) for s in segments)
        assert len(list(srt.parse(render(Transcript("en", t0, segments), "srt")))) == len(cues)


def test_long_segment_without_words_stays_one_cue() -> None:
    t = Transcript("en", 20.0, [Segment(0.0, 15.0, LONG_TEXT)])
    subs = list(srt.parse(render(t, "srt")))
    assert len(subs) == 1
    assert subs[0].content.replace("\n", " ") == LONG_TEXT


# --- json -----------------------------------------------------------------------------------------------------------


def test_json_round_trips_exactly(english: Transcript, vietnamese: Transcript) -> None:
    for t in (english, vietnamese):
        out = render(t, "json")
        assert out == t.to_json()
        assert Transcript.from_json(out) == t
    # The hallucinated segments are kept for review.
    assert json.loads(render(english, "json"))["segments"][3]["flags"] == ["hallucination"]


# --- md -------------------------------------------------------------------------------------------------------------


def test_md_english(english: Transcript) -> None:
    out = render(english, "md")
    assert out.startswith("# weekly sync.wav\n")
    assert "- Language: en" in out
    assert "- Duration: 1:02:10" in out
    assert "- Model: small.en" in out
    assert "- Created: 2024-05-01T10:00:00+00:00" in out
    assert f"**[00:00]** Good morning, everyone. Let's begin. {LONG_TEXT}\n" in out  # a 1 s pause: same paragraph
    assert "**[1:02:05]** Any other business?" in out
    assert "Thanks for watching" not in out


def test_md_speakers_and_nfc(vietnamese: Transcript) -> None:
    out = render(vietnamese, "md")
    assert out == nfc(out)
    assert out.startswith("# họp-tháng-5.m4a\n")
    assert "- Duration: 0:01:15" in out
    assert "**[00:00]** **Chủ tọa:** Biên bản cuộc họp Hôm nay chúng ta thảo luận về ngân sách." in out
    assert "**[00:07]** **Thư ký:** Tôi đã ghi nhận ý kiến." in out
    assert "**[01:10]** **Chủ tọa:** Cảm ơn mọi người." in out
    assert "đăng ký kênh" not in out


def test_md_escapes_markdown() -> None:
    t = Transcript("en", 2.0, [Segment(0.0, 1.0, "use *stars* and <tags>", speaker="SPEAKER_00")])
    out = render(t, "md")
    assert "**SPEAKER_00:** use \\*stars\\* and \\<tags\\>" in out
    assert "# Transcript" in out


# --- all formats ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f not in ("json", "rttm")])
def test_every_text_format_is_nfc_and_hides_hallucinations(fmt: str, vietnamese: Transcript) -> None:
    out = render(vietnamese, fmt)
    assert out == nfc(out)
    assert "Biên bản cuộc họp" in out
    assert nfd("Biên bản cuộc họp") not in out
    assert "kênh" not in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_transcript_renders(fmt: str) -> None:
    render(Transcript("en", 0.0), fmt)


# --- write ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_write_is_utf8_and_leaves_no_temp_files(fmt: str, vietnamese: Transcript, tmp_path) -> None:
    target = tmp_path / f"out.{fmt}"
    target.write_text("old contents")
    assert write(vietnamese, fmt, target) == target
    assert target.read_bytes() == render(vietnamese, fmt).encode("utf-8")
    assert os.listdir(tmp_path) == [target.name]


def test_write_nfc_on_disk(vietnamese: Transcript, tmp_path) -> None:
    data = write(vietnamese, "txt", tmp_path / "out.txt").read_bytes()
    assert nfc("Biên bản cuộc họp").encode("utf-8") in data
    assert nfd("Biên bản cuộc họp").encode("utf-8") not in data


def assert_output_error(info: pytest.ExceptionInfo[OutputError], target, words: str) -> None:
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"cannot write {target}: ")
    assert words in message
    assert "-o" in message


def test_write_into_missing_folder(english: Transcript, tmp_path) -> None:
    target = tmp_path / "missing" / "deeper" / "out.txt"
    with pytest.raises(OutputError) as info:
        write(english, "txt", target)
    assert_output_error(info, target, "does not exist")
    assert os.listdir(tmp_path) == []


def test_write_under_a_regular_file(english: Transcript, tmp_path) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x")
    target = blocker / "out.srt"
    with pytest.raises(OutputError) as info:
        write(english, "srt", target)
    assert_output_error(info, target, "is not a folder")
    assert os.listdir(tmp_path) == ["notes.txt"]


def test_write_over_a_folder_cleans_up_temp_file(english: Transcript, tmp_path) -> None:
    target = tmp_path / "out.md"
    target.mkdir()
    (target / "keep").write_text("x")
    with pytest.raises(OutputError) as info:
        write(english, "md", target)
    assert_output_error(info, target, "folder")
    assert os.listdir(tmp_path) == ["out.md"]


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.EACCES, "permission denied"), (errno.ENOSPC, "disk is full"), (errno.EROFS, "read-only")],
)
def test_write_failure_messages_and_cleanup(code: int, words: str, english: Transcript, tmp_path, monkeypatch) -> None:
    def fail(*args: object) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(export.os, "replace", fail)
    target = tmp_path / "out.json"
    with pytest.raises(OutputError) as info:
        write(english, "json", target)
    assert_output_error(info, target, words)
    assert isinstance(info.value.__cause__, OSError)
    assert os.listdir(tmp_path) == []


def test_split_leaves_room_for_the_speaker_prefix() -> None:
    seg = Segment(0.0, 14.0, LONG_TEXT, words=words_for(LONG_TEXT, 0.0, 0.5), speaker="Nguyễn Văn An")
    subs = list(srt.parse(render(Transcript("vi", 14.0, [seg]), "srt")))
    assert len(subs) >= 2
    for s in subs:
        assert s.content.startswith("[Nguyễn Văn An] ")
        assert len(s.content.split("\n")) <= 2
    assert " ".join(s.content.replace("\n", " ").removeprefix("[Nguyễn Văn An] ") for s in subs) == LONG_TEXT


def test_rttm_lists_turns_with_overlaps_and_safe_names() -> None:
    from minutes.model import SpeakerTurn

    t = Transcript("vi", 10.0, source="/x/họp giao ban.wav")
    t.turns = [SpeakerTurn(2.0, 5.0, "Nguyễn Văn A"), SpeakerTurn(0.5, 3.0, "SPEAKER_2")]
    lines = render(t, "rttm").splitlines()
    assert lines == [
        "SPEAKER họp_giao_ban 1 0.500 2.500 <NA> <NA> SPEAKER_2 <NA> <NA>",
        "SPEAKER họp_giao_ban 1 2.000 3.000 <NA> <NA> Nguyễn_Văn_A <NA> <NA>",
    ]
    t.turns = []
    t.segments = [Segment(1.0, 2.0, "x", speaker="A"), Segment(2.0, 3.0, "y")]
    assert render(t, "rttm") == "SPEAKER họp_giao_ban 1 1.000 1.000 <NA> <NA> A <NA> <NA>\n"
