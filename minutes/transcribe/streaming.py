"""Streaming speech to text for the live view: Whisper re-run on a growing audio buffer, LocalAgreement-2 on top.

    streaming = StreamingTranscriber(transcriber, language="vi")
    for chunk in subscription:                 # AudioChunk(start, samples) from the Recorder
        streaming.insert(chunk.samples, start=chunk.start)
        update = streaming.process()           # Update(committed=[new words], tentative=[unconfirmed tail])
    last = streaming.finish()

The design follows whisper_streaming's OnlineASRProcessor (Macháček et al., 2023), rewritten for this project:

- Every `process()` decodes the whole buffer (at most `max_buffer_seconds`, inside Whisper's 30 s window),
  optionally with the last `prompt_chars` characters of committed text that left the buffer as the prompt.
  Whisper's encoder sees the buffer plus a few seconds of silence instead of a whole 30 s window (`window.py`):
  ~40% less time per decode, which pays for beam 3.
- LocalAgreement-2: a word is committed once two consecutive hypotheses agree on it (the longest common prefix of
  their uncommitted parts). Committed words are final: the caller appends them and never has to take one back.
- The buffer is cut at the end of a committed segment once it passes `buffer_trim_seconds`, and at a pause once all
  its words are committed, so memory and decoding time stay flat however long the meeting lasts. At a short pause
  the last few seconds of committed speech stay in the buffer (`pause_context_seconds`): the next sentence is read
  with the end of the previous one, not on its own.
- At a pause with words still unconfirmed, the buffer is read once more with a wider beam (`pause_beam_size`) and
  the tail committed from that reading, instead of decoding the silence until two readings agree. When the new
  audio already ends in silence, that final reading is the decode of this call (`end_silence_seconds`).
- Silero VAD (faster-whisper's copy, state carried across chunks) gates decoding: audio with no speech is never
  decoded, which saves CPU in pauses and keeps Whisper from inventing text on silence.
- The hallucination and loop guards of `guards.py` run on every hypothesis, so no flagged text is ever committed.

Times are seconds on the recording's clock (`AudioChunk.start`, pauses excluded). The decoder sits behind the
small `Backend` protocol, so tests drive the agreement logic with a fake one.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from minutes import audio
from minutes.model import Segment, Word
from minutes.transcribe.guards import HALLUCINATION, REPETITION, apply_guards, normalize, repair_loop
from minutes.transcribe.whisper import MAX_PROMPT_CHARS, Transcriber, check_language

SAMPLE_RATE = audio.SAMPLE_RATE
VAD_WINDOW = 512  # samples per Silero VAD frame at 16 kHz (32 ms)
# Words a reading places in the last quarter second of a silence wait for the next reading: Whisper puts invented
# or mistimed words there, not the speech before the pause.
_SILENT_TAIL = 0.25
_VAD_CONTEXT = 64  # samples of the previous frame Silero v6 looks at


@dataclass(frozen=True)
class StreamingOptions:
    language: str | None = None  # None: detected once enough speech was heard, then kept
    # New audio needed before decoding again. A decode of base int8 takes ~0.6-0.9 s on 2 cores, so at 0.6 s the
    # decodes run nearly back to back while speech goes on.
    min_chunk_seconds: float = 0.6
    buffer_trim_seconds: float = 15.0  # past this, cut the buffer at a committed segment end
    max_buffer_seconds: float = 25.0  # hard cap (Whisper sees 30 s at most): cut at the last committed word
    # Committed text given to Whisper as initial_prompt (whisper_streaming uses ~200 characters). Off by default:
    # with the base model it made streaming WER worse in both languages (replays of ../shared/data: English
    # 0.161 with 200 characters vs 0.103 without, Vietnamese 0.417 vs 0.288) and cost ~50% more CPU per decode.
    # Worth trying with larger models.
    prompt_chars: int = 0
    # A wider beam reads better but makes each decode slower, so hypotheses (and commits) come later. On
    # bench/streaming.py --quick (2 cores, fitted encoder window), beam 1/2/3/4/5 gave median latency
    # 1.50/1.83/1.94/2.31/2.84 s and WER 0.136/0.126/0.103/0.102/0.102 against batch 0.092; greedy decoding misreads
    # whole phrases ("Howdy married" for "Had he married"). Beam 3 is the balance.
    beam_size: int = 3
    # Temperature fallback re-decodes unsure text by sampling: random readings never agree with the next
    # hypothesis, so in streaming they only delay commits. Loops are cut by the guards instead.
    temperature: float | tuple[float, ...] = 0.0
    hotwords: str | None = None
    # Silence after the buffer in Whisper's encoder window (30: the full 30 s window, as faster-whisper does).
    # Fitting the window to the audio makes a decode ~40% faster, which is what lets beam 3 keep latency under
    # 2 s (full window, beam 2: 3.3 s); see window.py for why some padding is needed.
    encoder_padding_seconds: float = 5.0
    vad: bool = True  # False: treat all audio as speech (tests with synthetic audio)
    vad_threshold: float = 0.5
    min_speech_seconds: float = 0.25  # speech needed in new audio to decode it
    pause_keep_seconds: float = 5.0  # at a pause, the buffer is cut to the last committed word or this much audio
    # At a short pause the buffer keeps the committed speech of the last this-many seconds before it (cut at a word
    # start), so Whisper hears the next sentence after the end of the previous one, as a batch decode does. Whisper
    # base misreads a short sentence heard on its own far more often (Vietnamese: digits for "một"/"bà", whole
    # words changed); the context words are read again but never committed twice. Replays of VIVOS sentences 1 s
    # apart (beam 3): WER 0.390 -> 0.319 on the first 15, 0.464 -> 0.304 on the other 15; sentences read alone
    # after 1.5 s of context did no better than without, after 6 s no better than after 3 s.
    pause_context_seconds: float = 3.0
    # With `pause_beam_size` 0: in a pause, an unconfirmed tail is committed as last read after this many decodes
    # heard no new speech (the next hypothesis usually settles it first; committing at once cost 7 WER points in
    # Vietnamese in an early replay, none in the replay of 2026-12-01 at beam 3).
    pause_flush_decodes: int = 3
    # At a pause (new audio without speech) while words are still unconfirmed, the buffer is read once more with
    # this wider beam and the words that were waiting committed as read, instead of waiting for two decodes of the
    # silence to agree (0: off). The CPU is idle in a pause anyway, and this reading hears the whole sentence.
    # Replays of VIVOS sentences 1 s apart: WER 0.319 -> 0.298 on sentences 1-15 (where 5 was chosen: beam 3 and 8
    # gave 0.319), 0.304 -> 0.290 on the held-out 16-30, with 7-13% fewer decodes; English clips 0.098 either way.
    pause_beam_size: int = 5
    # New audio that holds speech and ends in at least this much silence (VAD): the speaker stopped inside it, so
    # the final reading of the pause (`pause_beam_size`) is done at once and the words before the silence are
    # committed from it. Without this, the speech first gets a decode at the usual beam and the pause is noticed
    # only by the next call, one decode later; on a slow machine the late commits pile up. Real time on this 2-core
    # VM (bench/streaming.py --quick --language vi, its pace 1.1-1.6 s per reference decode): median latency
    # 4.46-4.69 s without, 3.88 s with; p90 10.1-12.9 s without, 5.5 s with. Chosen on replays of VIVOS sentences
    # 1-15: decoded every 1.4 s (the spacing of real-time decodes here) 0.2 / 0.3 / 0.5 s all kept WER at 0.312
    # and cut the wait; decoded every 0.6 s, 0.3 s lost 0.021 and 0.5 s nothing. Held out, sentences 16-30: 0.283
    # -> 0.283 either way. 0: off.
    end_silence_seconds: float = 0.5
    # LocalAgreement commits a prefix, so one word Whisper keeps reading differently holds back everything after
    # it; once an unconfirmed word ended this long ago, the latest reading is committed up to there. Bounds the
    # latency (30 s were seen on two-speaker crosstalk) and keeps the buffer from filling up.
    max_tentative_seconds: float = 8.0
    detect_language_seconds: float = 3.0  # speech heard before an auto-detected language is fixed


@dataclass(frozen=True)
class Update:
    """What one `process()` call changed."""

    committed: list[Word]  # newly committed words, in order; final, never taken back
    tentative: list[Word]  # the current unconfirmed tail (replace the previous one): may change or vanish
    decoded: bool = False  # whether Whisper ran (False: too little new audio, or no speech in it)


@dataclass(frozen=True)
class Hypothesis:
    """One decode of the buffer, with times relative to the start of the audio passed in."""

    words: list[Word]
    segment_ends: list[float] = field(default_factory=list)
    language: str | None = None
    language_probability: float = 0.0


class Backend(Protocol):
    """The decoder: Whisper in production, a scripted fake in tests."""

    def transcribe(self, samples: np.ndarray, *, language: str | None, prompt: str) -> Hypothesis: ...


# -- the Whisper backend ------------------------------------------------------------------------------------------


class WhisperBackend:
    """faster-whisper on the buffer (the model already loaded by a `Transcriber`), with an encoder window fitted to
    the buffer (see `window.py`), guards applied to its segments."""

    def __init__(self, transcriber: Transcriber, options: StreamingOptions) -> None:
        from minutes.transcribe.window import WindowDecoder  # imports faster-whisper: only once a model is loaded

        self.model_name = transcriber.model_name
        self.compute_type = transcriber.compute_type
        self.decoder = WindowDecoder(
            transcriber.whisper,
            beam_size=options.beam_size,
            temperature=options.temperature,
            hotwords=options.hotwords[:MAX_PROMPT_CHARS] if options.hotwords else None,
            padding_seconds=options.encoder_padding_seconds,
        )
        self.final_beam_size = options.pause_beam_size or None  # the final reading at a pause: a wider beam

    def transcribe(self, samples: np.ndarray, *, language: str | None, prompt: str) -> Hypothesis:
        return self._hypothesis(self.decoder.decode(samples, language=language, prompt=prompt))

    def transcribe_final(self, samples: np.ndarray, *, language: str | None, prompt: str) -> Hypothesis:
        """The final reading of the buffer at a pause (`pause_beam_size`); a backend without it is asked the usual
        `transcribe`."""
        decoded = self.decoder.decode(samples, language=language, prompt=prompt, beam_size=self.final_beam_size)
        return self._hypothesis(decoded)

    @staticmethod
    def _hypothesis(decoded: Any) -> Hypothesis:
        return Hypothesis(
            words=guarded_words(decoded.segments),
            segment_ends=[s.end for s in decoded.segments],
            language=decoded.language,
            language_probability=decoded.language_probability,
        )


def guarded_words(segments: Sequence[Segment]) -> list[Word]:
    """The words of a hypothesis that the guards let through: hallucinated segments (stock phrases, invented text
    on silence) are left out, repetition loops cut to one copy. Batch mode re-decodes loops; streaming has no time
    for that, and the next hypothesis often corrects itself anyway."""
    words: list[Word] = []
    for segment in apply_guards(list(segments)):
        if HALLUCINATION in segment.flags:
            continue
        if REPETITION in segment.flags:
            segment = repair_loop(segment)
        words.extend(segment.words)
    return words


# -- LocalAgreement-2 ---------------------------------------------------------------------------------------------


def _key(word: Word) -> str:
    """What two hypotheses must agree on: the word, ignoring case and punctuation ("Hello," == "hello")."""
    return normalize(word.text) or word.text.strip()


class LocalAgreement:
    """Commit the longest common prefix of the last two hypotheses; never take a committed word back."""

    def __init__(self, max_ngram: int = 5) -> None:
        self.max_ngram = max_ngram
        self.tentative: list[Word] = []  # the previous hypothesis' uncommitted words
        self.committed_in_buffer: list[Word] = []  # committed words whose audio is still in the buffer
        self.recent: deque[Word] = deque(maxlen=max_ngram)  # the last committed words, in the buffer or not
        self.last_end = -math.inf  # end of the last committed word
        self.last_start = -math.inf

    def insert(self, words: Sequence[Word]) -> list[Word]:
        """Take a new hypothesis (recording clock) and return the words it confirms."""
        # Only words after the committed ones (0.1 s slack: word timestamps jitter between decodes).
        new = [w for w in words if w.start > self.last_end - 0.1]
        new = self._drop_repeated_join(new)
        commit: list[Word] = []
        for old, fresh in zip(self.tentative, new, strict=False):
            if _key(old) != _key(fresh):
                break
            commit.append(self._monotonic(fresh))
        self.tentative = new[len(commit) :]
        self.committed_in_buffer.extend(commit)
        return commit

    def flush(self) -> list[Word]:
        """Commit the unconfirmed tail as it stands (the audio ended, or the speaker paused)."""
        commit = [self._monotonic(w) for w in self.tentative]
        self.tentative = []
        self.committed_in_buffer.extend(commit)
        return commit

    def flush_first(self, count: int) -> list[Word]:
        """Commit the first `count` unconfirmed words, as last read."""
        commit = [self._monotonic(w) for w in self.tentative[: max(0, count)]]
        self.tentative = self.tentative[len(commit) :]
        self.committed_in_buffer.extend(commit)
        return commit

    def flush_until(self, time: float) -> list[Word]:
        """Commit the unconfirmed words that ended by `time`, as last read."""
        stale = 0
        while stale < len(self.tentative) and self.tentative[stale].end <= time + 1e-6:
            stale += 1
        commit = [self._monotonic(w) for w in self.tentative[:stale]]
        self.tentative = self.tentative[stale:]
        self.committed_in_buffer.extend(commit)
        return commit

    def forget_before(self, time: float) -> list[Word]:
        """The audio before `time` left the buffer: return the committed words that went with it."""
        gone = [w for w in self.committed_in_buffer if w.end <= time]
        self.committed_in_buffer = [w for w in self.committed_in_buffer if w.end > time]
        return gone

    def _drop_repeated_join(self, new: list[Word]) -> list[Word]:
        """Whisper may read the last committed words again at the start of the next hypothesis (timestamps moved,
        or the buffer was cut just inside the last word): drop the longest 1..5-gram that repeats the committed
        tail when it starts near it; a single word only when it starts right there, as a new "No." may follow
        "no." after a breath."""
        if not new or not self.recent:
            return new
        distance = abs(new[0].start - self.last_end)
        tail = [_key(w) for w in self.recent]
        head = [_key(w) for w in new[: self.max_ngram]]
        for n in range(min(len(tail), len(head)), 0, -1):
            if tail[-n:] == head[:n] and distance < (1.0 if n > 1 else 0.5):
                return new[n:]
        return new

    def _monotonic(self, word: Word) -> Word:
        """Keep committed times in order even when a re-decode moves a boundary back a little."""
        start = max(word.start, self.last_start)
        word = replace(word, start=start, end=max(word.end, start))
        self.last_start, self.last_end = word.start, max(word.end, self.last_end)
        self.recent.append(word)
        return word


# -- VAD ------------------------------------------------------------------------------------------------------------


class SpeechDetector:
    """Silero VAD over a stream: probabilities per 32 ms frame, the LSTM state carried from chunk to chunk, so the
    result equals one pass over the whole recording (faster-whisper's `get_speech_timestamps` restarts per call)."""

    def __init__(self, threshold: float = 0.5) -> None:
        from faster_whisper.vad import get_vad_model

        self.threshold = threshold
        self._session = get_vad_model().session
        self.reset(0.0)

    def reset(self, start: float) -> None:
        """A discontinuity (gap in the audio): start over at `start` seconds."""
        self.start = start  # time of the first frame in `_speech`
        self._speech = np.zeros(0, dtype=bool)
        self._carry = np.zeros(0, dtype=np.float32)
        self._context = np.zeros(_VAD_CONTEXT, dtype=np.float32)
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)

    def feed(self, samples: np.ndarray) -> None:
        data = np.concatenate([self._carry, samples]) if len(self._carry) else samples
        frames = len(data) // VAD_WINDOW
        self._carry = data[frames * VAD_WINDOW :].astype(np.float32, copy=True)
        if not frames:
            return
        rows = data[: frames * VAD_WINDOW].astype(np.float32, copy=False).reshape(frames, VAD_WINDOW)
        contexts = np.concatenate([self._context[None], rows[:-1, -_VAD_CONTEXT:]])
        probs, self._h, self._c = self._session.run(
            None, {"input": np.concatenate([contexts, rows], axis=1), "h": self._h, "c": self._c}
        )
        self._context = rows[-1, -_VAD_CONTEXT:].copy()
        self._speech = np.concatenate([self._speech, probs.reshape(-1) >= self.threshold])

    def speech_seconds(self, start: float, end: float) -> float:
        """Seconds of speech among the frames analysed between `start` and `end`."""
        start, end = max(start, self.start), max(end, self.start)  # start may be -inf: nothing committed yet
        first = int((start - self.start) * SAMPLE_RATE) // VAD_WINDOW
        last = math.ceil((end - self.start) * SAMPLE_RATE / VAD_WINDOW)
        return float(np.count_nonzero(self._speech[first:last])) * VAD_WINDOW / SAMPLE_RATE

    def forget_before(self, time: float) -> None:
        drop = min(len(self._speech), max(0, int((time - self.start) * SAMPLE_RATE) // VAD_WINDOW))
        self._speech = self._speech[drop:]
        self.start += drop * VAD_WINDOW / SAMPLE_RATE


class _AllSpeech:
    """Stands in for the VAD when it is switched off."""

    def reset(self, start: float) -> None: ...

    def feed(self, samples: np.ndarray) -> None: ...

    def speech_seconds(self, start: float, end: float) -> float:
        return max(0.0, end - start) if math.isfinite(start) else math.inf

    def forget_before(self, time: float) -> None: ...


# -- the streaming transcriber ---------------------------------------------------------------------------------------


class StreamingTranscriber:
    """Push audio with `insert`, call `process` as often as you like, `finish` at the end.

    `transcriber` is a loaded `Transcriber` (its model is reused, nothing is loaded again) or any `Backend`.
    Options: see `StreamingOptions`, e.g. `StreamingTranscriber(t, language="vi", min_chunk_seconds=1.0)`.
    Not thread-safe: call it from one thread (the live session's worker).
    """

    def __init__(self, transcriber: Transcriber | Backend, options: StreamingOptions | None = None, **overrides: Any):
        options = replace(options or StreamingOptions(), **overrides)
        options = replace(options, language=check_language(options.language))
        if not 0 < options.buffer_trim_seconds < options.max_buffer_seconds <= 30.0:
            raise ValueError("need 0 < buffer_trim_seconds < max_buffer_seconds <= 30 (Whisper's window)")
        self.options = options
        if isinstance(transcriber, Transcriber):
            self.backend: Backend = WhisperBackend(transcriber, options)
        else:
            self.backend = transcriber
        self.model_name: str | None = getattr(self.backend, "model_name", None)
        self.language = options.language
        self._vad: SpeechDetector | _AllSpeech = SpeechDetector(options.vad_threshold) if options.vad else _AllSpeech()
        self._agreement = LocalAgreement()
        self._prompt_words: deque[Word] = deque()  # committed words no longer in the buffer, ~prompt_chars of them
        self._prompt_len = 0
        self._audio = np.zeros(0, dtype=np.float32)
        self._pending: list[np.ndarray] = []  # inserted, not yet joined to `_audio` (joined once per process())
        self._pending_samples = 0
        self._offset = 0.0  # recording time of `_audio[0]`
        self._decoded_end = 0.0  # audio up to here has been looked at (decoded, or found silent)
        self._segment_ends: list[float] = []  # of the latest hypothesis, recording clock
        self._carried: list[Word] = []  # committed outside process() (at a gap), reported by the next call
        self._quiet_decodes = 0  # decodes in a row whose new audio held no speech
        self._started = False
        self.gaps: list[tuple[float, float]] = []  # stretches of the recording this transcriber never heard
        self.decodes = 0
        self.committed_count = 0

    # -- the clock -----------------------------------------------------------------------------------------------

    @property
    def end(self) -> float:
        """Recording time just after the last inserted sample."""
        return self._offset + (len(self._audio) + self._pending_samples) / SAMPLE_RATE

    @property
    def buffer_seconds(self) -> float:
        """Audio held for decoding (stays under `max_buffer_seconds` plus what arrived since the last call)."""
        return (len(self._audio) + self._pending_samples) / SAMPLE_RATE

    @property
    def tentative(self) -> list[Word]:
        return list(self._agreement.tentative)

    # -- input ---------------------------------------------------------------------------------------------------

    def insert(self, samples: np.ndarray, start: float | None = None) -> None:
        """Append 16 kHz mono float32 samples. `start` (recording clock) places them: a jump forward is a gap
        (audio the live view skipped or lost), handled by committing what was pending and starting afresh there."""
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        if start is not None:
            if not self._started:
                self._offset = self._decoded_end = start
                self._vad.reset(start)
            elif start > self.end + 2 / SAMPLE_RATE:  # two samples of slack for float rounding
                self._gap(start)
            elif start < self.end - 2 / SAMPLE_RATE:
                samples = samples[round((self.end - start) * SAMPLE_RATE) :]  # overlap: keep the new part
        self._started = True
        if len(samples):
            self._pending.append(samples)
            self._pending_samples += len(samples)

    def skip_to(self, time: float) -> None:
        """Leave out the audio up to `time` (the caller dropped it to catch up): a gap, even before any audio."""
        if time > self.end + 2 / SAMPLE_RATE:
            self._gap(time)
        self._started = True

    # -- output --------------------------------------------------------------------------------------------------

    def process(self) -> Update:
        """Decode the buffer if enough new audio with speech arrived; commit what two hypotheses agree on."""
        self._absorb()
        committed, self._carried = self._carried, []
        opts = self.options
        end = self.end
        new_audio = end - self._decoded_end
        if new_audio < opts.min_chunk_seconds - 0.005:  # 5 ms: sample rounding must not skip a decode
            return self._update(committed, decoded=False)
        new_speech = self._vad.speech_seconds(self._decoded_end, end) >= opts.min_speech_seconds
        if not new_speech and not self._agreement.tentative:
            # Nothing to confirm and nothing new to hear: skip Whisper, keep only the last bit of silence.
            self._decoded_end = end
            self._cut(self._pause_cut(end))
            return self._update(committed, decoded=False)
        stopped_here = new_speech and self._ends_in_silence(end)  # the speaker stopped inside the new audio
        if opts.pause_beam_size > 0 and (stopped_here or (not new_speech and not self._quiet_decodes)):
            # A pause with words unconfirmed: the final reading of the sentence settles them.
            waiting = len(self._agreement.tentative)
            agreed = self._decode(final=True)
            committed += agreed
            if stopped_here:
                # At once, rather than one more decode of the speech before the pause is noticed: the words before
                # the silence are committed as read.
                committed += self._agreement.flush_until(end - _SILENT_TAIL)
            else:
                # The words that were waiting. Words no earlier reading had still need the next decode to agree: in
                # one go Whisper may read a sentence twice (seen once in a real-time run: 15 words committed again).
                committed += self._agreement.flush_first(waiting - len(agreed))
            self._quiet_decodes = 1
            self._trim()
            return self._update(committed, decoded=True)
        committed += self._decode()
        committed += self._agreement.flush_until(end - opts.max_tentative_seconds)
        self._quiet_decodes = 0 if new_speech else self._quiet_decodes + 1
        if self._agreement.tentative and self._quiet_decodes >= opts.pause_flush_decodes:
            # The speaker paused and the decodes still disagree on the tail: no new audio will settle it, so take
            # the latest reading rather than decode the same silence again and again.
            committed += self._agreement.flush()
        self._trim()
        return self._update(committed, decoded=True)

    def finish(self) -> list[Word]:
        """The audio ended: decode what was not yet heard and commit everything left. Returns the new words."""
        self._absorb()
        committed, self._carried = self._carried, []
        end = self.end
        unheard = self._vad.speech_seconds(self._decoded_end, end) >= self.options.min_speech_seconds
        if unheard and end - self._offset >= 0.1:  # Whisper needs a little audio
            committed += self._decode()
        committed += self._agreement.flush()
        self._cut(end)
        self.committed_count += len(committed)
        return committed

    # -- internals -----------------------------------------------------------------------------------------------

    def _update(self, committed: list[Word], decoded: bool) -> Update:
        self.committed_count += len(committed)
        return Update(committed, self.tentative, decoded)

    def _absorb(self) -> None:
        if not self._pending:
            return
        fresh = np.concatenate(self._pending) if len(self._pending) > 1 else self._pending[0]
        self._pending, self._pending_samples = [], 0
        self._vad.feed(fresh)
        self._audio = np.concatenate([self._audio, fresh]) if len(self._audio) else fresh.copy()

    def _decode(self, final: bool = False) -> list[Word]:
        end = self.end
        transcribe = getattr(self.backend, "transcribe_final", None) if final else None
        hypothesis = (transcribe or self.backend.transcribe)(self._audio, language=self.language, prompt=self._prompt())
        self.decodes += 1
        self._decoded_end = end
        self._fix_language(hypothesis)
        words = [_shift(w, self._offset) for w in hypothesis.words]
        self._segment_ends = [round(self._offset + e, 3) for e in hypothesis.segment_ends]
        return self._agreement.insert(words)

    def _ends_in_silence(self, end: float) -> bool:
        """Whether the VAD heard no speech in the last `end_silence_seconds` before `end`."""
        quiet = self.options.end_silence_seconds
        return quiet > 0 and self._vad.speech_seconds(end - quiet, end) < VAD_WINDOW / SAMPLE_RATE

    def _fix_language(self, hypothesis: Hypothesis) -> None:
        if self.language is not None or not hypothesis.language:
            return
        heard = self._vad.speech_seconds(self._offset, self.end)
        if heard >= self.options.detect_language_seconds or hypothesis.language_probability >= 0.9:
            self.language = hypothesis.language  # one language per meeting: no flip-flopping mid-sentence

    def _prompt(self) -> str:
        if self.options.prompt_chars <= 0:
            return ""
        text = "".join(w.text for w in self._prompt_words).strip()
        return text[-self.options.prompt_chars :]

    def _trim(self) -> None:
        """Keep the buffer short: cut at a committed segment end past `buffer_trim_seconds`; at a pause, once all
        is committed; and in any case under `max_buffer_seconds`."""
        opts = self.options
        agreement = self._agreement
        end = self.end
        last = agreement.last_end
        if not agreement.tentative and self._vad.speech_seconds(last, end) < opts.min_speech_seconds:
            self._cut(self._pause_cut(end))
            return
        if end - self._offset <= opts.buffer_trim_seconds:
            return
        ends = [e for e in self._segment_ends if self._offset < e <= last]
        if ends:
            self._cut(ends[-1])
        if end - self._offset > opts.max_buffer_seconds:
            if last > self._offset:
                self._cut(last)
            else:
                # Whisper keeps disagreeing with itself over a whole buffer (noise, music, crosstalk): keep its
                # latest reading of the older half, so the buffer stays inside Whisper's window.
                cut = end - opts.buffer_trim_seconds
                older = [w for w in agreement.tentative if w.end <= cut]
                agreement.tentative = older
                self._carried += agreement.flush()
                self._cut(max(cut, agreement.last_end))

    def _pause_cut(self, end: float) -> float:
        """Where to cut the buffer in a pause, all of it committed: after the last committed word, keeping up to
        `pause_context_seconds` of the speech before it as context for the next sentence; once the pause is longer
        than `pause_keep_seconds`, only that much silence (the context goes: memory and decode time stay flat)."""
        opts = self.options
        last = self._agreement.last_end
        if end - last > opts.pause_keep_seconds:
            return end - opts.pause_keep_seconds
        since = last - opts.pause_context_seconds
        starts = [w.start for w in self._agreement.committed_in_buffer if w.start >= since]
        return min(starts, default=last)

    def _cut(self, time: float) -> None:
        """Drop the audio before `time`; the committed words that go with it become prompt."""
        drop = round((time - self._offset) * SAMPLE_RATE)
        if drop <= 0:
            return
        drop = min(drop, len(self._audio))
        self._audio = self._audio[drop:].copy()  # a copy, so the dropped samples are freed
        self._offset += drop / SAMPLE_RATE
        self._vad.forget_before(self._offset)
        self._segment_ends = [e for e in self._segment_ends if e > self._offset]
        for word in self._agreement.forget_before(self._offset):
            self._remember(word)

    def _remember(self, word: Word) -> None:
        self._prompt_words.append(word)
        self._prompt_len += len(word.text)
        while self._prompt_words and self._prompt_len - len(self._prompt_words[0].text) >= self.options.prompt_chars:
            self._prompt_len -= len(self._prompt_words.popleft().text)

    def _gap(self, start: float) -> None:
        """Audio between `end` and `start` will never come: commit the unconfirmed tail (the secretary saw it) and
        restart the buffer at `start`."""
        self._absorb()
        self._carried += self._agreement.flush()
        for word in self._agreement.forget_before(math.inf):
            self._remember(word)
        self.gaps.append((round(self.end, 3), round(start, 3)))
        self._audio = np.zeros(0, dtype=np.float32)
        self._offset = self._decoded_end = start
        self._segment_ends = []
        self._vad.reset(start)


def _shift(word: Word, offset: float) -> Word:
    return replace(word, start=round(word.start + offset, 3), end=round(word.end + offset, 3))


def replay(
    streaming: StreamingTranscriber, samples: np.ndarray, chunk_seconds: float | None = None, start: float = 0.0
) -> Iterator[Update]:
    """Computation-unaware replay of a recording: `chunk_seconds` (default `min_chunk_seconds`) at a time, each
    processed before the next arrives, as if decoding took no time. Deterministic, so tests can compare runs; the
    last update comes from `finish()`."""
    step = max(1, round((chunk_seconds or streaming.options.min_chunk_seconds) * SAMPLE_RATE))
    for i in range(0, len(samples), step):
        streaming.insert(samples[i : i + step], start=start + i / SAMPLE_RATE)
        yield streaming.process()
    yield Update(streaming.finish(), [])


def text_of(words: Sequence[Word]) -> str:
    """Words joined as Whisper spelled them (each carries its leading space)."""
    return "".join(w.text for w in words).strip()
