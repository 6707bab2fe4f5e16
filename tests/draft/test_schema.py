"""The LLM answer's schema and its validation into Minutes: literal fixtures, no model."""

from __future__ import annotations

import json

import pytest

from minutes.draft.base import DraftError
from minutes.draft.schema import (
    TimeIndex,
    format_time,
    output_schema,
    parse_json,
    parse_time,
    speech_lines,
    to_minutes,
    validate,
)
from minutes.model import MeetingInfo, Minutes, Segment, Transcript, Word


def transcript() -> Transcript:
    return Transcript(
        language="en",
        duration=100.0,
        source="meeting.wav",
        segments=[
            Segment(6.68, 9.8, "Hello, this is Diane in New Jersey.", speaker="Diane"),
            Segment(10.2, 17.77, "And I'm Sheila in Texas, originally from Chicago.", speaker="Sheila"),
            Segment(62.0, 75.5, "We agree to repair the road in May.", speaker="Diane"),
            Segment(80.0, 80.0, "   "),  # an empty segment is not speech
        ],
    )


def answer(**overrides: object) -> dict:
    data = {
        "summary": [{"text": "Diane and Sheila introduce themselves.", "start": "00:06", "end": "00:18"}],
        "topics": [
            {
                "title": "Introductions",
                "start": "00:06",
                "end": "00:18",
                "points": [{"text": "Sheila is from Chicago.", "start": "00:10", "end": "00:18"}],
            }
        ],
        "decisions": [{"text": "Repair the road in May.", "start": "01:02", "end": "01:16"}],
        "action_items": [
            {"task": "Prepare the contract", "owner": "Diane", "due": "May", "start": "01:02", "end": "01:16"}
        ],
        "open_questions": [],
    }
    data.update(overrides)
    return data


def test_times_round_trip() -> None:
    assert format_time(6.68) == "00:06"
    assert format_time(9.8, up=True) == "00:10"
    assert format_time(3725.0) == "62:05"
    assert parse_time("01:02") == 62.0
    assert parse_time("1:02:03") == 3723.0
    assert parse_time(12.5) == 12.5
    for bad in ("", "1:75", "abc", None, True, -3, "12"):
        assert parse_time(bad) is None


def test_valid_answer_gives_minutes_with_spans_on_speech() -> None:
    minutes = to_minutes(json.dumps(answer()), transcript(), MeetingInfo(title="Call"), drafter="test")
    assert isinstance(minutes, Minutes)
    assert minutes.language == "en" and minutes.drafter == "test" and minutes.meeting.title == "Call"
    assert [p.text for p in minutes.summary] == ["Diane and Sheila introduce themselves."]
    # clamped to the segments the cited range covers
    assert (minutes.summary[0].spans[0].start, minutes.summary[0].spans[0].end) == (6.68, 17.77)
    assert minutes.summary[0].speakers == ["Diane", "Sheila"]
    assert minutes.topics[0].title == "Introductions" and minutes.topics[0].span is not None
    assert minutes.topics[0].summary[0].speakers == ["Sheila"]
    assert minutes.decisions[0].spans[0].start == 62.0 and minutes.decisions[0].spans[0].end == 75.5
    action = minutes.action_items[0]
    assert (action.task, action.owner, action.due) == ("Prepare the contract", "Diane", "May")
    assert not minutes.notes
    # round-trips through the minutes JSON format
    assert Minutes.from_json(minutes.to_json()) == minutes


def test_items_citing_times_outside_the_transcript_are_dropped() -> None:
    data = answer(
        summary=[
            {"text": "Real.", "start": "00:06", "end": "00:09"},
            {"text": "Invented after the end.", "start": "05:00", "end": "05:30"},
            {"text": "In the silence between segments.", "start": "00:30", "end": "00:50"},
            {"text": "Without a time."},
        ]
    )
    minutes = to_minutes(data, transcript(), MeetingInfo())
    assert [p.text for p in minutes.summary] == ["Real."]
    assert "3 item(s)" in minutes.notes[0]
    for point in minutes.summary + minutes.decisions:
        for span in point.spans:
            assert 0 <= span.start < span.end <= transcript().duration


