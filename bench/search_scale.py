"""Search speed over a big archive: the split's real meetings repeated until they make HOURS of speech.

    python bench/search_scale.py SPLIT_DIR [--hours 1000] [--queries 100] [--cache DIR] [--db FILE]

Hours are counted at 150 spoken words a minute (the split's transcripts have no times). Vectors come from `--cache`
(bench/search.py's e5 cache) where a text is in it, else a fixed pseudo-random unit vector per text: the time a query
takes does not depend on the values. Reports the build time, the index size, the first query (loads the vectors), then
the median / p95 of the split's questions (e5 query embedding excluded: bench/search.py reports it), CPU time, each
side alone, how much of the exact meaning-side ranking the partitioned search (above 50,000 units) keeps, and RSS.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

WORDS_PER_HOUR = 150 * 60


class ReplayEncoder:
    """Cached e5 vectors where known; else a unit vector seeded by the text (stable, no model)."""

    name, dim = "replay", 384

    def __init__(self, cache: Path | None) -> None:
        self.store: dict[str, np.ndarray] = {}
        if cache and (cache / "vectors.npz").is_file():
            data = np.load(cache / "vectors.npz")
            self.store = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

    def _vector(self, kind: str, text: str) -> np.ndarray:
        key = hashlib.sha1(f"{kind}\0{text}".encode()).hexdigest()
        if key in self.store:
            return self.store[key]
        rng = np.random.default_rng(int(key[:12], 16))
        v = rng.normal(size=self.dim).astype(np.float32)
        return v / np.linalg.norm(v)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector("passage", t) for t in texts]) if texts else np.zeros((0, self.dim))

    def query(self, text: str) -> np.ndarray:
        return self._vector("query", text)


def _partition_agreement(index: Any, queries: list[str]) -> tuple[float, float] | None:
    """Share of the exact meaning-side top 10 / top 100 that the partitioned search returns (None: no partition)."""
    vectors = index._loaded()
    partition = vectors.partition
    if partition is None:
        return None

    def moments(ids: list[int]) -> list[tuple[str, int]]:
        # the copies of a meeting are the same moment: compare (meeting, first unit) with the copy number dropped
        rows = dict(
            (pid, (m.split("#")[0], first))
            for pid, m, first in index.conn.execute(
                f"SELECT id, meeting_id, first FROM passages WHERE id IN ({','.join('?' * len(ids))})", ids
            )
        )
        return list(dict.fromkeys(rows[i] for i in ids))

    at10, at100 = [], []
    for q in queries:
        vector = index.encoder.query(q)
        found = moments(index.dense(q, vector=vector)[0])
        vectors.partition = None  # the same vectors, every unit scored
        exact = moments(index.dense(q, vector=vector)[0])
        vectors.partition = partition
        at10.append(len(set(found) & set(exact[:10])) / max(1, len(exact[:10])))
        at100.append(len(set(found) & set(exact)) / max(1, len(exact)))
    return float(np.mean(at10)), float(np.mean(at100))


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("split", type=Path)
    ap.add_argument("--hours", type=float, default=1000.0)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--db", type=Path, help="keep the built archive here; an archive already there is reused")
    args = ap.parse_args(argv)
    here = str(Path(__file__).resolve().parent)
    sys.path.insert(0, here)
    import common

    from minutes.search import meeting as meeting_io
    from minutes.search.index import SearchIndex

    meetings = [m for p in sorted((args.split / "meetings").glob("*.json")) if (m := meeting_io.load(p))]
    words = sum(len(u.text.split()) for m in meetings for u in m.units)
    copies = max(1, round(args.hours * WORDS_PER_HOUR / words))
    queries = [json.loads(x)["query"] for x in (args.split / "queries.jsonl").read_text().splitlines() if x.strip()]
    encoder = ReplayEncoder(args.cache)
    info = common.machine(threads=1)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "index.sqlite"
        index = SearchIndex(db, encoder=encoder)
        t0 = time.perf_counter()
        if len(index.meetings()) != copies * len(meetings):
            for copy in range(copies):
                for m in meetings:
                    m.id = f"{m.id.split('#')[0]}#{copy}"
                    index.add(m)
        build = time.perf_counter() - t0
        size_mb = sum(f.stat().st_size for f in db.parent.glob(db.name + "*")) / 1e6
        t = time.perf_counter()
        index.search(queries[0])
        first = time.perf_counter() - t
        times, cpu = [], time.process_time()
        for q in queries[: args.queries]:
            t = time.perf_counter()
            index.search(q)
            times.append(1000 * (time.perf_counter() - t))
        cpu = time.process_time() - cpu
        sides = {"words": [], "meaning": []}
        for q in queries[: args.queries]:
            t = time.perf_counter()
            index.lexical(q)
            sides["words"].append(1000 * (time.perf_counter() - t))
            t = time.perf_counter()
            index.dense(q)
            sides["meaning"].append(1000 * (time.perf_counter() - t))
        agreement = _partition_agreement(index, queries[: args.queries])
    units = sum(len(m.units) for m in meetings) * copies
    print(common.header(info))
    print(
        f"- {copies} copies of {len(meetings)} meetings: {copies * words / WORDS_PER_HOUR:.0f} hours at 150 words/min, "
        f"{units:,} units; built in {build:.0f} s, {size_mb:.0f} MB on disk"
    )
    print(f"- first query (loads the vectors): {first:.1f} s")
    print(
        f"- {len(times)} queries: {statistics.median(times):.0f} ms median, {np.percentile(times, 95):.0f} ms p95 "
        f"({1000 * cpu / len(times):.0f} ms CPU per query on average); peak RSS {common.peak_rss_mb():.0f} MB"
    )
    for side, ms in sides.items():
        print(f"  - {side} side alone: {statistics.median(ms):.0f} ms median, {np.percentile(ms, 95):.0f} ms p95")
    if agreement is not None:
        print(
            f"- partitioned meaning search vs scoring every unit: {agreement[0]:.1%} of the exact top 10 moments "
            f"found, {agreement[1]:.1%} of the top 100 (copies of a meeting count as one moment)"
        )


if __name__ == "__main__":
    main()
