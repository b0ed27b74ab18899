"""Experiment: choose among the grounded path's candidates by the probability of being right, not by BLEU.

    python scripts/truth_chooser.py fit --data corpora/main --model MODEL --verifier V --out runs/truth
    python scripts/truth_chooser.py judge --data corpora/main --model MODEL --verifier V --truth runs/truth/truth.json \
        --labels docs/quality/labels.jsonl --generated runs/judged/model

``fit``: the candidates of training-split functions (the chooser's data: same-repository neighbours, as they are
and edited, and the model's text), each with the chooser's features plus the verifier's logit, labelled 1
when the candidate says what the reference says (smoothed sentence BLEU >= --proxy, default 50: a near
paraphrase); a logistic fit per candidate kind. ``judge``: on the judged validation items, the AUC of each
score (verifier, chooser estimate, truth model) for correct vs wrong labelled candidates, and the precision
at coverage of choosing by each.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from codetrans.evaluation.context import EXEMPLARS_KEY, attach_exemplars
from codetrans.evaluation.grounded import chooser_groups
from codetrans.evaluation.judged import item_key, load_labels, text_key
from codetrans.evaluation.runner import load_split, spread
from codetrans.retrieval.edit import signature
from codetrans.serving.grounded import FEATURES, candidates, load_chooser
from codetrans.serving.verifier import Verifier, fit_logistic
from codetrans.tasks import get_subtask

DOCS = [f"code_documentation_generation_{x}" for x in ("python", "java", "go", "php", "ruby", "javascript")]


def _x(c, v: Verifier, source: str, lang: str, name: str) -> list[float]:
    name = name or signature(source, lang).name
    return [*c.features, v.logit(source, c.text, name=name)]


def fit(args) -> None:
    v = Verifier.load(args.verifier)
    groups, _ = chooser_groups(args.data, args.model, split="train", per_task=args.per_task, tasks=DOCS)
    weights, mean, scale = {}, {}, {}
    xs_all: dict[str, list] = {"neighbour": [], "generated": []}
    ys_all: dict[str, list] = {"neighbour": [], "generated": []}
    for cands, ys, task, unit in groups:
        lang = get_subtask(task).lang
        for c, y in zip(cands, ys):
            xs_all[c.kind].append(_x(c, v, unit["source"], lang, unit["func_name"]))
            ys_all[c.kind].append(float(y >= args.proxy))
    for kind in xs_all:
        w, m, s = fit_logistic(xs_all[kind], ys_all[kind], ridge=3.0)
        weights[kind], mean[kind], scale[kind] = w, m, s
        print(kind, len(ys_all[kind]), "positives", int(sum(ys_all[kind])), file=sys.stderr)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "truth.json").write_text(json.dumps({"features": [*FEATURES, "verifier_logit"], "weights": weights,
                                                "mean": mean, "scale": scale, "proxy_bleu": args.proxy}))
    print(f"wrote {out / 'truth.json'}")


def truth_prob(doc: dict, x: list[float], kind: str) -> float:
    w, m, s = doc["weights"][kind], doc["mean"][kind], doc["scale"][kind]
    z = sum(wi * ((xi - mi) / si if i else xi) for i, (wi, xi, mi, si) in enumerate(zip(w, x, m, s)))
    return 1 / (1 + np.exp(-np.clip(z, -30, 30)))


def auc(pos: list[float], neg: list[float]) -> float:
    if not pos or not neg:
        return float("nan")
    p, n = np.array(pos)[:, None], np.array(neg)[None, :]
    return float(((p > n) + 0.5 * (p == n)).mean())


def judge(args) -> None:
    v = Verifier.load(args.verifier)
    doc = json.loads(Path(args.truth).read_text()) if args.truth else None
    chooser = load_chooser(args.model)
    labels = load_labels(args.labels)
    ds = load_split(args.data, "validation")
    col = ds["task"]
    scores: dict[str, dict[str, list]] = {}
    picks: dict[str, list[str]] = {}
    for task in DOCS:
        lang = get_subtask(task).lang
        idx = [i for i, t in enumerate(col) if t == task]
        rows = ds.select(idx).to_dict()
        positions = spread(len(idx), args.limit)
        records = ds.select([idx[p] for p in positions]).to_list()
        attach_exemplars(records, positions, rows, "validation", 8, None)
        gens = (Path(args.generated) / f"{task}.pred.txt").read_text().splitlines()
        for r, gen in zip(records, gens):
            name = str(r.get("func_name") or "")
            cands = candidates(r["source"], lang, r.get(EXEMPLARS_KEY) or [], gen, name=name)
            sc = {"verifier": [], "chooser": [], "truth": []}
            for c in cands:
                x = _x(c, v, r["source"], lang, name)
                sc["verifier"].append(x[-1])
                sc["chooser"].append(chooser.estimate(c))
                sc["truth"].append(truth_prob(doc, x, c.kind) if doc else 0.0)
            key = item_key(task, r["source"])
            for s_name, vals in sc.items():
                best = max(range(len(cands)), key=vals.__getitem__)
                picks.setdefault(s_name, []).append((labels.get((key, text_key(cands[best].text)), "unlabelled"),
                                                     vals[best]))
                for c, val in zip(cands, vals):
                    lab = labels.get((key, text_key(c.text)))
                    if lab:
                        scores.setdefault(s_name, {}).setdefault(lab, []).append(val)
    for s_name, by in scores.items():
        print(s_name, "AUC correct vs wrong", round(auc(by.get("correct", []), by.get("wrong", [])), 3),
              "correct+vague vs wrong", round(auc(by.get("correct", []) + by.get("vague", []), by.get("wrong", [])), 3))
    for s_name, ps in picks.items():
        ps = sorted(ps, key=lambda p: -p[1])
        labelled = [p for p in ps if p[0] != "unlabelled"]
        print(s_name, "picks:", {k: sum(p[0] == k for p in ps) for k in ("correct", "vague", "wrong", "unlabelled")})
        for cov in (0.1, 0.2, 0.3, 0.5, 1.0):
            top = labelled[:max(1, int(cov * len(labelled)))]
            print(f"  coverage {cov:.0%}: correct {100 * sum(p[0] == 'correct' for p in top) / len(top):.1f} "
                  f"wrong {100 * sum(p[0] == 'wrong' for p in top) / len(top):.1f} (n={len(top)}, min score {top[-1][1]:.3f})")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("action", choices=["fit", "judge"])
    p.add_argument("--data", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--verifier", required=True)
    p.add_argument("--out", default="runs/truth")
    p.add_argument("--truth", default=None)
    p.add_argument("--labels", default="docs/quality/labels.jsonl")
    p.add_argument("--generated", default="runs/judged/model")
    p.add_argument("--per-task", type=int, default=400)
    p.add_argument("--proxy", type=float, default=50.0)
    p.add_argument("--limit", type=int, default=50)
    args = p.parse_args()
    (fit if args.action == "fit" else judge)(args)


if __name__ == "__main__":
    main()
