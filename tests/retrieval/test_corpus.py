"""Augmented training pairs from a saved corpus: repository-local, earlier commits only, some left plain."""

from __future__ import annotations

import json

import datasets

from codetrans.data.build import BuildConfig, build_corpus
from codetrans.retrieval.augment import parse_source
from codetrans.retrieval.corpus import AugmentConfig, augment_corpus
from retrieval.repos import NAMES, VERBS, commit, init, module


def _row(task, source, target, repo="", rid="", meta="", lang="python"):
    return {"task": task, "source": source, "target": target, "repo": repo, "group": repo, "id": rid,
            "meta": meta, "lang": lang, "path": "", "func_name": ""}


def _corpus():
    rows = []
    for repo in ("acme/a", "acme/b"):
        for v, V in VERBS:
            for n in NAMES[:3]:
                rows.append(_row("code_documentation_generation_python", f"def {v}_{n} ( {n}_id ) : return {n}_id",
                                 f"{V} the {n} in {repo} .", repo, f"{repo}/{v}_{n}"))
    for day in range(1, 9):  # one commit a day; two on day 4 (same time: neither may see the other)
        for extra in ([0, 1] if day == 4 else [0]):
            rows.append(_row("commit_generation", f"mmm a / src / user . py <nl> + def load_user{extra} ( ) : return {day} <nl>",
                             f"Change the user loader on day {day} {extra}", "acme/a", f"sha{day}{extra}",
                             json.dumps({"date": f"2024-03-0{day}T09:00:00+00:00"}), lang="java"))
    rows.append(_row("commit_generation", "mmm a / src / user . py <nl> + def load_user <nl>",
                     "An undated commit of the user loader", "acme/a", "undated", "", lang="java"))
    for i in range(6):
        rows.append(_row("source_code_summarization_sql", f"SELECT col{i} FROM users WHERE id = {i}",
                         f"select column {i} of users", rid=str(i), lang="sql"))
    cols = {k: [r[k] for r in rows] for k in rows[0]}
    return datasets.DatasetDict({"train": datasets.Dataset.from_dict(cols),
                                 "validation": datasets.Dataset.from_dict({k: v[:3] for k, v in cols.items()})})


def test_exemplars_are_repository_local_never_self_and_commits_only_earlier():
    dd = _corpus()
    out = augment_corpus(dd, config=AugmentConfig(k=3, drop_fraction=0.0, budget=None), progress=False)
    train = out["train"]
    assert train.column_names[:2] == ["task", "source"] and "n_exemplars" in train.column_names
    assert train["target"] == dd["train"]["target"] and train["repo"] == dd["train"]["repo"]
    for r in train:
        code, exs = parse_source(r["source"])
        targets = [t for _, t in exs]
        assert len(targets) == r["n_exemplars"] <= 3
        assert r["target"] not in targets  # never itself
        if r["task"].startswith("code_documentation"):
            assert r["n_exemplars"] >= 1
            assert all(t.endswith(f"in {r['repo']} .") for t in targets)  # same repository only
        elif r["task"] == "commit_generation":
            if r["id"] == "undated":
                assert targets == []
                continue
            day = int(r["id"][3])
            for t in targets:
                d = int(t.split("day ")[1].split()[0])
                assert d < day, (r["id"], t)  # strictly earlier: the same-time sibling is not shown
                assert "undated" not in t
            assert (r["n_exemplars"] > 0) == (day > 1)
        else:
            assert r["n_exemplars"] >= 1 and code == r["source"].split(" <ex> ")[0]
    # validation rows of global-pool tasks query the training split; repository tasks stay in their split
    assert out["validation"]["n_exemplars"][0] >= 1


def test_drop_fraction_and_budget():
    dd = _corpus()
    plain = augment_corpus(dd, config=AugmentConfig(drop_fraction=1.0), progress=False)["train"]
    assert plain["source"] == dd["train"]["source"] and set(plain["n_exemplars"]) == {0}
    some = augment_corpus(dd, config=AugmentConfig(drop_fraction=0.5, seed="s"), progress=False)["train"]
    again = augment_corpus(dd, config=AugmentConfig(drop_fraction=0.5, seed="s"), progress=False)["train"]
    assert some["source"] == again["source"]  # deterministic
    n_doc = sum(t.startswith("code_doc") for t in some["task"])
    n_plain = sum(1 for t, n in zip(some["task"], some["n_exemplars"]) if t.startswith("code_doc") and n == 0)
    assert 0.2 * n_doc <= n_plain <= 0.8 * n_doc
    tight = augment_corpus(dd, config=AugmentConfig(k=4, drop_fraction=0.0, budget=16), progress=False)["train"]
    assert all(len(s.split()) <= max(16, len(src.split())) for s, src in zip(tight["source"], dd["train"]["source"]))
    assert all(len(s.split()) <= 16 for s, n in zip(tight["source"], tight["n_exemplars"]) if n)


