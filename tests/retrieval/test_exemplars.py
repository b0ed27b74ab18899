"""nearest(): never the unit itself, never a duplicate of its input, never a later commit."""

from __future__ import annotations

from codetrans.lang import extract_functions
from codetrans.retrieval.exemplars import nearest
from codetrans.retrieval.pools import Exemplar, history_pool, pool_from_pairs, repository_pool

from .repos import NAMES, commit, git, init, module, py_function, write


def test_never_the_unit_itself_nor_a_duplicate_of_its_input(tmp_path):
    r = init(tmp_path / "r")
    files = {f"pkg/{n}.py": module(n) for n in NAMES[:4]}
    files["pkg/copy.py"] = py_function("load", "user")  # an exact copy of load_user in another file
    commit(r, files, "Add the modules of the package")
    pool = repository_pool(r)
    assert len(pool) == 21
    for i, m in enumerate(pool.metas):
        unit = {"input": pool.inputs[i], "path": m["path"], "line": m["line"], "lang": "python"}
        exs = nearest(pool, unit, k=4)
        assert exs and len(exs) <= 4
        for e in exs:
            assert (e.meta["path"], e.meta["line"]) != (m["path"], m["line"])
            assert e.input != pool.inputs[i]
        assert [e.score for e in exs] == sorted((e.score for e in exs), reverse=True)
        assert len({e.target for e in exs}) == len(exs)  # distinct targets
    # the same by id, or as an Exemplar
    e0 = pool[0]
    assert all(x.meta["id"] != e0.meta["id"] for x in nearest(pool, e0, 30))
    # a unit from the user's editor: a function as the extractor sees it, matched by path and line
    fn = extract_functions((r / "pkg/user.py").read_text(), "python", path="pkg/user.py")[1]
    got = nearest(pool, {"input": " ".join(fn["code_tokens"]), "path": "pkg/user.py", "line": fn["start_line"]}, 30)
    assert "save_user" not in {x.meta["func_name"] for x in got}
    assert got[0].meta["func_name"] in ("load_user", "delete_user", "save_group")  # shares the most terms


def test_same_language_only_when_known(tmp_path):
    pool = pool_from_pairs([{"input": "func LoadUser ( id int ) { }", "target": "go", "meta": {"lang": "go"}},
                            {"input": "def load_user ( id ) :", "target": "py", "meta": {"lang": "python"}}])
    assert [e.target for e in nearest(pool, {"input": "load user", "lang": "python"}, 2)] == ["py"]
    assert len(nearest(pool, "load user", 2)) == 2  # no language given: both
    assert nearest(pool, Exemplar("load user", "", {"lang": "go"}), 2)[0].target == "go"


def test_history_never_shows_a_later_commit(tmp_path):
    r = init(tmp_path / "h")
    shas = []
    for i, n in enumerate(NAMES[:8]):
        shas.append(commit(r, {f"src/{n}.py": module(n)}, f"Add the {n} module with helpers",
                           date=f"2024-02-{i + 10}T12:00:00+00:00"))
    # a side branch dated in the middle, merged later: its commit is no ancestor of earlier ones
    git(r, "checkout", "-q", "-b", "side", shas[2])
    side = commit(r, {"src/side_user.py": module("user")}, "Add a side copy of the user module",
                  date="2024-02-13T18:00:00+00:00")
    git(r, "checkout", "-q", "main")
    git(r, "merge", "-q", "--no-ff", "-m", "Merge the side branch", "side", date="2024-02-20T12:00:00+00:00")
    pool = history_pool(r)
    ts = {m["sha"]: m["ts"] for m in pool.metas}
    pos = {m["sha"]: m["pos"] for m in pool.metas}
    assert side in ts and len(pool) == 9
    for m in pool.metas:
        exs = nearest(pool, {"input": pool.inputs[pool.metas.index(m)], "sha": m["sha"]}, k=8)
        for e in exs:
            assert ts[e.meta["sha"]] <= m["ts"] and pos[e.meta["sha"]] < m["pos"], (m["sha"], e.meta["sha"])
            assert e.meta["sha"] != m["sha"]
    assert nearest(pool, {"input": pool.inputs[0], "sha": shas[0]}, 4) == []  # the first commit: nothing before
    # the side commit (dated 13th 18:00) sees only the commits dated before it
    seen = {e.meta["sha"] for e in nearest(pool, {"input": pool.inputs[0], "sha": side}, 8)}
    assert seen and seen <= set(shas[:4])
    # a commit not in the pool, by date: strictly earlier ones only
    seen = {e.meta["sha"] for e in nearest(pool, {"input": pool.inputs[5], "date": "2024-02-12T12:00:00+00:00"}, 8)}
    assert seen and seen <= set(shas[:2])
    # a change not committed yet: the whole history
    assert len(nearest(pool, "src / user . py", 8)) >= 2


def test_nothing_from_an_ignored_or_secret_file_is_ever_an_exemplar(tmp_path):
    r = init(tmp_path / "s")
    commit(r, {"a.py": module("user"), ".gitignore": "private.py\n"}, "Add the user module")
    write(r, {"private.py": py_function("load", "user", doc="Private secret helper that loads the user now."),
              ".env.py": py_function("save", "user", doc="Secret environment helper to save the user.")})
    pool = repository_pool(r)
    for m in pool.metas:
        for e in nearest(pool, {"input": pool.inputs[pool.metas.index(m)], "path": m["path"], "line": m["line"]}, 10):
            assert e.meta["path"] == "a.py" and "ecret" not in e.target
