"""AlgoLisp JSONL files in the original schema: loading, writing, statistics, supervised rows.

One problem per line: ``{"text": [tokens], "args": {name: type}, "return_type": str,
"short_tree": nested list, "tests": [{"input": {...}, "output": ...}], "tags": [...]}``.
``to_records`` turns problems into the project's supervised rows (task ``program_synthese``);
their ``args`` and ``tests`` are JSON strings because outputs mix types across rows, which Arrow
columns cannot hold.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codetrans.algolisp.errors import AlgoLispError
from codetrans.algolisp.parser import as_tree, depth, flatten, to_str
from codetrans.errors import DataError
from codetrans.tasks import SYNTHESIS as TASK

SPLIT_FILES = {"train": "train.jsonl", "validation": "dev.jsonl", "test": "test.jsonl"}


@dataclass
class LoadResult:
    """Problems read from a file, plus why the other lines were skipped."""

    problems: list[dict]
    skipped: Counter = field(default_factory=Counter)

    @property
    def n_skipped(self) -> int:
        return sum(self.skipped.values())


def validate_problem(obj: Any) -> dict:
    """Check one record of the original schema and return it normalised; raises ValueError(reason)."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    for key in ("text", "short_tree", "args"):
        if key not in obj:
            raise ValueError(f"missing {key}")
    text = obj["text"]
    if isinstance(text, str):
        text = text.split()
    if not isinstance(text, list) or not text or not all(isinstance(t, str) for t in text):
        raise ValueError("text is not a non-empty token list")
    try:
        tree = as_tree(obj["short_tree"])
    except AlgoLispError:
        raise ValueError("short_tree does not parse") from None
    args = obj["args"]
    if not isinstance(args, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in args.items()):
        raise ValueError("args is not a {name: type} object")
    tests = obj.get("tests", [])
    if not isinstance(tests, list) or not all(
        isinstance(t, dict) and isinstance(t.get("input"), dict) and "output" in t for t in tests
    ):
        raise ValueError("tests are not [{input, output}] objects")
    out = dict(obj)
    out.update(text=text, short_tree=tree, args=args, tests=tests,
               return_type=obj.get("return_type", ""), tags=list(obj.get("tags") or []))
    return out


def load_jsonl(path: str | Path) -> LoadResult:
    """Read an AlgoLisp JSONL file, skipping malformed lines (counted by reason in ``skipped``)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"AlgoLisp file not found: {path}")
    result = LoadResult([])
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                result.skipped["invalid JSON"] += 1
                continue
            try:
                result.problems.append(validate_problem(obj))
            except ValueError as exc:
                result.skipped[str(exc)] += 1
    return result


def write_jsonl(problems: Iterable[dict], path: str | Path) -> int:
    """Write problems one per line; returns the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for p in problems:
            f.write(json.dumps(p, ensure_ascii=False, separators=(",", ":")) + "\n")
            n += 1
    return n


def program_target(short_tree: str | list) -> str:
    """The model's target text: flat code tokens, ``( reduce ( map a square ) 0 + )``.

    Spaced parentheses keep every code token a separate word for the tokenizer, as the original
    models' flattened output did, and match ``codetrans.data.load_algolisp``. Any spelling parses.
    """
    return " ".join(flatten(as_tree(short_tree)))


def to_records(problems: Iterable[dict]) -> list[dict]:
    """Supervised rows: ``source`` = the description, ``target`` = :func:`program_target`.

    ``args`` and ``tests`` travel along as JSON strings so that
    :func:`codetrans.algolisp.scoring.execute_matches` can score a prediction from the row alone.
    """
    rows = []
    for i, p in enumerate(problems):
        text = p["text"] if isinstance(p["text"], list) else str(p["text"]).split()
        rows.append({
            "task": TASK,
            "source": " ".join(text),
            "target": program_target(p["short_tree"]),
            "id": str(p.get("id", i)),
            "args": json.dumps(p.get("args", {}), sort_keys=False),
            "tests": json.dumps(p.get("tests", [])),
            "return_type": p.get("return_type", ""),
            "tags": list(p.get("tags") or []),
        })
    return rows


