"""Archive search: our index (words + meaning, fused) beside the BM25 baselines, on a retrieval split, in one run.

    python bench/search.py SPLIT_DIR [--out preds.jsonl] [--cache DIR] [--meetings 'ES*,TS*'] [--json F] [--partition]

SPLIT_DIR is a folder in the format of ../shared/data/search/dev (its README): `meetings/<id>.json` (`{"id",
"domain", "turns": [{"speaker", "text"}]}`) and `queries.jsonl`; the scorer (`score.py`) and the baselines
(`baseline.py`) are looked for in SPLIT_DIR, then its parent (`--tools DIR` to say where). Every meeting of the split
is indexed together (turn i of a meeting is unit i, so hits map back to turns), every query is run, and our ranked
results are written as score.py's preds.jsonl (`--out`): each hit reports its passage's middle turn (a passage is
5 turns, so the scorer's +-2 turns cover it whole). The BM25 baselines are baseline.py's own units and tokeniser
with rank_bm25 (turns, and 5-turn windows). Figures are score.py's `evaluate` for all three.

`--meetings` keeps only some meetings' queries (the index still holds every meeting), for checking settings on
meetings held out from tuning. `--cache DIR` keeps the e5 vectors of texts seen before (keyed by the text), so a
second run skips the embedding; indexing time is then not the real cost and is reported as cached.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np


def _common() -> ModuleType:
    """bench/common.py, also when this file is imported (by its test) rather than run as a script."""
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    import common

    return common


def load_tool(name: str, split: Path, tools: Path | None) -> ModuleType:
    """score.py / baseline.py from --tools, the split folder or its parent (baseline.py imports `score`)."""
    for folder in [tools] if tools else [split, split.parent]:
        path = folder / f"{name}.py"
        if path.is_file():
            if str(folder) not in sys.path:
                sys.path.insert(0, str(folder))
            spec = importlib.util.spec_from_file_location(name, path)
            assert spec and spec.loader
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            return module
    raise SystemExit(f"error: no {name}.py in {tools or f'{split} or {split.parent}'}: say where with --tools DIR")


class CachedEncoder:
    """An encoder that remembers vectors by text (sha1 of kind + text) in DIR/vectors.npz; e5 loads on a miss only."""

    def __init__(self, folder: Path | None) -> None:
        from minutes.draft.embed import E5_DIM

        self.name, self.dim = "multilingual-e5-small-q4", E5_DIM
        self.file = folder / "vectors.npz" if folder else None
        self.store: dict[str, np.ndarray] = {}
        self.misses = 0
        self._inner: Any = None
        if self.file and self.file.is_file():
            data = np.load(self.file)
            self.store = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

    def _encoder(self) -> Any:
        if self._inner is None:
            from minutes.search.encoder import E5Encoder

            self._inner = E5Encoder()
        return self._inner

    @staticmethod
    def _key(kind: str, text: str) -> str:
        return hashlib.sha1(f"{kind}\0{text}".encode()).hexdigest()

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self._key("passage", t) for t in texts]
        todo = [i for i, k in enumerate(keys) if k not in self.store and texts[i].strip()]
        if todo:
            self.misses += len(todo)
            fresh = self._encoder().passages([texts[i] for i in todo])
            for i, v in zip(todo, fresh, strict=True):
                self.store[keys[i]] = v
        zero = np.zeros(self.dim, dtype=np.float32)
        return np.stack([self.store.get(k, zero) if t.strip() else zero for k, t in zip(keys, texts, strict=True)])

    def query(self, text: str) -> np.ndarray:
        key = self._key("query", text)
        if key not in self.store:
            self.misses += 1
            self.store[key] = self._encoder().query(text)
        return self.store[key]

    def save(self) -> None:
        if self.file and self.misses:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            keys = list(self.store)
            tmp = self.file.with_suffix(".tmp.npz")
            np.savez(tmp, keys=np.array(keys), vectors=np.stack([self.store[k] for k in keys]))
            tmp.replace(self.file)


def run_ours(
    split: Path, queries: list[dict[str, Any]], encoder: Any, db: Path
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    from minutes.search import meeting as meeting_io
    from minutes.search.index import SearchIndex

    index = SearchIndex(db, encoder=encoder)
    t0 = time.perf_counter()
    n_passages = 0
    for path in sorted((split / "meetings").glob("*.json")):
        loaded = meeting_io.load(path)
        assert loaded is not None
        n_passages += index.add(loaded)
    t_index = time.perf_counter() - t0
    preds, times = [], []
    for q in queries:
        t = time.perf_counter()
        hits = index.search(q["query"], k=10)
        times.append(time.perf_counter() - t)
        # the passage's middle turn: every turn of a 5-turn passage is within the scorer's +-2 of it
        results = [{"meeting_id": h.meeting_id, "turn": (h.first + h.last) // 2, "score": h.score} for h in hits]
        preds.append({"qid": q["qid"], "results": results})
    index.close()
    info = {"units": n_passages, "index_s": t_index, **_latency(times)}
    return preds, info


def run_bm25(
    baseline: ModuleType, split: Path, queries: list[dict[str, Any]], method: str
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """baseline.py's BM25 (its units and tokeniser, rank_bm25 defaults) without writing into the data folder."""
    from rank_bm25 import BM25Okapi

    meetings = baseline.load_meetings(str(split))
    t0 = time.perf_counter()
    ids, turns, docs = zip(*baseline.units(meetings, method), strict=True)
    bm25 = BM25Okapi(list(docs))
    t_index = time.perf_counter() - t0
    preds, times = [], []
    for q in queries:
        t = time.perf_counter()
        scores = bm25.get_scores(baseline.tokenize(q["query"]))
        top = np.argsort(-scores, kind="stable")[:10]
        times.append(time.perf_counter() - t)
        results = [{"meeting_id": ids[i], "turn": int(turns[i]), "score": float(scores[i])} for i in top]
        preds.append({"qid": q["qid"], "results": results})
    return preds, {"units": len(docs), "index_s": t_index, **_latency(times)}


