"""The API pool corpus (#38): per-project JSONL -> exact and near dedup -> split by project -> saved corpus."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from codetrans.cli import main
from codetrans.data.api_pool import REPORT, PoolConfig, build_api_pool
from codetrans.data.corpus import SPLITS, load_corpus
from codetrans.data.dedup import jaccard

LONG = ("reads all lines of the given configuration file into a list of trimmed strings skipping blank "
        "lines and comments")
LONG_SEQ = "BufferedReader.new FileReader.new BufferedReader.readLine String.trim List.add BufferedReader.close"


def _words(*key: object, n: int = 6) -> str:
    """Words no other pair shares, so only the planted duplicates are duplicates."""
    return " ".join(hashlib.sha1(f"{key}{k}".encode()).hexdigest()[:7] for k in range(n))


def _rec(project: str, i: int, source: str | None = None, target: str | None = None) -> dict:
    return {"task": "api_generation", "source": source or _words(project, i), "target": target or
            f"String.valueOf{i % 3} List.add", "lang": "java", "repo": project, "path": f"src/F{i}.java",
            "func_name": f"F{i}.m", "id": f"{project}/src/F{i}.java:F{i}.m", "group": project,
            "references": [], "meta": json.dumps({"description": "x"})}


PROJECTS = [f"acme/p{k}" for k in range(8)]


@pytest.fixture
def pool(tmp_path: Path) -> Path:
    d = tmp_path / "pool"
    d.mkdir()
    for name in PROJECTS:
        recs = [_rec(name, i) for i in range(5)]
        if name == "acme/p0":
            recs.append(_rec(name, 90, "Returns the Name.", "String.trim"))  # normalised: "returns the name"
            recs.append(_rec(name, 91, LONG, LONG_SEQ))
            recs.append(_rec(name, 92, LONG, LONG_SEQ + " List.clear"))  # near dup within one project: kept
        if name == "acme/p5":
            recs.append(_rec(name, 90, "returns the name", "String.trim"))  # exact dup of acme/p0's
            recs.append(_rec(name, 91, LONG, LONG_SEQ + " List.size"))  # near dup of acme/p0's
        (d / f"{name.replace('/', '__')}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    return d


CFG = PoolConfig(validation=0.1, test=0.1, min_pairs=0)


def test_exact_and_near_duplicates_across_projects(pool: Path, tmp_path: Path):
    assert jaccard(f"{LONG} \u2016 {LONG_SEQ}", f"{LONG} \u2016 {LONG_SEQ} List.size") > 0.9
    res = build_api_pool(pool, tmp_path / "out", CFG)
    c = res.counts
    assert (c["read"], c["exact_dup"], c["near_dup"], c["kept"]) == (45, 1, 1, 43)
    assert res.projects["acme/p5"] == {"read": 7, "empty": 0, "exact_dup": 1, "near_dup": 1, "kept": 5,
                                       "split": res.projects["acme/p5"]["split"]}
    assert res.projects["acme/p0"]["kept"] == 8  # the first by name keeps its pairs, near twins included
    report = json.loads((tmp_path / "out" / REPORT).read_text())
    assert report["examples"]["exact_dup"] == [{"project": "acme/p5", "source": "returns the name",
                                                "target": "String.trim"}]
    assert report["counts"]["exact_dup"] == 1 and report["rates"]["near_dup"] == round(1 / 45, 4)


def test_whole_projects_per_split_and_the_corpus_loads(pool: Path, tmp_path: Path):
    res = build_api_pool(pool, tmp_path / "out", CFG)
    dd = load_corpus(tmp_path / "out")
    repos = {s: set(dd[s]["repo"]) for s in SPLITS}
    assert all(repos[s] for s in SPLITS)
    assert not (repos["train"] & repos["validation"] or repos["train"] & repos["test"]
                or repos["validation"] & repos["test"])
    assert sum(len(dd[s]) for s in SPLITS) == res.counts["kept"]
    for s in SPLITS:
        assert len(dd[s]) == res.splits[s]["pairs"] and sorted(repos[s]) == res.splits[s]["projects"]
        assert set(dd[s]["task"]) == {"api_generation"} and set(dd[s]["lang"]) == {"java"}
    row = next(r for r in dd[res.projects["acme/p0"]["split"]] if r["func_name"] == "F90.m")
    assert row["source"] == "returns the name" and row["group"] == "acme/p0"


def test_deterministic(pool: Path, tmp_path: Path):
    a = build_api_pool(pool, tmp_path / "a", CFG)
    b = build_api_pool(pool, tmp_path / "b", CFG)
    assert a.splits == b.splits
    da, db = load_corpus(tmp_path / "a"), load_corpus(tmp_path / "b")
    assert all(da[s]["id"] == db[s]["id"] for s in SPLITS)


def test_min_pairs_fills_small_evaluation_splits(pool: Path, tmp_path: Path):
    res = build_api_pool(pool, tmp_path / "out", PoolConfig(validation=0.01, test=0.01, min_pairs=9))
    assert res.splits["test"]["pairs"] >= 9 and res.splits["validation"]["pairs"] >= 9
    assert res.splits["train"]["pairs"] > 0


def test_cli_summary_and_bad_input(pool: Path, tmp_path: Path, capsys):
    out = tmp_path / "corpus"
    assert main(["data", "api-pool", str(pool), "--out", str(out), "--validation", "0.1", "--test", "0.1",
                 "--min-pairs", "0"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("api-pool: 45 pairs of 8 projects; dropped 1 exact")
    assert str(out) in lines[0]
    assert main(["data", "api-pool", str(tmp_path / "missing"), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "is not a directory" in err
    (pool / "broken.jsonl").write_text('{"source": "x", "target": "y"}\n{oops\n')
    assert main(["data", "api-pool", str(pool), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "broken.jsonl:2: not JSON" in err and "Traceback" not in err


def test_reserved_project_is_refused(pool: Path, tmp_path: Path, capsys):
    (pool / "google__gson.jsonl").write_text(json.dumps(_rec("google/gson", 1)) + "\n")
    assert main(["data", "api-pool", str(pool), "--out", str(tmp_path / "o")]) == 2
    assert "reserved" in capsys.readouterr().err


def test_fixed_splits_survive_added_projects(pool: Path, tmp_path: Path, capsys):
    """An earlier build's evaluation projects stay evaluated when projects are added (comparable builds)."""
    first = build_api_pool(pool, tmp_path / "a", CFG)
    for k in range(8, 12):  # new projects: with the hash fill they could land anywhere
        (pool / f"acme__p{k}.jsonl").write_text("".join(json.dumps(_rec(f"acme/p{k}", i)) + "\n" for i in range(5)))
    assert main(["data", "api-pool", str(pool), "--out", str(tmp_path / "b"), "--splits",
                 str(tmp_path / "a" / REPORT)]) == 0
    second = json.loads((tmp_path / "b" / REPORT).read_text())["splits"]
    for s in ("validation", "test"):
        assert second[s]["projects"] == first.splits[s]["projects"]
    assert {f"acme/p{k}" for k in range(8, 12)} <= set(second["train"]["projects"])
    capsys.readouterr()
    (tmp_path / "both.json").write_text(json.dumps({"validation": ["acme/p1"], "test": ["acme/p1"]}))
    assert main(["data", "api-pool", str(pool), "--out", str(tmp_path / "c"), "--splits",
                 str(tmp_path / "both.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "in both validation and test" in err