def load_splits(directory: str | Path) -> dict[str, list[dict]]:
    """Read ``train.jsonl``, ``dev.jsonl``, ``test.jsonl`` of a directory (split names as in datasets)."""
    directory = Path(directory)
    out = {}
    for split, name in SPLIT_FILES.items():
        if (directory / name).is_file():
            out[split] = load_jsonl(directory / name).problems
    if not out:
        raise DataError(f"no AlgoLisp split files ({', '.join(SPLIT_FILES.values())}) in {directory}")
    return out


def to_dataset_dict(directory: str | Path):
    """The splits of a directory as a ``datasets.DatasetDict`` of supervised rows."""
    import datasets

    return datasets.DatasetDict({
        split: datasets.Dataset.from_list(to_records(problems))
        for split, problems in load_splits(directory).items()
    })


def statistics(problems: list[dict]) -> dict[str, Any]:
    """Counts, program depth histogram, vocabulary sizes and lengths of a list of problems."""
    text_vocab: Counter = Counter()
    code_vocab: Counter = Counter()
    depths: Counter = Counter()
    families: Counter = Counter()
    returns: Counter = Counter()
    programs = set()
    text_len = code_len = tests = 0
    for p in problems:
        tree = as_tree(p["short_tree"])
        toks = flatten(tree)
        text_vocab.update(p["text"])
        code_vocab.update(t for t in toks if t not in "()")
        depths[depth(tree)] += 1
        families[(p.get("tags") or ["?"])[0]] += 1
        returns[p.get("return_type", "")] += 1
        programs.add(to_str(tree))
        text_len += len(p["text"])
        code_len += len(toks)
        tests += len(p.get("tests", []))
    n = max(1, len(problems))
    return {
        "problems": len(problems),
        "distinct_programs": len(programs),
        "families": dict(sorted(families.items())),
        "return_types": dict(sorted(returns.items())),
        "depths": dict(sorted(depths.items())),
        "text_vocab": len(text_vocab),
        "code_vocab": len(code_vocab),
        "mean_text_tokens": round(text_len / n, 1),
        "mean_code_tokens": round(code_len / n, 1),
        "mean_tests": round(tests / n, 1),
        "_text_tokens": set(text_vocab),
        "_code_tokens": set(code_vocab),
    }


def statistics_table(splits: dict[str, list[dict]]) -> tuple[list[str], list[tuple[str, ...]], dict]:
    """(columns, rows, statistics): one column per split plus the union, one row per statistic (the command
    line draws it as a table)."""
    stats = {name: statistics(problems) for name, problems in splits.items()}
    stats["all"] = statistics([p for problems in splits.values() for p in problems])
    rows: list[tuple[str, ...]] = []

    def row(label: str, fn) -> None:
        rows.append((label, *[str(fn(s)) for s in stats.values()]))

    row("problems", lambda s: s["problems"])
    row("distinct programs", lambda s: s["distinct_programs"])
    for fam in sorted(stats["all"]["families"]):
        row(f"family {fam}", lambda s, f=fam: s["families"].get(f, 0))
    for rt in sorted(stats["all"]["return_types"]):
        row(f"returns {rt}", lambda s, r=rt: s["return_types"].get(r, 0))
    for d in sorted(stats["all"]["depths"]):
        row(f"depth {d}", lambda s, d=d: s["depths"].get(d, 0))
    row("text vocabulary", lambda s: s["text_vocab"])
    row("code vocabulary", lambda s: s["code_vocab"])
    row("mean text tokens", lambda s: s["mean_text_tokens"])
    row("mean code tokens", lambda s: s["mean_code_tokens"])
    row("mean tests", lambda s: s["mean_tests"])
    return ["statistic", *stats], rows, stats
