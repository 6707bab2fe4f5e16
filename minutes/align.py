"""Speaker alignment, a pure transform: transcript x speaker turns -> speaker-attributed transcript.

Each word takes the speaker whose turn overlaps it most (the overlap-free turns decide, as pyannote advises for
transcription); segments are split where the speaker changes; words said while two people talk at once are
kept and their segment is flagged "overlap" with everyone heard, never dropped.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import replace

from minutes.model import Segment, SpeakerTurn, Transcript, Word

OVERLAP = "overlap"
NEAREST_TURN_SECONDS = 1.0  # a word just outside every turn (VAD and diarization edges differ) takes the nearest


class _Turns:
    """Turns sorted by start, for overlap queries."""

    def __init__(self, turns: Sequence[SpeakerTurn]) -> None:
        self.turns = sorted(turns, key=lambda t: t.start)
        self.starts = [t.start for t in self.turns]
        self.longest = max((t.end - t.start for t in self.turns), default=0.0)

    def overlapping(self, start: float, end: float) -> list[tuple[SpeakerTurn, float]]:
        lo = bisect.bisect_left(self.starts, start - self.longest)
        hi = bisect.bisect_right(self.starts, end)
        found = []
        for turn in self.turns[lo:hi]:
            overlap = min(end, turn.end) - max(start, turn.start)
            if overlap > 0:
                found.append((turn, overlap))
        return found

    def nearest(self, start: float, end: float) -> str | None:
        best, distance = None, NEAREST_TURN_SECONDS
        for turn in self.turns:
            gap = max(turn.start - end, start - turn.end, 0.0)
            if gap < distance:
                best, distance = turn.speaker, gap
        return best


def speaker_of(start: float, end: float, turns: _Turns) -> str | None:
    """The speaker with the most overlap with [start, end]; the nearest turn if none overlaps."""
    totals: dict[str, float] = {}
    for turn, overlap in turns.overlapping(start, end):
        totals[turn.speaker] = totals.get(turn.speaker, 0.0) + overlap
    if totals:
        return max(totals, key=lambda s: totals[s])
    return turns.nearest(start, end)


def heard(start: float, end: float, turns: _Turns) -> set[str]:
    """Speakers audible during most of [start, end]: a turn that merely grazes a word's edge does not count."""
    needed = min(0.2, 0.5 * (end - start))
    return {turn.speaker for turn, overlap in turns.overlapping(start, end) if overlap >= needed}


def assign_speakers(
    transcript: Transcript, exclusive: Sequence[SpeakerTurn], turns: Sequence[SpeakerTurn] | None = None
) -> Transcript:
    """Attribute every word and segment; `turns` (overlapping) marks overlapped speech, `exclusive` decides."""
    deciding = _Turns(exclusive)
    everyone = _Turns(turns if turns is not None else exclusive)
    segments: list[Segment] = []
    for segment in transcript.segments:
        if not segment.words:
            speaker = speaker_of(segment.start, segment.end, deciding)
            segments.append(_with_overlap(replace(segment, speaker=speaker), everyone))
            continue
        words = [replace(w, speaker=speaker_of(w.start, w.end, deciding)) for w in segment.words]
        segments.extend(_with_overlap(part, everyone) for part in _split_by_speaker(segment, words))
    return replace(transcript, segments=segments)


def _split_by_speaker(segment: Segment, words: list[Word]) -> list[Segment]:
    runs: list[list[Word]] = []
    for word in words:
        if runs and runs[-1][-1].speaker == word.speaker:
            runs[-1].append(word)
        else:
            runs.append([word])
    if len(runs) == 1:
        return [replace(segment, words=words, speaker=words[0].speaker)]
    return [
        replace(
            segment,
            start=run[0].start if i else segment.start,
            end=run[-1].end if i < len(runs) - 1 else segment.end,
            text="".join(w.text for w in run).strip(),
            words=run,
            speaker=run[0].speaker,
        )
        for i, run in enumerate(runs)
    ]


def _with_overlap(segment: Segment, everyone: _Turns) -> Segment:
    spans = [(w.start, w.end) for w in segment.words] or [(segment.start, segment.end)]
    voices = set().union(*(heard(start, end, everyone) for start, end in spans))
    if len(voices) < 2:
        return segment
    others = sorted(voices - {segment.speaker})
    return replace(segment, flags=[*segment.flags, OVERLAP, *(f"with:{s}" for s in others)])


def speakers_in_order(transcript: Transcript, min_seconds: float = 1.0) -> list[str]:
    """Speakers in order of first appearance, counting from each one's first stretch of at least `min_seconds`:
    who says the first real sentence, not who is credited with a half-second "hello?" (the least reliable
    attribution there is). Speakers who never talk that long follow, by first appearance."""
    # Diarization turns when there are any: a transcript segment can hold two speakers' short replies.
    stretches = [(t.start, t.end, t.speaker) for t in transcript.turns] or [
        (s.start, s.end, s.speaker) for s in transcript.segments
    ]
    heard = {s.speaker for s in transcript.segments if s.speaker}
    order: list[str] = []
    for start, end, speaker in sorted(stretches, key=lambda x: x[0]):
        if speaker in heard and speaker not in order and end - start >= min_seconds:
            order.append(speaker)
    for segment in transcript.segments:
        if segment.speaker and segment.speaker not in order:
            order.append(segment.speaker)
    return order


def rename_speakers(transcript: Transcript, mapping: dict[str, str]) -> Transcript:
    """Rename speakers everywhere (segments, words, overlap flags); unknown labels stay as they are."""

    def name(label: str | None) -> str | None:
        return mapping.get(label, label) if label else label

    def flag(f: str) -> str:
        return f"with:{name(f[5:])}" if f.startswith("with:") else f

    segments = [
        replace(
            s,
            speaker=name(s.speaker),
            words=[replace(w, speaker=name(w.speaker)) for w in s.words],
            flags=[flag(f) for f in s.flags],
        )
        for s in transcript.segments
    ]
    turns = [replace(t, speaker=name(t.speaker) or t.speaker) for t in transcript.turns]
    return replace(transcript, segments=segments, turns=turns)


def name_in_order(transcript: Transcript, names: Sequence[str]) -> Transcript:
    """`--speakers "Diane,Sheila"`: the first speaker heard becomes Diane, the second Sheila, and so on."""
    order = speakers_in_order(transcript)
    return rename_speakers(transcript, dict(zip(order, [n.strip() for n in names if n.strip()], strict=False)))
