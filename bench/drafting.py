"""Drafting quality: each drafter's minutes against human-written ones, beside a trivial floor, in one run.

    python bench/drafting.py DATA_DIR [--drafter extractive,llm,first-150-words] [--items 'ami_*,dialogsum_test_0']
                             [--out DIR] [--json FILE] [--threads 2]

DATA_DIR is a folder in the format of ../shared/data/minutes (its README): `data/<id>.transcript.json` (turns
`{"speaker", "text", "start", "end"}`), `data/<id>.ref.json` (`lang`, `summary`, `decisions`, `action_items`),
`split.tsv` and `score.py`; the `data/` folder itself works too. Items are the ids in split.tsv (else every
transcript in data/), optionally filtered by `--items` (comma-separated ids or shell patterns).

Transcripts have no times: each turn becomes one segment whose words get 0.35 s each (about 170 words a minute),
with a 0.5 s pause between turns, so every drafted item still carries a time span. "UNKNOWN" speakers become none.

Each drafter runs in its own fresh interpreter (its peak RSS is its own) and writes `<id>.pred.json` into
`--out DIR/<drafter>/` in score.py's format: `summary` = the minutes' summary points (what the secretary reads as
the summary: the topic-by-topic discussion is the body of the minutes, not its summary), `decisions` = every
decision, `action_items` = every action item as the minutes' prose reads it ("The Marketing Expert will check the
evaluations. (by Friday)"; "owner: task (due)" in a language whose cue file sets no `task_verb`). Scoring uses
DATA_DIR's own score.py (ROUGE-1/2/Lsum F1 of the summary; decisions and action items matched at ROUGE-L F1 >= 0.3,
micro P/R), so the figures are the ones score.py prints. Drafters: `extractive`, `llm` (skipped with a line when
its model is not installed), `first-150-words` (the floor: the transcript's first 150 words as the summary), or
any other name `minutes.job.make_drafter` knows.
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib.util
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

SECONDS_PER_WORD = 0.35
TURN_GAP = 0.5
FLOOR = "first-150-words"
FLOOR_WORDS = 150
DEFAULT_DRAFTERS = ("extractive", "llm", FLOOR)
NO_SPEAKER = frozenset({"", "unknown", "none"})


# -- the data folder ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSet:
    data: Path  # the folder with <id>.transcript.json and <id>.ref.json
    score_py: Path
    split: Path | None


def locate(path: Path) -> DataSet:
    """The data folder and its score.py, whether DATA_DIR is the set's root or its data/ folder."""
    path = path.expanduser().resolve()
    if not path.is_dir():
        raise SystemExit(f"drafting: error: {path} is not a folder")
    data = path / "data" if (path / "data").is_dir() else path
    score_py = next((p for p in (path / "score.py", data.parent / "score.py") if p.is_file()), None)
    if score_py is None:
        raise SystemExit(f"drafting: error: no score.py in {path} or its parent: is this a minutes data folder?")
    split = next((p for p in (path / "split.tsv", data.parent / "split.tsv") if p.is_file()), None)
    return DataSet(data, score_py, split)


def load_scorer(score_py: Path) -> ModuleType:
    """The data set's own score.py as a module, so the figures are exactly the ones it prints."""
    spec = importlib.util.spec_from_file_location("minutes_score", score_py)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except ImportError as exc:
        raise SystemExit(f"drafting: error: {score_py} needs {exc.name}: pip install -e '.[dev]'") from None
    return module


def item_ids(dataset: DataSet, patterns: Sequence[str] = ()) -> list[str]:
    if dataset.split is not None:
        lines = dataset.split.read_text(encoding="utf-8").splitlines()
        ids = [line.split("\t")[0] for line in lines[1:] if line.strip()]
    else:
        ids = sorted(p.name.removesuffix(".transcript.json") for p in dataset.data.glob("*.transcript.json"))
    if patterns:
        ids = [i for i in ids if any(fnmatch.fnmatchcase(i, p) for p in patterns)]
    if not ids:
        raise SystemExit(f"drafting: error: no items in {dataset.data}" + (" match --items" if patterns else ""))
    return ids


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SystemExit(f"drafting: error: {path} is missing") from None
    except json.JSONDecodeError as exc:
        raise SystemExit(f"drafting: error: {path} is not valid JSON ({exc})") from None