def test_min_copy_keeps_train_pairs_whose_exemplars_hold_the_target_words():
    from codetrans.retrieval.corpus import copy_share

    assert copy_share("code <ex> Load the user .", "Load the user .") == 1.0
    assert copy_share("code <ex> Load the user .", "Save a file") == 0.0
    assert copy_share("code with no exemplars", "Load the user .") == 0.0
    dd = _corpus()
    full = augment_corpus(dd, config=AugmentConfig(k=2, drop_fraction=0.0), progress=False)
    close = augment_corpus(dd, config=AugmentConfig(k=2, drop_fraction=0.0, min_copy=0.95), progress=False)
    shares = [copy_share(src, tgt) for src, tgt in zip(full["train"]["source"], full["train"]["target"])]
    kept = sum(x >= 0.95 or n == 0 for x, n in zip(shares, full["train"]["n_exemplars"]))  # plain pairs stay
    assert 0 < len(close["train"]) == kept < len(full["train"])
    assert all(copy_share(src, tgt) >= 0.95 for src, tgt, n in zip(close["train"]["source"], close["train"]["target"],
                                                                  close["train"]["n_exemplars"]) if n)
    assert close["validation"]["source"] == full["validation"]["source"]  # only the training split is filtered


def test_built_corpus_commits_carry_their_dates_for_history_exemplars(tmp_path):
    r = init(tmp_path / "proj")
    for i, n in enumerate(NAMES[:5]):
        commit(r, {f"src/{n}.py": module(n)}, f"Add the {n} module and its helpers",
               date=f"2024-04-0{i + 1}T08:00:00+00:00")
    out = tmp_path / "corpus"
    build_corpus([str(r)], out, BuildConfig(tasks=("commit",), validation=0.0, test=0.0, min_eval=0),
                 progress=False)
    dd = datasets.load_from_disk(str(out))
    rows = [x for s in dd for x in dd[s]]
    assert len(rows) == 5 and all(json.loads(x["meta"])["date"].startswith("2024-04-0") for x in rows)
    aug = augment_corpus(out, tmp_path / "aug", AugmentConfig(k=2, drop_fraction=0.0), progress=False)
    train = [x for s in aug for x in aug[s]]
    first = next(x for x in train if x["target"].startswith("Add the user"))
    assert first["n_exemplars"] == 0  # the oldest commit has no history
    assert sum(x["n_exemplars"] > 0 for x in train) == 4
    assert datasets.load_from_disk(str(tmp_path / "aug"))["train"].num_rows == len(dd["train"])


def test_sample_caps_each_subtask_but_pools_keep_every_pair():
    dd = _corpus()
    full = augment_corpus(dd, config=AugmentConfig(k=1, drop_fraction=0), progress=False)["train"]
    aug = augment_corpus(dd, config=AugmentConfig(k=1, drop_fraction=0, sample=2), progress=False)["train"]
    counts = {t: aug["task"].count(t) for t in set(aug["task"])}
    assert counts == {"code_documentation_generation_python": 2, "commit_generation": 2,
                      "source_code_summarization_sql": 2}
    by_id = dict(zip(full["id"], full["source"]))
    assert all(by_id[i] == src for i, src in zip(aug["id"], aug["source"]))  # the same exemplars as uncapped
    again = augment_corpus(dd, config=AugmentConfig(k=1, drop_fraction=0, sample=2), progress=False)["train"]
    assert again["id"] == aug["id"]  # the same rows every run


def test_cli_augment_and_index(tmp_path, capsys):
    from codetrans.cli import main

    _corpus().save_to_disk(str(tmp_path / "c"))
    assert main(["data", "augment", str(tmp_path / "c"), "--out", str(tmp_path / "a"), "--drop", "0"]) == 0
    assert "train: " in capsys.readouterr().out
    aug = datasets.load_from_disk(str(tmp_path / "a"))
    assert sum(1 for n in aug["train"]["n_exemplars"] if n) > 20
    assert main(["data", "index", str(tmp_path / "c"), "--out", str(tmp_path / "ix.npz")]) == 0
    assert "source_code_summarization_sql 6" in capsys.readouterr().out


def test_cli_budget_in_tokenizer_tokens(tmp_path):
    from codetrans.cli import main
    from codetrans.train.tokenizer import load_tokenizer, train_tokenizer

    dd = _corpus()
    texts = [*dd["train"]["source"], *dd["train"]["target"]] * 3
    train_tokenizer(texts, tmp_path / "tok", vocab_size=500, extra_ids=10)
    dd.save_to_disk(str(tmp_path / "c"))
    assert main(["data", "augment", str(tmp_path / "c"), "--out", str(tmp_path / "a"), "--drop", "0", "--k", "4",
                 "--budget", "40", "--tokenizer", str(tmp_path / "tok")]) == 0
    tok = load_tokenizer(tmp_path / "tok")
    aug = datasets.load_from_disk(str(tmp_path / "a"))["train"]
    assert any(aug["n_exemplars"])
    for src, n in zip(aug["source"], aug["n_exemplars"]):
        if n:
            assert len(tok(src, add_special_tokens=False)["input_ids"]) <= 40
