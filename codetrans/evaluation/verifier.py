"""The verifier's data, fit and automatic measure (:mod:`codetrans.grounding.verifier`).

:func:`verifier_groups` builds, for documented functions (or commits) of one split, the true text and its
**hard negatives**: the texts of the same repository's BM25-nearest documented functions (earlier commits),
as they are and edited to the unit — what the grounded path would offer instead. :func:`fit_verifier`
learns the translation tables on every training pair and the logistic combination on the training
groups; :func:`recall_at_1` measures, on held-out repositories, how often each scorer ranks the true text
first among it and its neighbours' texts, beside the baselines.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.evaluation.context import EXEMPLARS_KEY, attach_exemplars
from codetrans.evaluation.runner import load_split, spread
from codetrans.grounding.verifier import (
    FEATURES,
    Verifier,
    code_words,
    features,
    fit_logistic,
    fit_table,
    text_words,
)
from codetrans.tasks import SUBTASKS, get_subtask

K = 8


@dataclass
class Group:
    """One unit (function or diff) with its true text first, then its neighbours' texts."""

    task: str
    kind: str  # doc | commit
    lang: str
    code: str
    name: str
    texts: list[str]
    sources: list[str]  # "true" | "neighbour" | "edited"
    neighbour_scores: list[float]  # BM25 score of the neighbour a text came from (the true text: 0)
    exemplars: list | None = None  # the neighbours as the grounded path gets them: (input, target, score, meta)


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def _task_type(kind: str) -> str:
    """The task type a verifier kind serves (Java comments share the documentation part)."""
    return "commit" if kind == "commit" else "document"


def _tasks(ds: Any, kind: str) -> list[str]:
    return [t for t in dict.fromkeys(ds["task"]) if t in SUBTASKS and SUBTASKS[t].task_type == _task_type(kind)]


def verifier_groups(data: Any, split: str, kind: str = "doc", *, per_task: int = 2000,
                    progress: bool = True) -> list[Group]:
    """Up to ``per_task`` groups per sub-task of ``split`` (units with at least one repository neighbour)."""
    from codetrans.grounding.commit import adapt_subject
    from codetrans.grounding.edit import adapt, signature
    from codetrans.log import progress_bar

    ds = load_split(data, split)
    col = ds["task"]
    out: list[Group] = []
    for task in progress_bar(_tasks(ds, kind), desc=f"verifier groups ({split})", disable=not progress):
        idx = [i for i, t in enumerate(col) if t == task]
        rows = ds.select(idx).to_dict()
        positions = spread(len(idx), per_task * 3)
        records = ds.select([idx[p] for p in positions]).to_list()
        attach_exemplars(records, positions, rows, split, K, None)
        lang = get_subtask(task).lang or ""
        n = 0
        for r in records:
            exs = r.get(EXEMPLARS_KEY) or []
            if not exs or not r["target"].strip():
                continue
            q = signature(r["source"], lang, str(r.get("func_name") or "")) if kind != "commit" else None
            true = r["target"]
            seen = {_norm(true)}
            texts, sources, scores = [true], ["true"], [0.0]
            for inp, target, score, meta in exs:
                if kind == "commit":
                    edited, changes = adapt_subject(target, inp, r["source"])
                else:
                    e = adapt(target, signature(inp, lang, str(meta.get("func_name") or "")), q)
                    edited, changes = e.text, e.changes
                for text, src in ((target, "neighbour"), (edited, "edited")):
                    if (src == "edited" and not changes) or _norm(text) in seen:
                        continue  # the same words as the truth (or another candidate) teach nothing
                    seen.add(_norm(text))
                    texts.append(text)
                    sources.append(src)
                    scores.append(float(score))
            if len(texts) < 2:
                continue
            out.append(Group(task, kind, lang, r["source"], str(r.get("func_name") or ""), texts, sources, scores,
                             list(exs)))
            n += 1
            if n >= per_task:
                break
    return out


def table_pairs(data: Any, kind: str = "doc", *, split: str = "train") -> list[tuple[list[str], list[str]]]:
    """(code words, text words) of every pair of ``split`` of the kind's sub-tasks: the tables' data."""
    ds = load_split(data, split)
    tasks = set(_tasks(ds, kind))
    keep = [i for i, t in enumerate(ds["task"]) if t in tasks]
    sub = ds.select(keep)
    return [(code_words(s), text_words(t)) for s, t in zip(sub["source"], sub["target"])]


