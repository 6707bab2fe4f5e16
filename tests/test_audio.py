"""Decoding real speech through every container/codec a meeting recorder is likely to produce.

Fixtures are encoded at test time with PyAV from a shared 16 kHz recording, so no binary test media lives in the repo.
"""

from __future__ import annotations

import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from minutes.audio import SAMPLE_RATE, AudioInfo, load, probe, stream
from minutes.errors import AudioError

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
JFK = DATA / "audio" / "en_jfk.wav"


def _read_wav(path: Path) -> np.ndarray:
    """Ground truth independent of PyAV: the 16-bit samples as float32."""
    with wave.open(str(path)) as w:
        assert (w.getsampwidth(), w.getnchannels(), w.getframerate()) == (2, 1, SAMPLE_RATE)
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0


@pytest.fixture(scope="module")
def jfk() -> np.ndarray:
    if not JFK.is_file():
        pytest.skip(f"shared recording {JFK} is absent (the shared data set is not mounted)")
    return _read_wav(JFK)


def _has_encoder(codec: str) -> bool:
    try:
        av.codec.Codec(codec, "w")
    except (ValueError, av.error.FFmpegError):
        return False
    return True


def _encode(
    dst: Path,
    planes: np.ndarray,
    codec: str,
    *,
    rate: int = SAMPLE_RATE,
    container: str | None = None,
    video: str | None = None,
) -> Path:
    """Write `planes` (channels x samples, 16 kHz float) with `codec`, optionally beside a short video stream."""
    for name in filter(None, (codec, video)):
        if not _has_encoder(name):
            pytest.skip(f"this PyAV build has no {name} encoder")
    layout = "mono" if planes.shape[0] == 1 else "stereo"
    with av.open(str(dst), "w", format=container) as out:
        if video:
            vs = out.add_stream(video, rate=10)
            vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        st = out.add_stream(codec, rate=rate, layout=layout, options={"strict": "experimental"})
        if video:
            for i in range(int(planes.shape[1] / SAMPLE_RATE * 10)):
                img = np.full((48, 64, 3), (i * 7) % 255, dtype=np.uint8)
                frame = av.VideoFrame.from_ndarray(img, format="rgb24")
                frame.pts, frame.time_base = i, Fraction(1, 10)
                out.mux(vs.encode(frame))
            out.mux(vs.encode(None))
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(planes, dtype=np.float32), format="fltp", layout=layout)
        frame.sample_rate, frame.pts, frame.time_base = SAMPLE_RATE, 0, Fraction(1, SAMPLE_RATE)
        out.mux(st.encode(frame))  # the encoder's own resampler converts rate/format and splits into codec frames
        out.mux(st.encode(None))
    return dst


def _video_only(dst: Path) -> Path:
    if not _has_encoder("mpeg4"):
        pytest.skip("this PyAV build has no mpeg4 encoder")
    with av.open(str(dst), "w") as out:
        vs = out.add_stream("mpeg4", rate=10)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), dtype=np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 10)
            out.mux(vs.encode(frame))
        out.mux(vs.encode(None))
    return dst


def _envelope(x: np.ndarray, hop: int = 320) -> np.ndarray:
    """20 ms RMS: robust to the phase/pre-echo changes lossy codecs make, still tracks the speech."""
    n = len(x) // hop
    return np.sqrt(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1))


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    n = min(len(a), len(b))
    return float(np.corrcoef(a[:n], b[:n])[0, 1])


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x**2)))


def _assert_user_error(excinfo: pytest.ExceptionInfo[AudioError], path: Path, *phrases: str) -> None:
    msg = str(excinfo.value)
    assert "\n" not in msg, msg
    assert path.name in msg, msg
    for phrase in phrases:
        assert phrase in msg, msg


# --- wav ------------------------------------------------------------------------------------------------------------


def test_wav_matches_raw_samples(jfk: np.ndarray) -> None:
    audio = load(JFK)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert len(audio) == len(jfk)
    assert np.max(np.abs(audio - jfk)) < 1e-6


def test_probe_wav(jfk: np.ndarray) -> None:
    info = probe(JFK)
    assert isinstance(info, AudioInfo)
    assert info.path == JFK
    assert info.codec == "pcm_s16le"
    assert (info.sample_rate, info.channels) == (SAMPLE_RATE, 1)
    assert info.duration == pytest.approx(len(jfk) / SAMPLE_RATE, abs=0.01)


def test_accepts_str_path(jfk: np.ndarray) -> None:
    assert len(load(str(JFK))) == len(jfk)


# --- other containers and codecs -------------------------------------------------------------------------------------

