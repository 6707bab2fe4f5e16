"""Normalisation of whole Minutes and Transcripts: every drafted text, nothing the secretary typed, no time range."""

from __future__ import annotations

from minutes.model import ActionItem, MeetingInfo, Minutes, Point, Segment, Span, Topic, Transcript, Word
from minutes.normalize import normalize_minutes, normalize_transcript

MEETING = MeetingInfo(
    title="Họp về kinh phí năm hai nghìn không trăm hai mươi sáu",  # typed by the secretary: stays as typed
    chair="Ông Nguyễn Văn An",
    attendees=["Bà Trần Thị Bình, Trưởng phòng Tài chính"],
    glossary=["Trung tâm Dữ liệu tỉnh"],
)


def test_every_drafted_text_is_normalised_and_nothing_else() -> None:
    span = Span(12.0, 20.5)
    minutes = Minutes(
        meeting=MEETING,
        language="vi",
        summary=[Point("bà Trần Thị Binh báo cáo đạt tám mươi phần trăm", [span], ["SPEAKER_1"])],
        topics=[
            Topic(
                "kinh phí quý ba",
                summary=[Point("cần hai tỷ bốn trăm triệu đồng", [span])],
                decisions=[Point("giao trung tâm dữ liệu tỉnh chủ trì", [span])],
                action_items=[ActionItem("lập dự toán", "sở tài chính", "ngày mười lăm tháng mười hai", [span])],
                span=span,
            )
        ],
        decisions=[Point("thống nhất tăng mười phần trăm", [span])],
        action_items=[ActionItem("báo cáo", None, None, [span])],
        open_questions=[Point("còn mười hai hồ sơ", [span])],
        notes=["ghi chú năm mươi"],
    )
    out = normalize_minutes(minutes)
    assert out.meeting == MEETING
    assert out.summary == [Point("bà Trần Thị Bình báo cáo đạt 80%", [span], ["SPEAKER_1"])]
    topic = out.topics[0]
    assert topic.title == "kinh phí quý III" and topic.span == span
    assert topic.summary[0].text == "cần 2,4 tỷ đồng"
    assert topic.decisions[0].text == "giao Trung tâm Dữ liệu tỉnh chủ trì"
    assert topic.action_items == [ActionItem("lập dự toán", "Sở Tài chính", "ngày 15 tháng 12", [span])]
    assert out.decisions[0].text == "thống nhất tăng 10%"
    assert out.action_items == [ActionItem("báo cáo", None, None, [span])]
    assert out.open_questions[0].text == "còn 12 hồ sơ"
    assert out.notes == ["ghi chú năm mươi"]  # the program's own notes, not drafted text
    assert minutes.summary[0].text == "bà Trần Thị Binh báo cáo đạt tám mươi phần trăm"  # a copy, not in place


def test_transcript_copy_has_written_text_and_the_words_as_heard() -> None:
    words = [Word(" năm", 0.0, 0.3), Word(" mươi", 0.3, 0.6), Word(" phần", 0.6, 0.9), Word(" trăm", 0.9, 1.2)]
    transcript = Transcript("vi", 2.0, [Segment(0.0, 1.2, "năm mươi phần trăm", words, "SPEAKER_1")])
    shown = normalize_transcript(transcript, MEETING)
    assert shown.segments[0].text == "50%" and shown.segments[0].words == words
    assert transcript.segments[0].text == "năm mươi phần trăm"
    assert normalize_transcript(transcript).segments[0].text == "50%"  # no meeting details needed


def test_english_minutes() -> None:
    minutes = Minutes(MeetingInfo(attendees=["Lan Nguyễn"]), "en", summary=[Point("Lan Nguyen said twenty percent")])
    assert normalize_minutes(minutes).summary[0].text == "Lan Nguyễn said 20%"