def reference(dataset: DataSet, item: str) -> dict[str, Any]:
    path = dataset.data / f"{item}.ref.json"
    return read_json(path) if path.is_file() else {}


def build_transcript(turns: list[dict[str, Any]], language: str, source: str | None = None) -> Any:
    """A `minutes.model.Transcript` from text turns: one segment per turn, synthetic word times (see the module doc)."""
    from minutes.model import Segment, Transcript, Word, nfc

    segments, t = [], 0.0
    for turn in turns:
        words = nfc(str(turn.get("text") or "")).split()
        if not words:
            continue
        speaker = str(turn.get("speaker") or "").strip()
        speaker = None if speaker.lower() in NO_SPEAKER else speaker
        timed = [
            Word(f" {w}", round(t + k * SECONDS_PER_WORD, 3), round(t + (k + 1) * SECONDS_PER_WORD - 0.05, 3), 1.0)
            for k, w in enumerate(words)
        ]
        for w in timed:
            w.speaker = speaker
        segments.append(Segment(timed[0].start, timed[-1].end, " ".join(words), timed, speaker))
        t = timed[-1].end + TURN_GAP
    return Transcript(language=language, duration=round(t, 3), segments=segments, source=source)


def load_transcript(dataset: DataSet, item: str) -> Any:
    turns = read_json(dataset.data / f"{item}.transcript.json")
    if not isinstance(turns, list):
        raise SystemExit(f"drafting: error: {item}.transcript.json must be a list of turns")
    return build_transcript(turns, reference(dataset, item).get("lang") or "en", source=item)


# -- predictions --------------------------------------------------------------------------------------------------


def action_text(task: str, owner: str | None, due: str | None, language: str | None = "en") -> str:
    """An action item as the minutes' prose reads it ("The Marketing Expert will check the evaluations (by
    Friday)."; languages whose cue file sets no `task_verb`: "owner: task (due)")."""
    from minutes.draft.extractive import load_cues
    from minutes.draft.rewrite import action_sentence

    return action_sentence(task, owner, due, load_cues(language).rules)


def prediction(minutes: Any) -> dict[str, list[str]]:
    """score.py's format from `Minutes`: the summary points, every decision, every action item."""
    decisions = [p.text for t in minutes.topics for p in t.decisions] + [p.text for p in minutes.decisions]
    actions = [a for t in minutes.topics for a in t.action_items] + list(minutes.action_items)
    return {
        "summary": [p.text for p in minutes.summary],
        "decisions": decisions,
        "action_items": [action_text(a.task, a.owner, a.due, minutes.language) for a in actions],
    }


def floor_prediction(transcript: Any) -> dict[str, list[str]]:
    words = transcript.text.split()[:FLOOR_WORDS]
    return {"summary": [" ".join(words)], "decisions": [], "action_items": []}


class TokenCount:
    """A drafting hook that sums the LLM's prompt and generated tokens (each completion reports its own)."""

    def __init__(self) -> None:
        self.prompt = 0
        self.generated = 0
        self.warnings: list[str] = []

    def __call__(self, step: str, *_: object, **info: Any) -> None:
        if step == "draft" and "prompt_tokens" in info:
            self.prompt += int(info["prompt_tokens"])
            self.generated += int(info.get("generated_tokens") or 0)
        elif step == "warning":
            self.warnings.append(str(info.get("message", "")))


def make_drafter(name: str) -> Any:
    """The drafter to run, or a str saying why it cannot run here (an LLM whose model is not installed)."""
    from minutes.errors import MinutesError, ModelError

    if name == "extractive":
        from minutes.draft.extractive import ExtractiveDrafter

        return ExtractiveDrafter()
    try:
        from minutes.job import make_drafter as job_drafter

        return job_drafter(name)
    except (ModelError, ImportError) as exc:
        return f"{name} skipped: its model is not installed or cannot load ({exc})"
    except MinutesError as exc:
        return f"{name} skipped: {exc}"