LOSSLESS = {
    "flac": ("x.flac", "flac", None),
    "mkv-flac": ("x.mkv", "flac", None),
    "wav-s16": ("x.wav", "pcm_s16le", None),
}
LOSSY = {
    "mp3": ("x.mp3", "libmp3lame", None),
    "m4a-aac": ("x.m4a", "aac", "ipod"),
    "mp4-aac": ("x.mp4", "aac", None),
    "ogg-opus": ("x.ogg", "libopus", None),
    "webm-opus": ("x.webm", "libopus", None),
    "ogg-vorbis": ("x.ogg", "vorbis", None),
}


@pytest.mark.parametrize("case", LOSSLESS)
def test_lossless_formats(tmp_path: Path, jfk: np.ndarray, case: str) -> None:
    name, codec, container = LOSSLESS[case]
    path = _encode(tmp_path / name, jfk[None, :], codec, container=container)
    audio = load(path)
    assert audio.dtype == np.float32
    assert abs(len(audio) - len(jfk)) / SAMPLE_RATE < 0.1
    assert _corr(audio, jfk) > 0.99
    assert probe(path).sample_rate == SAMPLE_RATE


@pytest.mark.parametrize("case", LOSSY)
def test_lossy_formats(tmp_path: Path, jfk: np.ndarray, case: str) -> None:
    name, codec, container = LOSSY[case]
    if codec == "vorbis":  # FFmpeg's native vorbis encoder (no libvorbis here) only does stereo
        path = _encode(tmp_path / name, np.stack([jfk, jfk]), codec, rate=44100, container=container)
    else:
        path = _encode(tmp_path / name, jfk[None, :], codec, container=container)
    info = probe(path)
    assert info.duration is not None and abs(info.duration - len(jfk) / SAMPLE_RATE) < 0.15
    audio = load(path)
    assert audio.dtype == np.float32
    assert np.max(np.abs(audio)) <= 1.0
    assert abs(len(audio) - len(jfk)) / SAMPLE_RATE < 0.1
    assert _rms(audio) == pytest.approx(_rms(jfk), rel=0.2)
    assert _corr(_envelope(audio), _envelope(jfk)) > 0.9


def test_resamples_and_downmixes_44k_stereo(tmp_path: Path, jfk: np.ndarray) -> None:
    path = _encode(tmp_path / "stereo44k.wav", np.stack([jfk, jfk]), "pcm_s16le", rate=44100)
    info = probe(path)
    assert (info.sample_rate, info.channels) == (44100, 2)
    audio = load(path)
    assert abs(len(audio) - len(jfk)) / SAMPLE_RATE < 0.1
    assert _corr(audio, jfk) > 0.98
    assert _rms(audio) == pytest.approx(_rms(jfk), rel=0.2)


def test_left_channel_only_is_not_lost(tmp_path: Path, jfk: np.ndarray) -> None:
    path = _encode(tmp_path / "left.flac", np.stack([jfk, np.zeros_like(jfk)]), "flac")
    audio = load(path)
    assert _rms(audio) > 0.2 * _rms(jfk)
    assert _corr(audio, jfk) > 0.99


def test_video_with_sound(tmp_path: Path, jfk: np.ndarray) -> None:
    path = _encode(tmp_path / "meeting.mkv", jfk[None, :], "aac", video="mpeg4")
    assert probe(path).codec == "aac"
    audio = load(path)
    assert abs(len(audio) - len(jfk)) / SAMPLE_RATE < 0.1
    assert _corr(_envelope(audio), _envelope(jfk)) > 0.9


# --- streaming -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("block_seconds", [0.5, 1.3, 11.0, 60.0])
def test_stream_blocks_are_exact(jfk: np.ndarray, block_seconds: float) -> None:
    size = round(block_seconds * SAMPLE_RATE)
    blocks = list(stream(JFK, block_seconds=block_seconds))
    assert all(len(b) == size for b in blocks[:-1])
    assert 0 < len(blocks[-1]) <= size
    assert all(b.dtype == np.float32 for b in blocks)
    np.testing.assert_array_equal(np.concatenate(blocks), load(JFK))


def test_stream_lossy_matches_load(tmp_path: Path, jfk: np.ndarray) -> None:
    path = _encode(tmp_path / "x.mp3", jfk[None, :], "libmp3lame")
    blocks = list(stream(path, block_seconds=0.7))
    assert {len(b) for b in blocks[:-1]} == {round(0.7 * SAMPLE_RATE)}
    np.testing.assert_array_equal(np.concatenate(blocks), load(path))