def test_reversed_and_overlong_ranges_are_clamped() -> None:
    index = TimeIndex.of(transcript())
    span, hit = index.span("01:20", "01:00")  # reversed: swapped
    assert (span.start, span.end) == (62.0, 75.5) and len(hit) == 1
    span, _ = index.span("00:00", "99:00")  # the whole meeting: clamped to the first and last speech
    assert (span.start, span.end) == (6.68, 75.5)


def test_placeholder_items_are_left_out_silently() -> None:
    where = {"start": "00:06", "end": "00:09"}
    data = answer(
        open_questions=[{"text": "No open questions.", **where}, {"text": "Không có câu hỏi nào.", **where}],
        action_items=[{"task": "None", "owner": None, "due": None, **where}],
    )
    minutes = to_minutes(data, transcript(), MeetingInfo())
    assert minutes.open_questions == [] and minutes.action_items == [] and not minutes.notes


def test_long_segments_are_cut_into_sentence_lines_with_word_speakers() -> None:
    words = [
        Word(" Hello.", 1.0, 1.5, speaker="A"),
        Word(" Hi.", 2.0, 2.4, speaker="B"),
        Word(" We", 3.0, 3.2, speaker="B"),
        Word(" start.", 3.2, 7.0, speaker="B"),
        Word(" Next", 7.5, 8.0, speaker="B"),
        Word(" item.", 8.0, 9.0, speaker="B"),
    ]
    t = Transcript(language="en", duration=10.0, segments=[Segment(1.0, 9.0, "Hello. Hi. We start. Next item.", words)])
    lines = speech_lines(t)
    assert [(line.speaker, line.text, line.start, line.end) for line in lines] == [
        ("A", "Hello.", 1.0, 1.5),
        ("B", "Hi. We start.", 2.0, 7.0),
        ("B", "Next item.", 7.5, 9.0),
    ]


def test_invalid_json_raises_draft_error() -> None:
    for text in ("", "The meeting was fine.", '{"summary": [', "[1, 2]"):
        with pytest.raises(DraftError):
            to_minutes(text, transcript(), MeetingInfo())


def test_wrong_shape_raises_draft_error() -> None:
    with pytest.raises(DraftError):
        validate({"summary": "not a list"}, TimeIndex.of(transcript()))
    with pytest.raises(DraftError):
        validate({"minutes": "free text"}, TimeIndex.of(transcript()))
    with pytest.raises(DraftError, match="no item"):
        to_minutes(answer(summary=[], topics=[], decisions=[], action_items=[]), transcript(), MeetingInfo())


def test_json_in_fences_and_chatter_is_found() -> None:
    text = 'Here are the minutes:\n```json\n{"summary": []}\n```\nDone.'
    assert parse_json(text) == {"summary": []}


def test_text_is_nfc_and_bounded() -> None:
    decomposed = "Nguye\u0302\u0303n"  # "Nguyễn" with combining marks
    data = answer(summary=[{"text": decomposed + " x" * 500, "start": "00:06", "end": "00:09"}])
    minutes = to_minutes(data, transcript(), MeetingInfo(), language="vi")
    assert minutes.summary[0].text.startswith("Nguyễn") and len(minutes.summary[0].text) <= 400
    assert minutes.language == "vi"


def test_schema_requires_every_list_and_bounds_them() -> None:
    schema = output_schema(max_topics=3, max_items=5)
    assert set(schema["required"]) == {"summary", "topics", "decisions", "action_items", "open_questions"}
    assert schema["properties"]["topics"]["maxItems"] == 3
    assert schema["properties"]["summary"]["maxItems"] == 5
    point = schema["properties"]["summary"]["items"]
    assert point["required"] == ["text", "start", "end"] and point["properties"]["text"]["maxLength"] > 0
