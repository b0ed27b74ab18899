"""Projects reserved for independent evaluation never reach a harvest or a corpus."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import datasets

from codetrans.data import harvest as harvest_mod
from codetrans.data.build import BuildConfig, build_corpus
from codetrans.data.reserved import PACKAGED, parse, reserved

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "reserved.tsv"

PY = '''def scale(values, factor):
    """Multiply every value in the list by the given factor."""
    result = []
    for v in values:
        result.append(v * factor)
    return result
'''


def test_packaged_list_covers_the_shared_list():
    mine = parse(PACKAGED.read_text())
    assert mine.package("click") and mine.package("LIBGUAVA-JAVA") and mine.repo("google/gson")
    if SHARED.is_file():  # the project's checkout: the shipped copy must not lag behind it
        theirs = parse(SHARED.read_text())
        assert theirs.packages <= mine.packages and theirs.repos <= mine.repos


def test_matching_rules():
    r = reserved()
    assert r.repo("https://github.com/pallets/click.git") and r.repo("pallets__click")
    assert r.source("tqdm") and not r.source("tqdm-extra") and not r.repo("someone/click")


def test_shipped_recipe_names_no_reserved_project():
    r = reserved()
    for recipe in harvest_mod.RECIPE.values():
        for names in recipe.values():
            assert not [n for n in names if r.package(n)]


def test_harvest_refuses_reserved_by_name_before_download(tmp_path, monkeypatch):
    def no_download(*a, **k):  # any registry call here would be a leak of a reserved project
        raise AssertionError(f"download attempted: {a}")

    monkeypatch.setattr(harvest_mod, "_run", no_download)
    recipe = {"javascript": {"npm": ["Mongoose", "rxjs"]}, "go": {"apt": ["golang-github-spf13-cobra-dev"]}}
    res = harvest_mod.harvest(tmp_path / "h", recipe=recipe)
    assert res.report.skipped["reserved"] == 3
    assert "npm:Mongoose" in res.report.examples["reserved"]
    assert res.sources == [] and (tmp_path / "h" / "sources.txt").read_text() == ""
    report = json.loads((tmp_path / "h" / "harvest.json").read_text())["report"]
    assert report["skipped"]["reserved"] == 3


def test_build_refuses_reserved_sources_and_commits(tmp_path):
    ok, bad = tmp_path / "okpkg", tmp_path / "tqdm"
    for d in (ok, bad):
        d.mkdir()
        (d / "mod.py").write_text(PY)
    (bad / "other.py").write_text(PY.replace("scale", "grow"))
    commits = tmp_path / "commits"
    commits.mkdir()
    rec = {"repo": "pallets/click", "sha": "a" * 40, "date": "2024-01-01T00:00:00+00:00",
           "subject": "Fix the option parser", "body": "", "files": ["src/click/core.py"], "language": "Python",
           "diff": "diff --git a/src/click/core.py b/src/click/core.py\n--- a/src/click/core.py\n"
                   "+++ b/src/click/core.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"}
    keep = dict(rec, repo="someone/tool", sha="b" * 40, subject="Bump the counter")
    with gzip.open(commits / "pallets__click.jsonl.gz", "wt") as f:
        f.write(json.dumps(rec) + "\n" + json.dumps(keep) + "\n")
    out = tmp_path / "corpus"
    res = build_corpus([str(ok), str(bad), f"{ok}::name=Click", str(commits)], out,
                       BuildConfig(num_proc=1, near_dup_threshold=None), progress=False)
    assert res.skipped["reserved"] == 3  # the tqdm folder, the folder renamed Click, one commit
    dd = datasets.load_from_disk(str(out))
    repos = {r["repo"] for s in dd for r in dd[s]}
    assert repos == {"okpkg", "someone/tool"}
    assert "reserved" in json.loads((out / "build_report.json").read_text())["skipped"]
