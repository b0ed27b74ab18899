"""The grounded documentation path in the harness: predictors, and the data its chooser is fit on.

``grounded:MODEL`` answers each record as :func:`codetrans.serving.grounded.ground` answers a user: the
record's same-repository exemplars (``--context same-repo``, k = 4), edited, and the model's text,
one chosen by the chooser. ``oracle:MODEL`` takes, among the same candidates, the one closest to the
reference (an upper bound of choosing, not a system). Both run the model once per record and share it.

:func:`chooser_groups` builds what :func:`codetrans.serving.grounded.fit_chooser` learns from: the
candidates of functions of the **training** split (exemplars from their own repository, leave-one-out,
as at test time) with each candidate's sentence BLEU against the reference.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.evaluation.predictors import DecodingOptions, ModelPredictor
from codetrans.tasks import SUBTASKS, get_subtask

GROUNDED_MODES = ("grounded", "oracle")
#: Sub-task types the grounded path serves (documentation and Java comments).
GROUNDED_TYPES = ("document", "comment")


def applies(task: str) -> bool:
    return get_subtask(task).task_type in GROUNDED_TYPES


class GroundedPredictor:
    """``grounded:MODEL`` / ``oracle:MODEL`` (see the module doc)."""

    def __init__(self, mode: str, model: str | os.PathLike | ModelPredictor, *, backend: str = "torch",
                 device: str | None = None, chooser: Any = None):
        if mode not in GROUNDED_MODES:
            raise CodeTransError(f"unknown grounded mode {mode!r}")
        self.mode = mode
        self.model = model if isinstance(model, ModelPredictor) else ModelPredictor(model, device=device,
                                                                                    backend=backend)
        self.name = f"{mode}:{self.model.name}"
        self.path = self.model.path
        if chooser is None and mode == "grounded":
            from codetrans.serving.grounded import load_chooser

            chooser = load_chooser(self.model.path)
        self.chooser = chooser
        self._memo: dict[tuple[str, str], str] = {}

    def identity(self) -> dict:
        ident = {**self.model.identity(), "grounding": self.mode}
        if self.chooser is not None:
            ident["chooser"] = self.chooser.fit_info
        return ident

    def applies_to(self, task: str) -> bool:
        return applies(task)

    def prepare(self, task: str, train: Sequence[dict] | None) -> None:
        return None

    def effective_decoding(self, task: str, options: DecodingOptions) -> dict:
        return self.model.effective_decoding(task, options)

    def generated(self, task: str, records: Sequence[dict], options: DecodingOptions) -> list[str]:
        """The model's text for each record (with the exemplars when the model takes them), memoised."""
        from codetrans.evaluation.context import EXEMPLARS_KEY
        from codetrans.serving.context import context_spec

        takes = context_spec(self.model.path) is not None
        todo = [r for r in records if (task, r["source"]) not in self._memo]
        if todo:
            inputs = todo if takes else [{k: v for k, v in r.items() if k != EXEMPLARS_KEY} for r in todo]
            for r, text in zip(todo, self.model.predict(task, inputs, options, lambda n: None)):
                self._memo[(task, r["source"])] = text
        return [self._memo[(task, r["source"])] for r in records]

    def predict(self, task: str, records: Sequence[dict], options: DecodingOptions,
                advance: Callable[[int], None]) -> list[str]:
        from codetrans.evaluation.context import EXEMPLARS_KEY
        from codetrans.serving.grounded import candidates, ground

        lang = get_subtask(task).lang or ""
        gens = self.generated(task, records, options)
        out = []
        for r, gen in zip(records, gens):
            exs = r.get(EXEMPLARS_KEY) or []
            if self.mode == "grounded":
                out.append(ground(r["source"], lang, exs, gen, chooser=self.chooser,
                                  name=str(r.get("func_name") or "")).text)
            else:
                cands = candidates(r["source"], lang, exs, gen, name=str(r.get("func_name") or ""))
                out.append(_best(cands, r) if cands else gen)
        advance(len(records))
        return [" ".join(p.split()) for p in out]


