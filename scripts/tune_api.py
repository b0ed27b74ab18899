"""Choose how `codetrans api` answers, on the API pool's by-project validation split (issue #38 item 4).

    python scripts/tune_api.py --model MODEL --data corpora/api_main --index INDEX.npz \
        [--split validation] [--limit 600] [--out runs/api_tune.json]

For each query of the split (``limit`` evenly spaced): its nearest pairs in the index (as served: the pipeline's
normalised query, an equal description allowed) and the model's text (CTranslate2 int8, the model's decoding).
Scored with the harness's smoothed BLEU-4: BM25 top-1 (the floor), the model alone, the oracle of the 8 nearest,
and the consensus for each k (pairs considered) and model vote. Then the logistic fit of ``api_confidence``: the
chosen answer's agreement with the other candidates -> whether its sentence BLEU-4 reaches 0.5. Prints a table and
writes every figure as JSON (``--out``). The choice is the best consensus on this split, or top-1 if none beats it.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

VOTES = (0.0, 1.0, 2.0, 3.0, 4.0)
KS = (4, 8)  # api_candidates takes at most API_K (8) neighbours
MARGINS = (0.0, 0.05, 0.1, 0.2)  # how much more the consensus must agree than the nearest pair


def _exact_index(rule: str, query: str, cands: list, agree: list[float], margin: float) -> int:
    """The answer's index under a same-description rule ("", " +same description", " +unique same description")."""
    from codetrans.grounding.api import choose, same_description, unique_description

    if rule == " +same description" and same_description(query, cands[0]):
        return 0
    if rule == " +unique same description":
        j = unique_description(query, cands)
        if j is not None:
            return j
    return choose(cands, agree, margin)


def fit_logistic(x: list[float], y: list[int], steps: int = 3000, lr: float = 0.5) -> tuple[float, float]:
    """(slope, intercept) by gradient descent on the log loss: two parameters need no library."""
    a, b = 0.0, 0.0
    n = len(x)
    for _ in range(steps):
        ga = gb = 0.0
        for xi, yi in zip(x, y):
            p = 1 / (1 + math.exp(-(a * xi + b)))
            ga += (p - yi) * xi
            gb += p - yi
        a -= lr * ga / n
        b -= lr * gb / n
    return round(a, 3), round(b, 3)


