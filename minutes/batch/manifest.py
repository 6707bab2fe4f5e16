"""The job manifest of a batch: one SQLite file in the output folder, the single source of truth of what is done.

One row per recording, keyed by the SHA-256 of its content, so a file that is moved or renamed between runs is
recognised and not transcribed again. Only the driver writes (workers send it their results), every change is
its own transaction, and WAL mode lets `minutes batch status` read while a batch runs. A driver killed at any
point leaves rows `running` that the next run puts back to `pending`: nothing that finished is lost, and nothing
unfinished counts as done.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minutes.errors import MinutesError

MANIFEST_NAME = "batch-manifest.sqlite"
SCHEMA_VERSION = 1
STATUSES = ("pending", "running", "done", "failed", "skipped")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    sha256 TEXT PRIMARY KEY,
    path TEXT NOT NULL,             -- where it was last seen
    size INTEGER NOT NULL,
    duration REAL,                  -- seconds, from the container (an estimate for some formats)
    status TEXT NOT NULL,
    reason TEXT,                    -- one line, for failed and skipped
    out_dir TEXT NOT NULL,          -- chosen once, so outputs never move between runs
    stem TEXT NOT NULL,             -- output names: <stem>.transcript.json, <stem>.txt, ...
    outputs TEXT NOT NULL DEFAULT '[]',
    transcript_key TEXT,            -- settings the saved transcript was made with
    export_key TEXT,                -- settings the other outputs were made with
    settings TEXT,                  -- all settings of the run that finished it (provenance)
    attempts INTEGER NOT NULL DEFAULT 0,        -- times handed to a worker
    transcriptions INTEGER NOT NULL DEFAULT 0,  -- times a finished transcription was accepted
    worker TEXT,
    started REAL,
    finished REAL,
    wall_seconds REAL,
    cpu_seconds REAL,
    language TEXT,
    run_id INTEGER
);
CREATE INDEX IF NOT EXISTS files_status ON files(status);
CREATE TABLE IF NOT EXISTS paths (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started REAL NOT NULL,
    last_seen REAL NOT NULL,        -- updated as files finish: a killed run still has a measurable length
    ended REAL,
    backend TEXT NOT NULL,
    workers INTEGER NOT NULL,
    threads INTEGER NOT NULL,
    settings TEXT NOT NULL,
    outcome TEXT
);
CREATE TABLE IF NOT EXISTS workers (
    run_id INTEGER NOT NULL, worker TEXT NOT NULL, load_seconds REAL, rss_mb REAL, files INTEGER DEFAULT 0,
    PRIMARY KEY (run_id, worker)
);
"""


@dataclass
class FileRecord:
    sha256: str
    path: str
    size: int
    duration: float | None
    status: str
    reason: str | None
    out_dir: str
    stem: str
    outputs: list[str] = field(default_factory=list)
    transcript_key: str | None = None
    export_key: str | None = None
    attempts: int = 0
    transcriptions: int = 0
    wall_seconds: float | None = None
    cpu_seconds: float | None = None
    language: str | None = None
    worker: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> FileRecord:
        return cls(
            sha256=row["sha256"],
            path=row["path"],
            size=row["size"],
            duration=row["duration"],
            status=row["status"],
            reason=row["reason"],
            out_dir=row["out_dir"],
            stem=row["stem"],
            outputs=json.loads(row["outputs"] or "[]"),
            transcript_key=row["transcript_key"],
            export_key=row["export_key"],
            attempts=row["attempts"],
            transcriptions=row["transcriptions"],
            wall_seconds=row["wall_seconds"],
            cpu_seconds=row["cpu_seconds"],
            language=row["language"],
            worker=row["worker"],
        )