def fit_verifier(data: Any, *, kinds: Sequence[str] = ("doc", "commit"), per_task: int = 2000,
                 progress: bool = True) -> tuple[Verifier, dict[str, list[Group]]]:
    """Tables on every training pair, then the logistic combination on the training groups (true text 1,
    hard negatives 0, each group weighing as much as its true text)."""
    tables, weights, means, scales, info = {}, {}, {}, {}, {"features": list(FEATURES)}
    groups: dict[str, list[Group]] = {}
    for kind in kinds:
        table = fit_table(table_pairs(data, kind))
        tables[kind] = table
        gs = verifier_groups(data, "train", kind, per_task=per_task, progress=progress)
        if not gs:
            raise CodeTransError(f"no {kind} unit of the training split has a neighbour in its own repository "
                                 "(the hard negatives): is the corpus's repo column filled?")
        groups[kind] = gs
        x, y, w = [], [], []
        for g in gs:
            neg = len(g.texts) - 1
            for text, src in zip(g.texts, g.sources):
                x.append(features(table, g.code, text, name=g.name))
                y.append(1.0 if src == "true" else 0.0)
                w.append(1.0 if src == "true" else 1.0 / neg)
        wts, mean, scale = fit_logistic(x, y, weight=w)
        weights[kind], means[kind], scales[kind] = wts, mean, scale
        info[kind] = {"train_groups": len(gs), "train_texts": len(x), "table_code_words": len(table.code_vocab),
                      "table_text_words": len(table.text_vocab)}
    return Verifier(tables, weights, means, scales, info), groups


def fit_candidates(verifier: Verifier, data: Any, model: str, *, per_task: int = 400, proxy: float = 50.0,
                   backend: str = "ct2") -> dict[str, Any]:
    """The verifier's candidate scorer for documentation: the grounded path's candidates of training-split
    functions (:func:`codetrans.evaluation.grounded.chooser_groups`: neighbours as they are and edited, and
    ``model``'s text) with their chooser features plus the verifier's logit, labelled 1 when the candidate
    says what the reference says (smoothed sentence BLEU >= ``proxy``); one logistic fit per candidate kind.
    Sets ``verifier.candidates["doc"]`` and returns the fit's counts."""
    from codetrans.evaluation.grounded import chooser_groups
    from codetrans.grounding.chooser import FEATURES as CANDIDATE_FEATURES
    from codetrans.grounding.edit import signature

    docs = [t for t, st in SUBTASKS.items() if st.task_type == "document"]
    groups, _ = chooser_groups(data, model, split="train", per_task=per_task, backend=backend, tasks=docs)
    xs: dict[str, list] = defaultdict(list)
    ys: dict[str, list] = defaultdict(list)
    for cands, bleu, task, unit in groups:
        lang = get_subtask(task).lang or ""
        name = unit["func_name"] or signature(unit["source"], lang).name
        for c, y in zip(cands, bleu):
            xs[c.kind].append([*c.features, verifier.logit(unit["source"], c.text, name=name)])
            ys[c.kind].append(float(y >= proxy))
    part: dict[str, Any] = {"features": [*CANDIDATE_FEATURES, "verifier_logit"], "weights": {}, "mean": {},
                            "scale": {}, "proxy_bleu": proxy}
    counts = {}
    for kind in xs:
        if sum(ys[kind]) < 2:
            continue  # nothing to learn from (a kind that is never right on the training split)
        part["weights"][kind], part["mean"][kind], part["scale"][kind] = fit_logistic(xs[kind], ys[kind], ridge=3.0)
        counts[kind] = {"candidates": len(ys[kind]), "right": int(sum(ys[kind]))}
    verifier.candidates["doc"] = part
    return counts


Scorer = Callable[[Group, int], float]