def test_stream_can_stop_early(jfk: np.ndarray) -> None:
    blocks = stream(JFK, block_seconds=1.0)
    assert len(next(blocks)) == SAMPLE_RATE
    blocks.close()  # type: ignore[attr-defined]


def test_stream_rejects_nonpositive_block() -> None:
    with pytest.raises(ValueError):
        stream(JFK, block_seconds=0)


# --- bad inputs ------------------------------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.wav"
    for call in (probe, load, stream):
        with pytest.raises(AudioError) as excinfo:
            call(path)
        _assert_user_error(excinfo, path, "no such file")


def test_directory(tmp_path: Path) -> None:
    path = tmp_path / "recordings.wav"
    path.mkdir()
    for call in (probe, load):
        with pytest.raises(AudioError) as excinfo:
            call(path)
        _assert_user_error(excinfo, path, "directory")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.m4a"
    path.touch()
    for call in (probe, load):
        with pytest.raises(AudioError) as excinfo:
            call(path)
        _assert_user_error(excinfo, path, "is empty")


@pytest.mark.parametrize("name", ["notes.wav", "notes.mp3", "notes.m4a", "notes"])
def test_text_file_posing_as_audio(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("Agenda:\n1. budget\n2. hiring\n" * 20)
    for call in (probe, load):
        with pytest.raises(AudioError) as excinfo:
            call(path)
        _assert_user_error(excinfo, path, "not a readable audio file", "ffmpeg")


def test_video_without_sound(tmp_path: Path) -> None:
    path = _video_only(tmp_path / "screen.mp4")
    for call in (probe, load):
        with pytest.raises(AudioError) as excinfo:
            call(path)
        _assert_user_error(excinfo, path, "no audio stream")


TRUNCATABLE = {
    "mp3": ("libmp3lame", "mp3"),
    "ogg": ("libopus", "opus"),
    "webm": ("libopus", "opus"),
    "flac": ("flac", "flac"),
}


@pytest.mark.parametrize("ext", TRUNCATABLE)
def test_truncated_file_decodes_partially(tmp_path: Path, jfk: np.ndarray, ext: str) -> None:
    """A recording cut off mid-write (full disk, crash) still yields the part that made it to disk."""
    encoder, codec = TRUNCATABLE[ext]
    full = _encode(tmp_path / f"full.{ext}", jfk[None, :], encoder)
    data = full.read_bytes()
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(data[: int(len(data) * 0.4)])
    audio = load(cut)
    assert 0.2 * len(jfk) < len(audio) < 0.6 * len(jfk)
    assert _corr(_envelope(audio), _envelope(jfk[: len(audio)])) > 0.9
    assert probe(cut).codec == codec


def test_damaged_middle_is_skipped(tmp_path: Path, jfk: np.ndarray) -> None:
    """Garbage inside the stream costs only the damaged frames, not the rest of the meeting."""
    full = _encode(tmp_path / "full.mp3", jfk[None, :], "libmp3lame")
    data = bytearray(full.read_bytes())
    n = len(data)
    data[n // 3 : n // 3 + n // 20] = np.random.default_rng(0).integers(0, 256, n // 20, dtype=np.uint8).tobytes()
    damaged = tmp_path / "damaged.mp3"
    damaged.write_bytes(bytes(data))
    audio = load(damaged)
    assert 0.8 * len(jfk) < len(audio) <= len(jfk) + SAMPLE_RATE // 10
    # the undamaged start is intact
    head = len(jfk) // 4
    assert _corr(_envelope(audio[:head]), _envelope(jfk[:head])) > 0.9


@pytest.mark.parametrize("keep", [3, 16])
def test_truncated_to_a_few_bytes(tmp_path: Path, jfk: np.ndarray, keep: int) -> None:
    full = _encode(tmp_path / "full.mp3", jfk[None, :], "libmp3lame")
    cut = tmp_path / "stub.mp3"
    cut.write_bytes(full.read_bytes()[:keep])
    for call in (probe, load):
        with pytest.raises(AudioError) as excinfo:
            call(cut)
        _assert_user_error(excinfo, cut, "not a readable audio file")


def test_truncated_m4a(tmp_path: Path, jfk: np.ndarray) -> None:
    """The index (moov) of a recorder's m4a sits at the end, so a cut file is unreadable: say so, don't crash."""
    full = _encode(tmp_path / "full.m4a", jfk[None, :], "aac", container="ipod")
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(full.read_bytes()[: len(full.read_bytes()) // 2])
    try:
        audio = load(cut)
    except AudioError as e:
        assert "\n" not in str(e) and cut.name in str(e)
    else:
        assert len(audio) < len(jfk)
