"""BM25 at the by-project API pool's size: the project's index against ``bm25s`` (issue #38, item 2).

Indexes the descriptions (``source``) of the train split of an ``api_generation`` corpus (default
``/work/corpora/api_main``) with (a) :class:`codetrans.retrieval.bm25.BM25` and (b) ``bm25s`` (k1 1.2,
b 0.75, ``method="lucene"``: the same formula up to a constant factor), on the same terms:
:func:`codetrans.retrieval.bm25.code_terms` (lower-cased ``\\w+`` runs of the description), and asks
``--n`` queries (descriptions of ``--split``, evenly spaced). Reported per library:

* ``index_s``: build time from token lists (tokenising is timed once, shared, as ``tokenize_s``);
* ``index_peak_mb`` / ``index_kept_mb``: tracemalloc peak during the build and what stays allocated
  after it (a second build, so tracing does not slow the timed one);
* ``cold_query_ms``: the first query after the build; ``warm_query_ms``: the mean of the others, one
  query at a time, top 20, one thread; for bm25s also ``batch_query_ms`` (all queries in one call);
* ``recall@k`` (k = 1, 5, 8, 20): share of queries whose reference sequence (whitespace-collapsed) is
  exactly one of the top-k retrieved pairs' sequences; ``oracle_bleu@k``: the mean over queries of the
  best smoothed BLEU-4 (``metrics.bleu.smoothed_bleu_items``) among the top-k sequences (0 when nothing
  is retrieved). Only documents sharing a term with the query count as retrieved (score > 0), for both.

Ratios are bm25s / ours, measured in the same run.

    python benchmarks/api_retrieval.py [--data /work/corpora/api_main] [--split validation] [--n 300]

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KS = (1, 5, 8, 20)


def _mb(n: int) -> float:
    return round(n / 2 ** 20, 1)


def _memory(build) -> tuple[float, float]:
    """(peak, kept) MB allocated by ``build()``, traced by tracemalloc (numpy arrays included)."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    obj = build()
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del obj
    return _mb(peak - base), _mb(kept - base)


def _score(name: str, tops: list[list[int]], refs: list[str], targets: list[str]) -> dict:
    from codetrans.metrics.bleu import smoothed_bleu_items

    out: dict = {}
    norm_targets = [" ".join(t.split()) for t in targets]
    for k in KS:
        hits = sum(ref in {norm_targets[i] for i in top[:k]} for ref, top in zip(refs, tops))
        out[f"recall@{k}"] = round(hits / len(refs), 4)
    kmax = max(KS)
    # per-query BLEU of each of the top kmax sequences, computed once
    per_rank = []
    for ref, top in zip(refs, tops):
        hyps = [targets[i] for i in top[:kmax]]
        per_rank.append(smoothed_bleu_items(hyps, [ref] * len(hyps)) if hyps else [])
    for k in KS:
        out[f"oracle_bleu@{k}"] = round(statistics.fmean(max(s[:k], default=0.0) for s in per_rank), 2)
    out["retrieved_none"] = sum(not top for top in tops)
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="/work/corpora/api_main", help="api_generation corpus (save_to_disk)")
    ap.add_argument("--split", default="validation", help="split the queries come from")
    ap.add_argument("--n", type=int, default=300, help="number of queries, evenly spaced")
    args = ap.parse_args(argv)

    from codetrans.data.corpus import load_corpus
    from codetrans.errors import CodeTransError

    try:
        ds = load_corpus(args.data)
        train, held = ds["train"], ds[args.split]
    except (CodeTransError, KeyError) as exc:
        sys.exit(f"api_retrieval: {exc if not isinstance(exc, KeyError) else f'no split {exc} in {args.data}'}")
    try:
        import bm25s
    except ImportError:
        sys.exit("api_retrieval: bm25s is not installed (pip install bm25s)")

    from codetrans.retrieval.bm25 import BM25, code_terms

    t = time.perf_counter()
    docs = [code_terms(s) for s in train["source"]]
    t_tok = time.perf_counter() - t
    targets = list(train["target"])
    step = max(1, len(held) // max(1, args.n))
    idx = list(range(0, len(held), step))[: args.n]
    queries = [code_terms(held[i]["source"]) for i in idx]
    refs = [" ".join(held[i]["target"].split()) for i in idx]
    kmax = max(KS)

    def build_ours():
        return BM25(docs)

    def build_theirs():
        r = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
        r.index(docs, show_progress=False)
        return r

    def query_ours(ix, q):
        return [i for i, _ in ix.top_k(q, kmax)]

    def query_theirs(ix, q):
        res, sc = ix.retrieve([q], k=kmax, show_progress=False, n_threads=1)
        return [int(i) for i, s in zip(res[0], sc[0]) if s > 0]

    result: dict = {"benchmark": "api_retrieval", "data": args.data, "split": args.split, "train_pairs": len(docs),
                    "queries": len(queries), "terms": "code_terms: lower-cased \\w+ runs of the description",
                    "tokenize_s": round(t_tok, 3), "bm25s_version": bm25s.__version__}
    tops: dict[str, list[list[int]]] = {}
    for name, build, query in (("ours", build_ours, query_ours), ("bm25s", build_theirs, query_theirs)):
        gc.collect()
        t = time.perf_counter()
        ix = build()
        t_build = time.perf_counter() - t
        times, top = [], []
        for q in queries:
            t = time.perf_counter()
            top.append(query(ix, q))
            times.append(time.perf_counter() - t)
        fig = {"index_s": round(t_build, 3), "cold_query_ms": round(1000 * times[0], 3),
               "warm_query_ms": round(1000 * statistics.fmean(times[1:] or times), 3)}
        if name == "bm25s":
            t = time.perf_counter()
            ix.retrieve(queries, k=kmax, show_progress=False, n_threads=1)
            fig["batch_query_ms"] = round(1000 * (time.perf_counter() - t) / len(queries), 3)
        del ix
        fig["index_peak_mb"], fig["index_kept_mb"] = _memory(build)
        fig.update(_score(name, top, refs, targets))
        tops[name] = top
        result[name] = fig

    o, b = result["ours"], result["bm25s"]
    result["ratio_bm25s_over_ours"] = {
        key: round(b[key] / o[key], 3) if o[key] else None
        for key in ("index_s", "cold_query_ms", "warm_query_ms", "index_peak_mb", "index_kept_mb")}
    result["same_top1"] = sum(x[:1] == y[:1] for x, y in zip(tops["ours"], tops["bm25s"]))
    result["same_top8_set"] = sum(set(x[:8]) == set(y[:8]) for x, y in zip(tops["ours"], tops["bm25s"]))
    print(f"{len(docs)} train descriptions, {len(queries)} {args.split} queries; "
          f"ours: index {o['index_s']} s, {o['warm_query_ms']} ms/query, recall@8 {o['recall@8']}, "
          f"oracle@8 {o['oracle_bleu@8']}; bm25s: index {b['index_s']} s, {b['warm_query_ms']} ms/query, "
          f"recall@8 {b['recall@8']}, oracle@8 {b['oracle_bleu@8']}")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