def recall_at_1(groups: Sequence[Group], scorers: dict[str, Scorer]) -> dict[str, dict[str, float]]:
    """Per scorer and sub-task: the share of groups whose true text scores highest (ties count as misses,
    the true text ranked last among equals)."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    by_task: dict[str, list[Group]] = defaultdict(list)
    for g in groups:
        by_task[g.task].append(g)
    for name, score in scorers.items():
        for task, gs in by_task.items():
            hits = 0
            for g in gs:
                vals = [score(g, i) for i in range(len(g.texts))]
                hits += all(vals[0] > v for v in vals[1:])
            out[name][task] = round(100.0 * hits / len(gs), 1)
        out[name]["n"] = len(groups)
    return dict(out)


def baseline_scorers(idf: dict[str, float] | None = None) -> dict[str, Scorer]:
    """Word overlap (share of the text's words in the code), BM25 of the text against the code (with
    ``idf``), and the grounded path's chooser estimate (the true text offered as the model's candidate)."""
    from codetrans.grounding.chooser import load_chooser
    from codetrans.grounding.documentation import candidates

    chooser = load_chooser()
    memo: dict[int, list[float]] = {}

    def chooser_score(g: Group, i: int) -> float:
        if id(g) not in memo:
            # the true text offered as the model's candidate, beside the neighbours as the grounded path sees them
            est: dict[str, float] = {}
            for c in candidates(g.code, g.lang, g.exemplars or [], g.texts[0], name=g.name):
                est[c.text] = max(est.get(c.text, float("-inf")), chooser.estimate(c))
            memo[id(g)] = [est.get(t, float("-inf")) for t in g.texts]
        return memo[id(g)][i]

    def overlap(g: Group, i: int) -> float:
        cw, tw = set(code_words(g.code)), text_words(g.texts[i])
        return sum(w in cw for w in tw) / len(tw) if tw else 0.0

    def bm25(g: Group, i: int) -> float:
        # code words are distinct, so each term frequency is 1 and BM25's saturation is 1: the idf of the shared words
        cw = set(code_words(g.code))
        return sum((idf or {}).get(w, 1.0) for w in set(text_words(g.texts[i])) if w in cw)

    return {"word overlap": overlap, "BM25 text->code": bm25, "chooser estimate": chooser_score}


def verifier_scorers(verifier: Verifier, kind: str = "doc") -> dict[str, Scorer]:
    """The translation table alone (mean lift) and the whole verifier."""
    table = verifier.tables[kind]

    def ibm1(g: Group, i: int) -> float:
        return features(table, g.code, g.texts[i], name=g.name)[FEATURES.index("lift_mean")]

    def full(g: Group, i: int) -> float:
        return verifier.logit(g.code, g.texts[i], kind=kind, name=g.name)

    return {"translation table (IBM-1)": ibm1, "verifier": full}


def text_idf(data: Any, kind: str = "doc") -> dict[str, float]:
    """idf of code words over the training pairs' code (the BM25 baseline's)."""
    pairs = table_pairs(data, kind)
    n = len(pairs)
    df: dict[str, int] = defaultdict(int)
    for c, _ in pairs:
        for w in set(c):
            df[w] += 1
    return {w: math.log(1 + (n - d + 0.5) / (d + 0.5)) for w, d in df.items()}


def measure_recall(data: Any, verifier: Verifier, *, split: str = "test", per_task: int = 300,
                   kinds: Sequence[str] = ("doc", "commit"), progress: bool = True,
                   model: str | None = None) -> tuple[dict, str]:
    """Recall@1 of the true text among it and its repository neighbours' texts (as they are and edited), per
    sub-task, for the verifier, the translation table alone and the baselines; (figures, markdown table)."""
    from codetrans.metrics.table import column_label

    figures: dict[str, Any] = {}
    rows: list[tuple[str, dict]] = []
    for kind in kinds:
        groups = verifier_groups(data, split, kind, per_task=per_task, progress=progress)
        scorers = {**baseline_scorers(text_idf(data, kind)), **verifier_scorers(verifier, kind),
                   **(likelihood_scorers(model) if model else {})}
        if kind == "commit":
            scorers.pop("chooser estimate", None)  # the documentation chooser has no commit features
        rec = recall_at_1(groups, scorers)
        figures[kind] = {"groups": len(groups), "mean_candidates": round(sum(len(g.texts) for g in groups)
                                                                          / max(1, len(groups)), 2), **rec}
        rows += [(name, r) for name, r in rec.items()]
    tasks = list(dict.fromkeys(t for _, r in rows for t in r if t != "n"))
    head = "| scorer | " + " | ".join(column_label(t) for t in tasks) + " |"
    lines = [head, "|---|" + "---:|" * len(tasks)]
    for name, r in rows:
        lines.append(f"| {name} | " + " | ".join(f"{r[t]:.1f}" if t in r else "–" for t in tasks) + " |")
    return figures, "\n".join(lines)


class Likelihood:
    """The generator's own log-likelihood of a text given the unit's input (the shipped model, torch), total
    and per token: one encoder pass per unit, all its texts scored in one batch."""

    def __init__(self, model_dir: str, max_source: int = 512):
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        self.torch = torch
        self.tok = AutoTokenizer.from_pretrained(model_dir)
        self.model = AutoModelForSeq2SeqLM.from_pretrained(model_dir).eval()
        self.max_source = max_source
        self._memo: dict[int, list[tuple[float, float]]] = {}

    def scores(self, g: Group) -> list[tuple[float, float]]:
        """(sum, mean) of the log-probabilities of each text's tokens."""
        if id(g) in self._memo:
            return self._memo[id(g)]
        from codetrans.tasks import format_input

        torch = self.torch
        src = self.tok([format_input(get_subtask(g.task), g.code)], truncation=True, max_length=self.max_source,
                       return_tensors="pt")
        tgt = self.tok(list(g.texts), truncation=True, max_length=96, padding=True, return_tensors="pt").input_ids
        labels = tgt.masked_fill(tgt == self.tok.pad_token_id, -100)
        n = len(g.texts)
        with torch.inference_mode():
            enc = self.model.get_encoder()(**src).last_hidden_state.expand(n, -1, -1)
            logits = self.model(encoder_outputs=(enc,), attention_mask=src.attention_mask.expand(n, -1),
                                labels=labels).logits
        logp = torch.log_softmax(logits.float(), -1).gather(-1, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1)
        mask = labels != -100
        total = (logp * mask).sum(-1)
        out = [(float(t), float(t / max(1, int(m)))) for t, m in zip(total, mask.sum(-1))]
        self._memo[id(g)] = out
        return out