def draft_items(
    drafter: str, dataset: DataSet, items: Sequence[str], out: Path, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Draft every item with one drafter (loaded once), write the pred files; figures per item."""
    from minutes.draft.base import DraftOptions
    from minutes.model import MeetingInfo

    engine = None if drafter == FLOOR else make_drafter(drafter)
    if isinstance(engine, str):
        return {"drafter": drafter, "skipped": engine}
    out.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Any] = {"drafter": drafter, "items": {}}
    for item in items:
        transcript = load_transcript(dataset, item)
        speakers = list(dict.fromkeys(s.speaker for s in transcript.segments if s.speaker))
        tokens = TokenCount()
        t0 = time.monotonic()
        if engine is None:
            pred, used = floor_prediction(transcript), FLOOR
        else:
            minutes = engine.draft(transcript, MeetingInfo(attendees=speakers), DraftOptions(), tokens)
            pred, used = prediction(minutes), getattr(engine, "name", drafter)
        seconds = time.monotonic() - t0
        (out / f"{item}.pred.json").write_text(json.dumps(pred, ensure_ascii=False, indent=1), encoding="utf-8")
        figures["items"][item] = {
            "seconds": seconds,
            "prompt_tokens": tokens.prompt,
            "generated_tokens": tokens.generated,
            "words": len(transcript.text.split()),
            "used": used,
            "warnings": tokens.warnings,
        }
        log(f"  {drafter} {item}: {seconds:.1f} s")
    if hasattr(engine, "close"):
        engine.close()
    return figures


# -- scoring ------------------------------------------------------------------------------------------------------


def score_item(scorer: ModuleType, ref: dict[str, Any], pred: dict[str, Any]) -> dict[str, Any]:
    """score.py's figures for one item: summary ROUGE F1 against the primary reference, list hits."""
    lang = ref.get("lang", "en")
    rouge = scorer.rouge(lang, scorer.as_text(ref.get("summary")), scorer.as_text(pred.get("summary")))
    out: dict[str, Any] = {"lang": lang, **{k: rouge[k] for k in ("rouge1", "rouge2", "rougeLsum")}}
    for key in ("decisions", "action_items"):
        gold = ref.get(key)
        if gold is None:
            out[key] = None
            continue
        gh, ng, ph, np_ = scorer.list_match(lang, scorer.as_list(gold), scorer.as_list(pred.get(key)))
        out[key] = {"gold_hit": gh, "n_gold": ng, "pred_hit": ph, "n_pred": np_}
    return out


def aggregate(scores: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean ROUGE over items (as score.py), micro P/R over the items with gold lists."""
    n = len(scores)
    out: dict[str, Any] = {"n": n, **{k: sum(s[k] for s in scores) / n for k in ("rouge1", "rouge2", "rougeLsum")}}
    for key in ("decisions", "action_items"):
        lists = [s[key] for s in scores if s[key] is not None]
        if not lists:
            out[key] = None
            continue
        gh, ng = sum(x["gold_hit"] for x in lists), sum(x["n_gold"] for x in lists)
        ph, np_ = sum(x["pred_hit"] for x in lists), sum(x["n_pred"] for x in lists)
        out[key] = {"P": ph / np_ if np_ else None, "R": gh / ng if ng else None, "hits": (gh, ng, ph, np_)}
    return out


def groups(items: Sequence[str], refs: dict[str, dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """All items, then each language, then each data set that has gold decision lists (AMI)."""
    out = [("all", list(items))]
    for lang in sorted({refs[i].get("lang", "en") for i in items}):
        out.append((f"lang={lang}", [i for i in items if refs[i].get("lang", "en") == lang]))
    listed = sorted({refs[i].get("dataset", "") for i in items if refs[i].get("decisions") is not None})
    for ds in listed:
        out.append((ds, [i for i in items if refs[i].get("dataset") == ds]))
    return [(label, sel) for label, sel in out if sel]


def pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def pr(x: dict[str, Any] | None) -> str:
    if x is None:
        return "-"
    found, gold = x["hits"][:2]
    return f"{pct(x['P'])} / {pct(x['R'])} ({found}/{gold})"


def item_pr(x: dict[str, Any] | None) -> str:
    return "-" if x is None else f"{x['pred_hit']}/{x['n_pred']}, {x['gold_hit']}/{x['n_gold']}"


def report(
    runs: Sequence[dict[str, Any]],
    items: Sequence[str],
    refs: dict[str, dict[str, Any]],
    scores: dict[str, dict[str, dict[str, Any]]],
) -> str:
    lines = ["### Per item\n"]
    lines.append("| item | lang | drafter | R1 | R2 | RLsum | decisions right/drafted, found/gold | actions | s |")
    lines.append("|---" * 9 + "|")
    for item in items:
        for run in runs:
            if "skipped" in run:
                continue
            s, f = scores[run["drafter"]][item], run["items"][item]
            lines.append(
                f"| {item} | {s['lang']} | {run['drafter']} | {pct(s['rouge1'])} | {pct(s['rouge2'])} "
                f"| {pct(s['rougeLsum'])} | {item_pr(s['decisions'])} | {item_pr(s['action_items'])} "
                f"| {f['seconds']:.1f} |"
            )
    lines += ["", "### Overall (mean ROUGE F1 % over items; decisions/actions: micro P / R % (found/gold))\n"]
    lines.append(
        "| group | n | drafter | R1 | R2 | RLsum | decisions P / R | actions P / R | draft s | tokens in/out "
        "| peak RSS MB |"
    )
    lines.append("|---" * 11 + "|")
    for label, sel in groups(items, refs):
        for run in runs:
            if "skipped" in run:
                continue
            a = aggregate([scores[run["drafter"]][i] for i in sel])
            per = [run["items"][i] for i in sel]
            tokens = f"{sum(p['prompt_tokens'] for p in per)} / {sum(p['generated_tokens'] for p in per)}"
            lines.append(
                f"| {label} | {a['n']} | {run['drafter']} | {pct(a['rouge1'])} | {pct(a['rouge2'])} "
                f"| {pct(a['rougeLsum'])} | {pr(a['decisions'])} | {pr(a['action_items'])} "
                f"| {sum(p['seconds'] for p in per):.1f} | {tokens} | {run.get('peak_rss_mb', 0):.0f} |"
            )
    for run in runs:
        if "skipped" in run:
            lines.append(f"\n{run['skipped']}")
        else:
            warned = {w for f in run["items"].values() for w in f["warnings"]}
            if warned:
                lines.append(f"\n{run['drafter']} warnings: " + "; ".join(sorted(warned)))
    return "\n".join(lines)


# -- main ---------------------------------------------------------------------------------------------------------


def _common() -> ModuleType:
    """bench/common.py, also when this file is imported (by its test) rather than run as a script."""
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    import common

    return common


def worker(args: argparse.Namespace, dataset: DataSet, items: list[str]) -> dict[str, Any]:
    peak_rss_mb = _common().peak_rss_mb

    figures = draft_items(args.worker, dataset, items, args.out / args.worker, log=lambda m: print(m, file=sys.stderr))
    figures["peak_rss_mb"] = peak_rss_mb()
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path, help="a folder in the format of ../shared/data/minutes")
    parser.add_argument("--drafter", default=",".join(DEFAULT_DRAFTERS), help="comma-separated drafter names")
    parser.add_argument("--items", default="", help="comma-separated item ids or patterns ('ami_*')")
    parser.add_argument("--out", type=Path, help="where the <drafter>/<id>.pred.json files go (default: a temp dir)")
    parser.add_argument("--json", type=Path, help="write all figures here")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    dataset = locate(args.data_dir)
    items = item_ids(dataset, [p.strip() for p in args.items.split(",") if p.strip()])
    if args.out is None:
        import tempfile

        args.out = Path(tempfile.mkdtemp(prefix="bench-drafting-"))
    common = _common()
    if args.worker:
        common.emit(worker(args, dataset, items))
        return
    scorer = load_scorer(dataset.score_py)
    info = common.machine(args.threads)
    drafters = [d.strip() for d in args.drafter.split(",") if d.strip()]
    refs = {i: reference(dataset, i) for i in items}
    print(f"{len(items)} items from {dataset.data}; drafters: {', '.join(drafters)}; predictions in {args.out}")
    runs, scores = [], {}
    for drafter in drafters:
        extra = [str(args.data_dir), "--items", ",".join(items), "--out", str(args.out), "--threads", str(args.threads)]
        run = common.run_worker(Path(__file__), drafter, extra)
        runs.append(run)
        if "skipped" in run:
            print(run["skipped"], file=sys.stderr)
            continue
        preds = {i: read_json(args.out / drafter / f"{i}.pred.json") for i in items}
        scores[drafter] = {i: score_item(scorer, refs[i], preds[i]) for i in items}
    info["load_average_end"] = round(os.getloadavg()[0], 2)
    print(f"\n## Drafting quality, {dataset.data}\n")
    print(common.header(info) + "\n")
    print(report(runs, items, refs, scores))
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "runs": runs, "scores": scores}, indent=1))


if __name__ == "__main__":
    main()
