"""Chains the stages for one recording: transcribe -> diarize -> align speakers -> name them.

Stages are passed in already loaded (models load once per batch); each is optional past transcription.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from minutes import audio
from minutes.align import assign_speakers, rename_speakers, speakers_in_order
from minutes.diarize import DiarizeOptions
from minutes.hooks import Hook, null_hook
from minutes.model import Transcript
from minutes.speakers import VoiceProfile, match_profiles
from minutes.transcribe import TranscribeOptions, Transcriber


@dataclass
class TranscriptPipeline:
    transcriber: Transcriber
    diarizer: object | None = None  # minutes.diarize.Diarizer; imported lazily (torch) by whoever builds it
    transcribe_options: TranscribeOptions = field(default_factory=TranscribeOptions)
    diarize_options: DiarizeOptions = field(default_factory=DiarizeOptions)
    names: Sequence[str] = ()  # --speakers "Diane,Sheila": in order of first appearance
    profiles: Sequence[VoiceProfile] = ()  # enrolled voices, matched before `names` apply

    def run(self, source: str | Path | np.ndarray, hook: Hook = null_hook) -> Transcript:
        transcript = self.transcriber.transcribe(source, self.transcribe_options, hook=hook)
        if self.diarizer is None:
            return transcript
        samples = source if isinstance(source, np.ndarray) else audio.load(source)
        diarization = self.diarizer.diarize(samples, self.diarize_options, hook=hook)  # type: ignore[attr-defined]
        transcript = assign_speakers(transcript, diarization.exclusive, diarization.turns)
        transcript = replace(transcript, turns=diarization.turns)
        known = match_profiles(diarization.centroids, list(self.profiles))
        if known:
            transcript = rename_speakers(transcript, known)
        if self.names:  # for the speakers no voice profile recognised, in order of first appearance
            unnamed = [s for s in speakers_in_order(transcript) if s not in known.values()]
            transcript = rename_speakers(transcript, dict(zip(unnamed, self.names, strict=False)))
        return transcript

    @classmethod
    def load(
        cls,
        model: str | None = None,
        *,
        compute_type: str = "int8",
        threads: int = 0,
        options: TranscribeOptions | None = None,
        diarize: bool = True,
        names: Sequence[str] = (),
        counts: dict[str, int | None] | None = None,
    ) -> TranscriptPipeline:
        """Load the models once (for a whole batch): Whisper, and the diarizer with the enrolled voices."""
        from minutes.diarize import Diarizer, check_counts
        from minutes.speakers import ProfileStore

        diarize_options = DiarizeOptions(**(counts or {}))
        if diarize:
            check_counts(diarize_options)  # before minutes of model loading
        return cls(
            Transcriber(model, compute_type=compute_type, threads=threads),
            Diarizer(threads=threads) if diarize else None,
            transcribe_options=options or TranscribeOptions(),
            diarize_options=diarize_options,
            names=list(names),
            profiles=ProfileStore().list() if diarize else [],
        )