@dataclass
class Summary:
    """What `minutes batch status` shows."""

    counts: dict[str, int]
    seconds_done: float
    seconds_left: float
    files_per_status_seconds: dict[str, float]
    throughput: float | None  # audio seconds per wall second, over the latest run that finished files
    eta_seconds: float | None
    active: bool  # a batch is running on this folder now
    runs: int
    failed: list[tuple[str, str]]  # (path, reason)
    cpu_seconds: float  # spent on the files done

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "hours_done": round(self.seconds_done / 3600, 4),
            "hours_left": round(self.seconds_left / 3600, 4),
            "audio_seconds": {k: round(v, 3) for k, v in self.files_per_status_seconds.items()},
            "throughput_audio_hours_per_hour": round(self.throughput, 3) if self.throughput else None,
            "eta_seconds": round(self.eta_seconds, 1) if self.eta_seconds is not None else None,
            "active": self.active,
            "runs": self.runs,
            "cpu_seconds": round(self.cpu_seconds, 2),
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
        }


class Manifest:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable at each checkpoint, never corrupt
            self.db.executescript(_SCHEMA)
            found = self.db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise MinutesError(
                f"{path} is not a batch manifest ({exc}): move it away or choose another --out folder"
            ) from None
        if found is None:
            self.db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(found[0]) > SCHEMA_VERSION:
            raise MinutesError(f"{path} was written by a newer minutes (manifest v{found[0]}): upgrade minutes")

    @classmethod
    def open(cls, out_dir: Path) -> Manifest:
        return cls(out_dir / MANIFEST_NAME)

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- paths: a cache of content hashes, so an unchanged archive is not read again on every run -----------------

    def cached_hash(self, path: str, size: int, mtime_ns: int) -> str | None:
        row = self.db.execute("SELECT size, mtime_ns, sha256 FROM paths WHERE path=?", (path,)).fetchone()
        return row["sha256"] if row and row["size"] == size and row["mtime_ns"] == mtime_ns else None

    def remember_hash(self, path: str, size: int, mtime_ns: int, sha256: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO paths VALUES (?, ?, ?, ?)", (path, size, mtime_ns, sha256))

    # -- files ------------------------------------------------------------------------------------------------------

    def get(self, sha256: str) -> FileRecord | None:
        row = self.db.execute("SELECT * FROM files WHERE sha256=?", (sha256,)).fetchone()
        return FileRecord.from_row(row) if row else None

    def records(self, status: str | None = None) -> list[FileRecord]:
        if status is None:
            rows = self.db.execute("SELECT * FROM files ORDER BY path").fetchall()
        else:
            rows = self.db.execute("SELECT * FROM files WHERE status=? ORDER BY path", (status,)).fetchall()
        return [FileRecord.from_row(r) for r in rows]

    def output_names_taken(self, out_dir: str, stem: str) -> bool:
        row = self.db.execute("SELECT 1 FROM files WHERE out_dir=? AND stem=?", (out_dir, stem)).fetchone()
        return row is not None

    def add(self, record: FileRecord) -> None:
        self.db.execute(
            "INSERT INTO files (sha256, path, size, duration, status, reason, out_dir, stem) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.sha256,
                record.path,
                record.size,
                record.duration,
                record.status,
                record.reason,
                record.out_dir,
                record.stem,
            ),
        )

    def seen_at(self, sha256: str, path: str) -> None:
        self.db.execute("UPDATE files SET path=? WHERE sha256=?", (path, sha256))

    def set_status(self, sha256: str, status: str, reason: str | None = None, **values: Any) -> None:
        assert status in STATUSES, status
        columns = {"status": status, "reason": reason, **values}
        assignments = ", ".join(f"{name}=?" for name in columns)
        self.db.execute(f"UPDATE files SET {assignments} WHERE sha256=?", (*columns.values(), sha256))

    def mark_running(self, sha256: str, worker: str) -> None:
        self.db.execute(
            "UPDATE files SET status='running', reason=NULL, worker=?, started=?, attempts=attempts+1 WHERE sha256=?",
            (worker, time.time(), sha256),
        )

    def mark_done(
        self,
        sha256: str,
        *,
        outputs: list[str],
        transcript_key: str,
        export_key: str,
        settings: dict[str, Any],
        transcribed: bool,
        wall_seconds: float,
        cpu_seconds: float,
        language: str | None,
        duration: float | None,
        run_id: int,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE files SET status='done', reason=NULL, outputs=?, transcript_key=?, export_key=?, settings=?, "
                "transcriptions=transcriptions+?, finished=?, wall_seconds=?, cpu_seconds=?, language=?, "
                "duration=COALESCE(?, duration), run_id=? WHERE sha256=?",
                (
                    json.dumps(outputs, ensure_ascii=False),
                    transcript_key,
                    export_key,
                    json.dumps(settings, ensure_ascii=False),
                    int(transcribed),
                    time.time(),
                    wall_seconds,
                    cpu_seconds,
                    language,
                    duration,
                    run_id,
                    sha256,
                ),
            )
            db.execute("UPDATE runs SET last_seen=? WHERE id=?", (time.time(), run_id))

    def release_running(self, reason: str | None = None) -> int:
        """Rows a killed or stopped run left `running` go back to pending: they will be done again, whole."""
        cursor = self.db.execute("UPDATE files SET status='pending', reason=? WHERE status='running'", (reason,))
        return cursor.rowcount

    # -- runs -------------------------------------------------------------------------------------------------------

    def start_run(self, backend: str, workers: int, threads: int, settings: dict[str, Any]) -> int:
        now = time.time()
        cursor = self.db.execute(
            "INSERT INTO runs (started, last_seen, backend, workers, threads, settings) VALUES (?, ?, ?, ?, ?, ?)",
            (now, now, backend, workers, threads, json.dumps(settings, ensure_ascii=False)),
        )
        return int(cursor.lastrowid or 0)

    def end_run(self, run_id: int, outcome: str) -> None:
        now = time.time()
        self.db.execute("UPDATE runs SET ended=?, last_seen=?, outcome=? WHERE id=?", (now, now, outcome, run_id))

    def worker_seen(self, run_id: int, worker: str, load_seconds: float | None, rss_mb: float | None) -> None:
        self.db.execute(
            "INSERT INTO workers (run_id, worker, load_seconds, rss_mb) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(run_id, worker) DO UPDATE SET rss_mb=MAX(COALESCE(rss_mb, 0), excluded.rss_mb), "
            "files=files+(excluded.load_seconds IS NULL)",
            (run_id, worker, load_seconds, rss_mb),
        )

    def worker_stats(self, run_id: int) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM workers WHERE run_id=? ORDER BY worker", (run_id,)).fetchall()
        return [dict(r) for r in rows]

    def latest_run(self) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        return dict(row) if row else None

    # -- status -----------------------------------------------------------------------------------------------------

    def summary(self, active: bool) -> Summary:
        counts = dict.fromkeys(STATUSES, 0)
        seconds = dict.fromkeys(STATUSES, 0.0)
        for row in self.db.execute("SELECT status, COUNT(*), SUM(COALESCE(duration, 0)) FROM files GROUP BY status"):
            counts[row[0]] = row[1]
            seconds[row[0]] = row[2] or 0.0
        if not active:  # left `running` by a run that was killed: they will start again
            counts["pending"] += counts.pop("running")
            seconds["pending"] += seconds.pop("running")
        throughput = self._throughput()
        left = seconds["pending"] + seconds.get("running", 0.0)
        failed = [
            (r["path"], r["reason"] or "")
            for r in self.db.execute("SELECT path, reason FROM files WHERE status='failed' ORDER BY path")
        ]
        cpu = self.db.execute("SELECT SUM(COALESCE(cpu_seconds, 0)) FROM files WHERE status='done'").fetchone()[0]
        return Summary(
            counts=counts,
            seconds_done=seconds["done"],
            seconds_left=left,
            files_per_status_seconds=seconds,
            throughput=throughput,
            eta_seconds=left / throughput if throughput and left else (0.0 if not left else None),
            active=active,
            runs=self.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0],
            failed=failed,
            cpu_seconds=cpu or 0.0,
        )

    def _throughput(self) -> float | None:
        """Audio seconds per wall second of the latest run that transcribed something (model loading included:
        that is what a user waits for)."""
        for run in self.db.execute("SELECT id, started, last_seen FROM runs ORDER BY id DESC"):
            audio = self.db.execute(
                "SELECT SUM(COALESCE(duration, 0)) FROM files WHERE run_id=? AND status='done'", (run["id"],)
            ).fetchone()[0]
            wall = run["last_seen"] - run["started"]
            if audio and wall > 0:
                return float(audio) / wall
        return None