def likelihood_scorers(model_dir: str) -> dict[str, Scorer]:
    lik = Likelihood(model_dir)
    return {"model likelihood": lambda g, i: lik.scores(g)[i][0],
            "model likelihood / token": lambda g, i: lik.scores(g)[i][1]}


def stale_figures(data: Any, verifier: Verifier, *, split: str = "validation", per_task: int = 300,
                  thresholds: Sequence[float] = (0.05, 0.1, 0.2, 0.3, 0.5), seed: int = 0) -> dict[str, Any]:
    """Synthetic staleness: documented functions of files with several, each kept with its own docstring
    or given a same-file neighbour's (swapped), half and half. Per threshold, the precision and recall of
    flagging "does not describe its function" (verifier probability below the threshold)."""
    import random

    ds = load_split(data, split)
    rng = random.Random(seed)
    scored: list[tuple[float, bool]] = []
    col = ds["task"]
    for task in _tasks(ds, "doc"):
        idx = [i for i, t in enumerate(col) if t == task]
        rows = ds.select(idx).to_list()
        by_file: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for r in rows:
            by_file[(r["repo"], r["path"])].append(r)
        files = [fs for fs in by_file.values() if len({_norm(r["target"]) for r in fs}) > 1]
        rng.shuffle(files)
        n = 0
        for fs in files:
            for r in fs:
                if n >= per_task:
                    break
                stale = rng.random() < 0.5
                text = r["target"]
                if stale:
                    others = [o["target"] for o in fs if _norm(o["target"]) != _norm(text)]
                    text = rng.choice(others)
                p = verifier.probability(r["source"], text, name=str(r.get("func_name") or ""))
                scored.append((p, stale))
                n += 1
    out: dict[str, Any] = {"split": split, "items": len(scored), "stale": sum(s for _, s in scored), "at": {}}
    for th in thresholds:
        flagged = [s for p, s in scored if p < th]
        tp = sum(flagged)
        out["at"][str(th)] = {"precision": round(100 * tp / len(flagged), 1) if flagged else None,
                              "recall": round(100 * tp / max(1, out["stale"]), 1), "flagged": len(flagged)}
    return out


__all__ = ["Group", "Likelihood", "baseline_scorers", "fit_candidates", "fit_verifier", "likelihood_scorers",
           "measure_recall", "recall_at_1", "stale_figures", "table_pairs", "text_idf", "verifier_groups",
           "verifier_scorers"]