def _best(cands: Sequence[Any], record: dict) -> str:
    from codetrans.metrics.bleu import smoothed_bleu_items

    refs = record.get("references") or [record["target"]]
    scores = smoothed_bleu_items([c.text for c in cands], [refs] * len(cands))
    return cands[max(range(len(cands)), key=scores.__getitem__)].text


def chooser_groups(data: Any, model: str | os.PathLike | ModelPredictor, *, split: str = "train",
                   per_task: int = 400, backend: str = "ct2", tasks: Sequence[str] | None = None,
                   progress: bool = True) -> tuple[list[tuple[list, list[float], str]], dict]:
    """(candidate groups with their BLEU, a summary) for fitting the chooser on ``split``."""
    from tqdm.auto import tqdm

    from codetrans.evaluation.context import EXEMPLARS_KEY, attach_exemplars
    from codetrans.evaluation.runner import load_split, spread
    from codetrans.metrics.bleu import smoothed_bleu_items
    from codetrans.serving.grounded import GROUND_K, candidates

    ds = load_split(data, split)
    col = ds["task"]
    chosen = [t for t in dict.fromkeys(col) if t in SUBTASKS and applies(t)]
    if tasks:
        chosen = [t for t in chosen if t in tasks]
    predictor = GroundedPredictor("oracle", model, backend=backend)
    groups: list[tuple[list, list[float], str]] = []
    summary: dict[str, int] = {}
    for task in tqdm(chosen, desc="chooser data", disable=not progress):
        idx = [i for i, t in enumerate(col) if t == task]
        rows = ds.select(idx).to_dict()
        positions = spread(len(idx), per_task * 3)  # many have no repository neighbour: sample wider
        records = ds.select([idx[p] for p in positions]).to_list()
        attach_exemplars(records, positions, rows, split, GROUND_K, None)
        records = [r for r in records if r.get(EXEMPLARS_KEY)][:per_task]
        gens = predictor.generated(task, records, DecodingOptions())
        lang = get_subtask(task).lang or ""
        for r, gen in zip(records, gens):
            cands = candidates(r["source"], lang, r[EXEMPLARS_KEY], gen, name=str(r.get("func_name") or ""))
            refs = r.get("references") or [r["target"]]
            groups.append((cands, smoothed_bleu_items([c.text for c in cands], [refs] * len(cands)), task))
        summary[task] = len(records)
    return groups, {"split": split, "per_task": summary, "model": predictor.model.identity().get("id")}


def check_chooser(chooser: Any, groups: Sequence[tuple[list, list[float], str]], *, split: str) -> dict:
    """Mean sentence BLEU of the top-1 neighbour as retrieved, the generated text, the chooser's pick and the oracle over
    ``groups`` (held-out functions), per sub-task language: how much choosing adds before any test."""
    from collections import defaultdict

    from codetrans.metrics.table import column_label

    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0, 0.0])
    for cands, ys, task in groups:
        s = sums[column_label(task)]
        pick = max(range(len(cands)), key=lambda i: chooser.estimate(cands[i]))
        gen = [y for c, y in zip(cands, ys) if c.kind == "generated"]
        s[0] += ys[0] if cands[0].kind == "neighbour" else 0.0
        s[1] += gen[0] if gen else 0.0
        s[2] += ys[pick]
        s[3] += max(ys)
        s[4] += 1
    return {"split": split, **{col: {"top1": round(s[0] / s[4], 2), "generated": round(s[1] / s[4], 2),
                                      "chosen": round(s[2] / s[4], 2), "oracle": round(s[3] / s[4], 2), "n": int(s[4])}
                               for col, s in sums.items()}}


__all__ = ["GROUNDED_MODES", "GroundedPredictor", "applies", "check_chooser", "chooser_groups"]
