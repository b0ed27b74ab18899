"""How well each score separates judged-correct from judged-wrong candidates of the grounded path.

    python scripts/judged_auc.py --data corpora/main --model codetrans/models/codetrans-t5-tiny-multitask \
        --labels docs/quality/labels.jsonl --generated runs/judged/model

On the judged validation items (50 per documentation language, the harness's choice), every candidate of the
grounded path (same-repository neighbours as they are and edited, and the model's text from ``--generated``,
an ``evaluate --out`` folder of the plain model) is scored by the verifier's text scorer, the chooser's
predicted BLEU and the verifier's candidate scorer (what serves); prints each score's AUC for correct vs wrong
labelled candidates and the judged precision of choosing by it at several coverages. The candidate scorer
itself is fit by ``codetrans verifier fit`` (:func:`codetrans.evaluation.verifier.fit_candidates`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from codetrans.evaluation.context import EXEMPLARS_KEY, attach_exemplars
from codetrans.evaluation.judged import item_key, load_labels, text_key
from codetrans.evaluation.runner import load_split, spread
from codetrans.grounding.chooser import load_chooser
from codetrans.grounding.documentation import candidates
from codetrans.grounding.edit import signature
from codetrans.grounding.verifier import load_verifier
from codetrans.tasks import SUBTASKS, get_subtask


def auc(pos: list[float], neg: list[float]) -> float:
    if not pos or not neg:
        return float("nan")
    p, n = np.array(pos)[:, None], np.array(neg)[None, :]
    return float(((p > n) + 0.5 * (p == n)).mean())


def judge(args) -> None:
    v = load_verifier(args.model)
    if v is None:
        raise SystemExit(f"{args.model} ships no verifier")
    chooser = load_chooser(args.model)
    labels = load_labels(args.labels)
    ds = load_split(args.data, "validation")
    col = ds["task"]
    scores: dict[str, dict[str, list]] = {}
    picks: dict[str, list] = {}
    for task in [t for t, st in SUBTASKS.items() if st.task_type == "document"]:
        lang = get_subtask(task).lang
        idx = [i for i, t in enumerate(col) if t == task]
        rows = ds.select(idx).to_dict()
        positions = spread(len(idx), args.limit)
        records = ds.select([idx[p] for p in positions]).to_list()
        attach_exemplars(records, positions, rows, "validation", 8, None)
        gens = (Path(args.generated) / f"{task}.pred.txt").read_text().splitlines()
        for r, gen in zip(records, gens):
            name = str(r.get("func_name") or "") or signature(r["source"], lang).name
            cands = candidates(r["source"], lang, r.get(EXEMPLARS_KEY) or [], gen, name=name)
            logits = [v.logit(r["source"], c.text, name=name) for c in cands]
            sc = {"verifier text scorer": logits, "chooser (predicted BLEU)": [chooser.estimate(c) for c in cands],
                  "candidate scorer": [v.candidate_probability("doc", c.kind, c.features, z)
                                       for c, z in zip(cands, logits)]}
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
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True)
    p.add_argument("--model", required=True, help="a model directory with a verifier (verifier.json.gz)")
    p.add_argument("--labels", default="docs/quality/labels.jsonl")
    p.add_argument("--generated", required=True, help="an evaluate --out folder of the plain model (its texts)")
    p.add_argument("--limit", type=int, default=50)
    judge(p.parse_args())


if __name__ == "__main__":
    main()
