"""Speaker alignment on literal fixtures: majority overlap, splits at speaker changes, overlap kept and flagged."""

from __future__ import annotations

from minutes.align import OVERLAP, assign_speakers, name_in_order, rename_speakers, speakers_in_order
from minutes.model import Segment, SpeakerTurn, Transcript, Word


def words(*items: tuple[str, float, float]) -> list[Word]:
    return [Word(text, start, end) for text, start, end in items]


def transcript(*segments: Segment) -> Transcript:
    return Transcript(language="en", duration=20.0, segments=list(segments))


def test_words_take_the_speaker_with_most_overlap_and_segments_split_at_changes():
    seg = Segment(
        0.0,
        4.0,
        "Hello there. Hi Diane.",
        words((" Hello", 0.0, 0.5), (" there.", 0.5, 1.0), (" Hi", 2.0, 2.4), (" Diane.", 2.4, 3.0)),
    )
    turns = [SpeakerTurn(0.0, 1.2, "A"), SpeakerTurn(1.9, 3.5, "B")]
    out = assign_speakers(transcript(seg), turns)
    assert [(s.speaker, s.text) for s in out.segments] == [("A", "Hello there."), ("B", "Hi Diane.")]
    assert out.segments[0].start == 0.0 and out.segments[1].end == 4.0
    assert [w.speaker for w in out.words] == ["A", "A", "B", "B"]
    assert all(OVERLAP not in s.flags for s in out.segments)


def test_overlapped_speech_is_kept_and_flagged_with_everyone_heard():
    seg = Segment(5.0, 7.0, "No way", words((" No", 5.0, 5.6), (" way", 5.6, 7.0)))
    exclusive = [SpeakerTurn(4.0, 8.0, "A")]
    overlapping = [SpeakerTurn(4.0, 8.0, "A"), SpeakerTurn(5.5, 7.5, "B")]
    out = assign_speakers(transcript(seg), exclusive, overlapping)
    assert out.segments[0].text == "No way" and out.segments[0].speaker == "A"
    assert OVERLAP in out.segments[0].flags and "with:B" in out.segments[0].flags


def test_a_word_just_outside_every_turn_takes_the_nearest_and_far_words_take_none():
    seg = Segment(0.0, 10.0, "um okay", words((" um", 1.5, 1.8), (" okay", 9.0, 9.5)))
    out = assign_speakers(transcript(seg), [SpeakerTurn(2.0, 3.0, "A")])
    assert [w.speaker for w in out.words] == ["A", None]


def test_segments_without_words_use_their_own_span():
    out = assign_speakers(
        transcript(Segment(0.0, 2.0, "hi"), Segment(3.0, 6.0, "yo")),
        [SpeakerTurn(0.0, 2.5, "A"), SpeakerTurn(2.5, 6.0, "B")],
    )
    assert [s.speaker for s in out.segments] == ["A", "B"]


def test_names_follow_first_appearance_and_rename_reaches_words_and_flags():
    segs = [
        Segment(0, 1, "a", speaker="SPEAKER_2", flags=["overlap", "with:SPEAKER_1"]),
        Segment(1, 2, "b", speaker="SPEAKER_1", words=[Word(" b", 1, 2, speaker="SPEAKER_1")]),
    ]
    t = transcript(*segs)
    assert speakers_in_order(t) == ["SPEAKER_2", "SPEAKER_1"]
    named = name_in_order(t, ["Diane", " Sheila "])
    assert [s.speaker for s in named.segments] == ["Diane", "Sheila"]
    assert named.segments[0].flags == ["overlap", "with:Sheila"] and named.words[0].speaker == "Sheila"
    assert rename_speakers(t, {"SPEAKER_9": "X"}) == t
