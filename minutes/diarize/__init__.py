"""Who spoke when: pyannote.audio diarization on offline weights (torch loads only when a Diarizer is built)."""

from minutes.diarize.pipeline import Diarization, DiarizeOptions, Diarizer, check_counts, voice_embeddings

__all__ = ["Diarization", "DiarizeOptions", "Diarizer", "check_counts", "voice_embeddings"]
