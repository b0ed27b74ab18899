"""The repository splitter of the data layer: whole files and commits per split, newest commits tested."""

from __future__ import annotations

import json

from codetrans.data.build import make_row
from codetrans.data.repository import assign_splits, split_units


def test_split_units_keeps_units_whole_and_train_nonempty():
    sizes = {f"f{i}.py": 1 + i % 3 for i in range(40)}
    split = split_units(sizes)
    assert set(split) == set(sizes) and set(split.values()) == {"train", "validation", "test"}
    total = sum(sizes.values())
    test = sum(n for u, n in sizes.items() if split[u] == "test")
    assert 0.10 * total <= test < 0.10 * total + 3  # filled up to the fraction, by whole files
    assert split_units({"only.py": 5}) == {"only.py": "train"}
    assert list(split_units({"a": 1, "b": 1}).values()).count("train") >= 1


def test_assign_splits_by_file_and_commits_by_time():
    rows = [make_row(task="code_documentation_generation_python", lang="python", path=f"src/m{i % 10}.py",
                     source=f"def f{i} ( ) : pass", target="Do it.") for i in range(60)]
    dates = [f"2024-01-{d:02d}T10:00:00+00:00" for d in range(1, 21)]
    rows += [make_row(task="commit_generation", lang="java", id=f"sha{d}", source="diff", target="subject",
                      meta=json.dumps({"date": date, "order": 20 - d})) for d, date in enumerate(dates, 1)]
    assign_splits(rows)
    by_file: dict[str, set] = {}
    for r in rows[:60]:
        by_file.setdefault(r["path"], set()).add(r["split_hint"])
    assert all(len(s) == 1 for s in by_file.values())  # every function of a file in one split
    commits = {r["id"]: r["split_hint"] for r in rows[60:]}
    tested = sorted(int(sha[3:]) for sha, s in commits.items() if s == "test")
    assert tested == [19, 20]  # the newest commits are held out
    assert all(commits[f"sha{d}"] == "train" for d in range(1, 15))