def encode_latency(queries: list[dict[str, Any]], n: int = 30) -> dict[str, float]:
    """e5 time to embed one query (a cached run's query times leave it out), on the first n queries."""
    from minutes.search.encoder import E5Encoder

    encoder = E5Encoder()
    times = []
    for q in queries[:n]:
        t = time.perf_counter()
        encoder.query(q["query"])
        times.append(time.perf_counter() - t)
    return _latency(times)


def _latency(times: list[float]) -> dict[str, float]:
    ms = sorted(1000 * t for t in times) or [0.0]
    return {"ms_median": statistics.median(ms), "ms_p95": float(np.percentile(ms, 95))}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("split", type=Path, help="a folder with meetings/ and queries.jsonl")
    ap.add_argument("--out", type=Path, help="write our ranked results here (score.py's preds.jsonl)")
    ap.add_argument("--cache", type=Path, help="keep e5 vectors here between runs")
    ap.add_argument("--meetings", default="", help="only these meetings' queries: comma-separated ids or patterns")
    ap.add_argument("--tools", type=Path, help="the folder with score.py and baseline.py")
    ap.add_argument("--no-baselines", action="store_true", help="our search only")
    ap.add_argument("--json", type=Path, help="write all figures here")
    ap.add_argument(
        "--partition",
        action="store_true",
        help="force the partitioned meaning search used above 50,000 units (to see what it costs in quality)",
    )
    args = ap.parse_args(argv)
    if args.partition:
        from minutes.search import index as search_index

        search_index.EXACT_UNITS = 0
    common = _common()
    split = args.split.resolve()
    score = load_tool("score", split, args.tools)
    info = common.machine(threads=1)
    queries = score.load_queries(str(split))
    if args.meetings:
        patterns = [p.strip() for p in args.meetings.split(",") if p.strip()]
        queries = [q for q in queries if any(fnmatch.fnmatch(q["meeting_id"], p) for p in patterns)]
    encoder = CachedEncoder(args.cache)
    with tempfile.TemporaryDirectory() as tmp:
        preds, ours = run_ours(split, queries, encoder, Path(tmp) / "index.sqlite")
    ours["cached_vectors"] = encoder.misses == 0
    if ours["cached_vectors"]:
        encoding = encode_latency(queries)
        ours["encode_ms_median"], ours["encode_ms_p95"] = encoding["ms_median"], encoding["ms_p95"]
    encoder.save()
    runs = {"ours": (preds, ours)}
    if not args.no_baselines:
        baseline = load_tool("baseline", split, args.tools)
        for method in ("window", "turn"):
            runs[f"bm25-{method}"] = run_bm25(baseline, split, queries, method)
    if args.out:
        with args.out.open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(p) + "\n" for p in preds)
    info["load_average_end"] = round(__import__("os").getloadavg()[0], 2)
    print(common.header(info))
    print(
        f"- {len(queries)} queries over {len(list((split / 'meetings').glob('*.json')))} meetings, peak RSS "
        f"{common.peak_rss_mb():.0f} MB"
    )
    results: dict[str, Any] = {"machine": info, "runs": {}}
    for name, (p, run_info) in runs.items():
        res = score.evaluate(queries, {x["qid"]: x["results"] for x in p})
        cached = ""
        if run_info.get("cached_vectors"):
            cached = (
                f" (vectors from cache; e5 adds {run_info['encode_ms_median']:.1f} ms median / "
                f"{run_info['encode_ms_p95']:.1f} ms p95 per query)"
            )
        title = (
            f"\n== {name}: {run_info['units']} units, index {run_info['index_s']:.1f} s{cached}, "
            f"query {run_info['ms_median']:.1f} ms median / {run_info['ms_p95']:.1f} ms p95"
        )
        print(score.format_table(res, title))
        results["runs"][name] = {"info": run_info, "scores": res}
    print("\n== summary (all queries)")
    print(f"{'method':<14}" + "".join(f"{m:>8}" for m in score.METRICS))
    for name, r in results["runs"].items():
        print(f"{name:<14}" + "".join(f"{r['scores']['all'][m]:>8.3f}" for m in score.METRICS))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
