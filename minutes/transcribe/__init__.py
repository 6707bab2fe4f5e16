"""Speech to text: faster-whisper behind one entry point, with guards against hallucinations."""

from minutes.transcribe.whisper import TranscribeOptions, Transcriber, check_language, read_glossary, resolve_model

__all__ = ["TranscribeOptions", "Transcriber", "check_language", "read_glossary", "resolve_model"]