def main() -> None:
    import datasets
    from tqdm.auto import tqdm

    from codetrans.grounding.api import agreements, api_candidates
    from codetrans.lang.docstrings import api_query
    from codetrans.metrics.bleu import sentence_smoothed_bleu, smoothed_bleu
    from codetrans.retrieval.exemplars import nearest
    from codetrans.retrieval.index import load_shipped_index
    from codetrans.serving.pipelines import pipeline
    from codetrans.tasks import API

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--index", required=True)
    ap.add_argument("--split", default="validation")
    ap.add_argument("--limit", type=int, default=600)
    ap.add_argument("--out", default=None)
    ap.add_argument("--examples", type=int, default=15, help="answers of the chosen rule to show (evenly spaced)")
    args = ap.parse_args()

    rows = datasets.load_from_disk(args.data)[args.split]
    rows = rows.filter(lambda r: r["task"] == API)
    step = max(1, len(rows) // args.limit)
    items = [rows[i] for i in range(0, len(rows), step)][: args.limit]
    pool = load_shipped_index(args.index)[API]
    pipe = pipeline("api", model=args.model, backend="ct2")
    t0 = time.perf_counter()
    queries = [api_query(r["source"]) or r["source"] for r in items]  # what the pipeline reads
    neighbours = [nearest(pool, q, max(KS), same_input=True) for q in tqdm(queries, desc="retrieve", unit="q")]
    retrieve_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = [(r[0] if isinstance(r, list) else r)["generated_text"] for r in pipe(queries, context=False, batch_size=32)]
    generate_s = time.perf_counter() - t0
    refs = [r["target"] for r in items]

    def score(preds: list[str]) -> float:
        return round(smoothed_bleu(preds, refs), 2)

    def ex(n: list, k: int) -> list:
        return [(e.input, e.target, e.score, e.meta) for e in n[:k]]

    table = {"BM25 top-1 (the floor)": score([n[0].target if n else "" for n in neighbours]),
             "model alone": score(model),
             "oracle of the 8 nearest": score([max((e.target for e in n[:8]), key=lambda t: sentence_smoothed_bleu(
                 t, [ref]), default="") for n, ref in zip(neighbours, refs)])}
    best = ("top-1", 8, 0.0, math.inf, table["BM25 top-1 (the floor)"])  # an infinite margin: always the nearest
    for k in KS:
        for vote in VOTES:
            groups = [(api_candidates(ex(n, k), m), m) for n, m in zip(neighbours, model)]
            scored = [(cands, agreements(cands, vote), m) for cands, m in groups]
            for margin in MARGINS:
                for exact in ("", " +same description", " +unique same description"):
                    preds = []
                    for (cands, agree, m), q in zip(scored, queries):  # agreements computed once per (k, vote)
                        if not cands:
                            preds.append(m)
                            continue
                        preds.append(cands[_exact_index(exact, q, cands, agree, margin)].text)
                    name = f"consensus k={k} vote={vote:g} margin={margin:g}{exact}"
                    table[name] = s = score(preds)
                    if s > best[4]:
                        best = ("consensus" + exact, k, vote, margin, s)
    # the confidence of the chosen rule: agreement of its answer -> close to the reference (BLEU >= 0.5)
    xs, ys = [], []
    exact_first = best[0][len("consensus"):]
    for n, m, ref, q in zip(neighbours, model, refs, queries):
        cands = api_candidates(ex(n, best[1]), m)
        if not cands:
            continue
        scores = agreements(cands, best[2])
        i = _exact_index(exact_first, q, cands, scores, best[3])
        xs.append(max(scores[i], 0.0))
        ys.append(int(sentence_smoothed_bleu(cands[i].text, [ref]) >= 50))  # 0-100
    slope, intercept = fit_logistic(xs, ys) if xs else (0.0, 0.0)
    shown = []
    for j in range(0, len(items), max(1, len(items) // max(args.examples, 1)))[: args.examples]:
        cands = api_candidates(ex(neighbours[j], best[1]), model[j])
        if not cands:
            continue
        c = cands[_exact_index(exact_first, queries[j], cands, agreements(cands, best[2]), best[3])]
        where = f"pair '{c.origin[0]}' ({c.origin[3].get('id', '')})" if c.kind == "neighbour" else "generated"
        shown.append({"description": queries[j], "reference": refs[j], "served": c.text, "provenance": where,
                      "top-1": cands[0].text if cands[0].kind == "neighbour" else "", "model": model[j]})
    bins = []
    for lo in (0.0, 0.2, 0.4, 0.6, 0.8):
        sel = [(x, y) for x, y in zip(xs, ys) if lo <= x < lo + 0.2 or (lo == 0.8 and x >= 1.0)]
        if sel:
            mean_p = sum(1 / (1 + math.exp(-(slope * x + intercept))) for x, _ in sel) / len(sel)
            bins.append({"agreement": f"{lo:.1f}-{lo + 0.2:.1f}", "n": len(sel), "confidence": round(mean_p, 3),
                         "close": round(sum(y for _, y in sel) / len(sel), 3)})
    result = {"model": args.model, "data": args.data, "split": args.split, "items": len(items),
              "index_pairs": len(pool), "table": table,
              "chosen": {"rule": best[0], "k": best[1], "vote": best[2], "margin": best[3] if best[3] != math.inf else None, "bleu": best[4]},
              "confidence": {"slope": slope, "intercept": intercept, "bins": bins}, "examples": shown,
              "seconds": {"retrieve_per_query_ms": round(1000 * retrieve_s / max(len(items), 1), 2),
                          "generate": round(generate_s, 1)}}
    print("| answer | smoothed BLEU-4 |\n|---|---:|")
    for name, v in table.items():
        print(f"| {name} | {v:.2f} |")
    print(json.dumps(result))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
