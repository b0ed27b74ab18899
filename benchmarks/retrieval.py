"""Exemplar retrieval latency on a 2,000-file git repository, cold and cached (issue #14).

Builds, in a temporary directory, a deterministic repository of generated Python modules (documented
functions with a shared vocabulary, plus undocumented helpers), commits it with real git, then times

* ``uncached``: :func:`repository_pool` with ``cache=False`` (walk + tree-sitter + BM25) + the queries;
* ``cold``: the first cached call (the same, plus writing the cache file) + the queries;
* ``cached``: the second and later calls (content key + cache load) + the same queries, median of 5;
* ``history``: a ``--commits`` linear history (git fast-import): history pool cold, cached, a query;

and prints ``ratio = cached / uncached``. The queries are ``--queries`` functions of the repository,
each asking ``nearest(pool, unit, k=4)`` with itself excluded. Also reported, as a sanity figure on
this synthetic repository only: leave-one-out same-repository retrieval smoothed BLEU-4 (each
function's summary predicted as its BM25-nearest neighbour's) next to the function-name baseline.
With ``bm25s`` installed, its index is timed on the same pool and its top-1 compared with ours.

    python benchmarks/retrieval.py [--files 2000] [--queries 200] [--commits 200] [--keep DIR]

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOUNS = ["user", "group", "order", "invoice", "token", "session", "record", "config", "cache", "report", "account",
         "payment", "message", "channel", "document", "image", "task", "queue", "event", "metric"]
QUALIFIERS = ["active", "pending", "archived", "remote", "local", "cached", "signed", "draft", "shared", "default"]
VERBS = {"load": "Load", "save": "Save", "delete": "Delete", "validate": "Validate", "render": "Render",
         "parse": "Parse", "send": "Send", "merge": "Merge", "count": "Count", "export": "Export"}
PLACES = ["the database", "the cache", "a file", "the remote service", "the queue", "memory", "the session store"]
TAILS = ["", " and return it", " if it exists", ", raising KeyError when missing", " in a single transaction",
         " using the configured backend"]


def _function(rng: random.Random, noun: str, qual: str) -> str:
    verb = rng.choice(list(VERBS))
    place = rng.choice(PLACES)
    doc = f"{VERBS[verb]} the {qual} {noun} from {place}{rng.choice(TAILS)}."
    arg = rng.choice(["item_id", "key", "name", "path"])
    return (f"def {verb}_{qual}_{noun}({arg}, store=None):\n    \"\"\"{doc}\n\n    Args:\n        {arg}: which one.\n"
            f"    \"\"\"\n    value = (store or STORE).{verb}({arg})\n    if value is None:\n"
            f"        raise KeyError({arg})\n    return value\n\n\n")


def make_repository(root: Path, n_files: int, seed: int = 0) -> int:
    """``n_files`` modules under ``root`` committed with git; returns the number of documented functions."""
    rng = random.Random(seed)
    n_funcs = 0
    for i in range(n_files):
        noun, qual = NOUNS[i % len(NOUNS)], QUALIFIERS[(i // len(NOUNS)) % len(QUALIFIERS)]
        path = root / "src" / f"pkg{i // 100:02d}" / f"{qual}_{noun}_{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        k = rng.randint(1, 4)
        body = [f'"""The {qual} {noun} helpers, part {i}."""\n\nSTORE = None\n\n\n']
        body += [_function(rng, noun, qual) for _ in range(k)]
        body.append(f"def _helper_{i}(x):\n    y = x\n    return y\n")  # undocumented: not in the pool
        path.write_text("".join(body))
        n_funcs += k
    env = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "Add the generated modules"]):
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)
    return n_funcs


def make_history(root: Path, n_commits: int, seed: int = 1) -> None:
    """A linear history of ``n_commits`` (one file changed per commit, an hour apart) with git
    fast-import: one git process instead of two per commit."""
    rng = random.Random(seed)
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "-C", str(root), "init", "-q", "-b", "main"], check=True, capture_output=True, env=env)
    out: list[bytes] = []
    files: dict[str, list[str]] = {}
    for i in range(n_commits):
        noun, qual = rng.choice(NOUNS), rng.choice(QUALIFIERS)
        path = f"src/{noun}.py"
        files.setdefault(path, [])
        files[path].append(_function(rng, noun, qual))
        verb = rng.choice(["Add", "Fix", "Handle", "Support", "Refactor"])
        msg = f"{verb} the {qual} {noun} {rng.choice(['loader', 'helpers', 'validation', 'export'])}\n".encode()
        body = "".join(files[path]).encode()
        when = 1_700_000_000 + 3600 * i
        out += [b"commit refs/heads/main\n", f"committer Bench <bench@example.com> {when} +0000\n".encode(),
                f"data {len(msg)}\n".encode(), msg, f"M 644 inline {path}\n".encode(), f"data {len(body)}\n".encode(),
                body, b"\n"]
    subprocess.run(["git", "-C", str(root), "fast-import", "--quiet"], input=b"".join(out), check=True,
                   capture_output=True, env=env)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--commits", type=int, default=200, help="commits of the history-pool measurement (0: skip)")
    ap.add_argument("--keep", help="build the repository here instead of a temporary directory")
    args = ap.parse_args(argv)

    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="codetrans-bench-retrieval-"))
    repo = tmp / "repo"
    os.environ["CODETRANS_HOME"] = str(tmp / "home")  # a fresh cache: the first cached call is cold
    from codetrans.metrics.bleu import smoothed_bleu
    from codetrans.retrieval.exemplars import nearest
    from codetrans.retrieval.pools import cache_dir, content_key, repository_pool

    t = time.perf_counter()
    if not repo.exists():
        repo.mkdir(parents=True)
        make_repository(repo, args.files)
    t_make = time.perf_counter() - t

    def run(cache: bool) -> tuple[float, float, object]:
        t0 = time.perf_counter()
        pool = repository_pool(repo, cache=cache)
        t1 = time.perf_counter()
        step = max(1, len(pool) // args.queries)
        for i in range(0, len(pool), step)[: args.queries]:
            m = pool.metas[i]
            nearest(pool, {"input": pool.inputs[i], "path": m["path"], "line": m["line"], "lang": m["lang"]}, 4)
        return t1 - t0, time.perf_counter() - t1, pool

    # warm imports and the tree-sitter grammar out of the measurement
    repository_pool(Path(__file__).parent, cache=False)
    uncached_build, uncached_q, pool = run(False)
    cold_build, cold_q, _ = run(True)
    cached = [run(True) for _ in range(5)]
    cached_build = statistics.median(c[0] for c in cached)
    cached_q = statistics.median(c[1] for c in cached)
    t = time.perf_counter()
    content_key(repo)
    t_key = time.perf_counter() - t
    cache_bytes = sum(p.stat().st_size for p in cache_dir().glob("*.npz"))

    # leave-one-out same-repository retrieval vs the function-name baseline (sanity, synthetic data)
    hyps, refs, names = [], [], []
    for i, m in enumerate(pool.metas):
        ex = nearest(pool, {"input": pool.inputs[i], "path": m["path"], "line": m["line"]}, 1)
        hyps.append(ex[0].target if ex else "")
        refs.append(pool.targets[i])
        names.append(" ".join(m["func_name"].split(".")[-1].split("_")))
    loo = smoothed_bleu(hyps, refs)
    fname = smoothed_bleu(names, refs)

    history = None
    if args.commits:
        from codetrans.retrieval.pools import history_pool

        hrepo = tmp / "history"
        if not hrepo.exists():
            hrepo.mkdir(parents=True)
            make_history(hrepo, args.commits)
        t = time.perf_counter()
        hpool = history_pool(hrepo)
        h_cold = time.perf_counter() - t
        h_cached = []
        for _ in range(5):
            t = time.perf_counter()
            history_pool(hrepo)
            h_cached.append(time.perf_counter() - t)
        last = hpool.metas[-1]
        t = time.perf_counter()
        nearest(hpool, {"input": hpool.inputs[-1], "sha": last["sha"]}, 4)
        history = {"commits": args.commits, "kept": len(hpool), "cold_s": round(h_cold, 3),
                   "cached_ms": round(1000 * statistics.median(h_cached), 1),
                   "query_ms": round(1000 * (time.perf_counter() - t), 2)}

    bm25s_cmp = None
    try:
        import bm25s  # noqa: F401
    except ImportError:
        pass
    else:
        bm25s_cmp = compare_bm25s(pool, args.queries)

    result = {
        "benchmark": "retrieval", "files": args.files, "functions": len(pool), "queries": min(args.queries, len(pool)),
        "make_repo_s": round(t_make, 2),
        "uncached_s": round(uncached_build + uncached_q, 4), "uncached_pool_s": round(uncached_build, 4),
        "cold_s": round(cold_build + cold_q, 4), "cold_pool_s": round(cold_build, 4),
        "cached_s": round(cached_build + cached_q, 4), "cached_pool_s": round(cached_build, 4),
        "cached_added_ms": round(1000 * cached_build, 1), "content_key_ms": round(1000 * t_key, 1),
        "query_ms": round(1000 * cached_q / max(1, min(args.queries, len(pool))), 3),
        "ratio": round((cached_build + cached_q) / (uncached_build + uncached_q), 4),
        "pool_ratio": round(cached_build / uncached_build, 4),
        "cache_mb": round(cache_bytes / 2 ** 20, 2),
        "loo_retrieval_smoothed_bleu": round(loo, 2), "function_name_smoothed_bleu": round(fname, 2),
        "history": history, "bm25s": bm25s_cmp,
    }
    print(f"{result['functions']} functions in {args.files} files; pool uncached {uncached_build:.2f} s, "
          f"cold {cold_build:.2f} s, cached {1000 * cached_build:.0f} ms; {result['query_ms']} ms per query; "
          f"LOO retrieval BLEU {loo:.1f} vs function name {fname:.1f}")
    print(json.dumps(result))
    return result


def compare_bm25s(pool, n_queries: int) -> dict:
    """bm25s (k1 1.2, b 0.75, Lucene idf: the same formula) on the same terms: time and top-1 agreement."""
    import bm25s
    import numpy as np

    from codetrans.retrieval.bm25 import BM25

    docs = [pool.terms(s) for s in pool.inputs]
    t = time.perf_counter()
    ours = BM25(docs)
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    theirs = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    theirs.index(docs, show_progress=False)  # a list of token lists: bm25s builds its own vocabulary
    t_theirs = time.perf_counter() - t
    step = max(1, len(docs) // n_queries)
    qs = [docs[i] for i in range(0, len(docs), step)][:n_queries]
    t = time.perf_counter()
    ours_top = [ours.top_k(q, 5) for q in qs]
    tq_ours = time.perf_counter() - t
    t = time.perf_counter()
    res, scores = theirs.retrieve(qs, k=5, show_progress=False, n_threads=1)
    tq_theirs = time.perf_counter() - t
    same_top1 = sum(int(o[0][0]) == int(r[0]) for o, r in zip(ours_top, res))
    same_set = sum({i for i, _ in o} == set(map(int, r)) for o, r in zip(ours_top, res))
    # Lucene (and bm25s) leave out BM25's (k1 + 1) factor: same ranking, scores scaled by 2.2
    score_close = all(np.isclose(o[0][1], 2.2 * s[0], rtol=1e-4) for o, s in zip(ours_top, scores))
    return {"version": bm25s.__version__, "index_s": round(t_theirs, 4), "ours_index_s": round(t_ours, 4),
            "query_ms": round(1000 * tq_theirs / len(qs), 3), "ours_query_ms": round(1000 * tq_ours / len(qs), 3),
            "same_top1": same_top1, "same_top5_set": same_set, "queries": len(qs), "top1_scores_close": bool(score_close)}


if __name__ == "__main__":
    main()
