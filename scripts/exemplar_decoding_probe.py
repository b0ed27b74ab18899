"""Can decoding alone make a model that was never trained on exemplars beat same-repository retrieval?

Two probes on a split's documentation, comment and commit pairs, each record given its k = 4 same-repository
exemplars exactly as ``codetrans evaluate --context same-repo`` draws them (leave-one-out; commits: earlier ones):

* ``rerank``: answer with one of the exemplar targets, chosen by the model's log-probability of it given the
  code (raw, per token, per sqrt-token), by consensus among the exemplars (MBR, smoothed BLEU), or mixed with
  the retrieval rank — beside retrieval's top-1 and the oracle choice (the best any choice of the four could do).
* ``copy``: generate with the model's tuned decoding while mixing its next-token distribution with one that
  continues the exemplar targets wherever the output's last tokens match them (a copy distribution in the
  manner of pointer-generator / kNN-LM mixtures): ``p = (1 - lam) p_model + lam p_copy``.

Figures go to stdout as JSON lines and a table; docs/zoo/README.md ("Decoding with exemplars") records them.
From the folder holding ``corpora/``::

    python main/scripts/exemplar_decoding_probe.py rerank --split validation --limit 300
    python main/scripts/exemplar_decoding_probe.py copy --split validation --limit 48 --lam 0,0.5,0.8,0.9,0.97 \
        --tasks code_documentation_generation_java,code_documentation_generation_python,code_documentation_generation_go
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

import torch
from transformers import AutoTokenizer, LogitsProcessor, LogitsProcessorList, T5ForConditionalGeneration

from codetrans.evaluation.context import EXEMPLARS_KEY, attach_exemplars
from codetrans.evaluation.runner import _references as refs_of  # the harness's own reference rule
from codetrans.evaluation.runner import load_split, spread
from codetrans.meta import ModelMeta
from codetrans.metrics import sentence_smoothed_bleu, smoothed_bleu
from codetrans.tasks import format_input

K = 4
PREFIXES = ("code_documentation", "code_comment", "commit")


def split_records(data: str, split: str, limit: int, tasks: list[str] | None) -> dict[str, list[dict]]:
    """Sub-task -> ``limit`` records spread over the split, each with its same-repository exemplars."""
    ds = load_split(data, split)
    col = ds["task"]
    out = {}
    for task in sorted(set(col)):
        if not task.startswith(PREFIXES) or (tasks and task not in tasks):
            continue
        rows = [i for i, t in enumerate(col) if t == task]
        pos = spread(len(rows), limit)
        recs = ds.select([rows[p] for p in pos]).to_list()
        attach_exemplars(recs, pos, ds.select(rows).to_dict(), split, K, None)
        out[task] = recs
    return out


@torch.no_grad()
def target_logprobs(model: Any, tok: Any, source: str, targets: list[str]) -> tuple[list[float], list[int]]:
    """Summed log-probability of each target given ``source`` and its token count (``</s>`` included)."""
    x = tok([source] * len(targets), return_tensors="pt", padding=True, truncation=True, max_length=512)
    y = tok(targets, return_tensors="pt", padding=True, truncation=True, max_length=128).input_ids
    mask = y != tok.pad_token_id
    logits = model(**x, labels=y.masked_fill(~mask, -100)).logits
    lp = torch.log_softmax(logits, -1).gather(-1, y.unsqueeze(-1)).squeeze(-1) * mask
    return lp.sum(-1).tolist(), mask.sum(-1).tolist()


RULES: dict[str, Callable[[dict, int], float]] = {
    "retrieval top-1": lambda r, i: -i,
    "oracle of 4": lambda r, i: r["bleu"][i],
    "log p": lambda r, i: r["lp"][i],
    "log p / n": lambda r, i: r["lp"][i] / r["n"][i],
    "log p / sqrt n": lambda r, i: r["lp"][i] / r["n"][i] ** 0.5,
    "MBR": lambda r, i: r["mbr"][i],
    "log p / n + 2 MBR": lambda r, i: r["lp"][i] / r["n"][i] + 2 * r["mbr"][i] / 100,
    "log p / n - 0.3 rank": lambda r, i: r["lp"][i] / r["n"][i] - 0.3 * i,
    "log p / n - 1.0 rank": lambda r, i: r["lp"][i] / r["n"][i] - 1.0 * i,
}


def rerank(model: Any, tok: Any, records: dict[str, list[dict]]) -> dict[str, dict[str, float]]:
    table = {}
    for task, recs in records.items():
        feats = []
        for r in recs:
            targets = [t for _, t in r[EXEMPLARS_KEY]]
            if not targets:
                feats.append(None)
                continue
            lps, ns = target_logprobs(model, tok, format_input(task, r["source"]), targets)
            feats.append({"bleu": [sentence_smoothed_bleu(t, refs_of(r)) for t in targets], "lp": lps, "n": ns,
                          "mbr": [sum(sentence_smoothed_bleu(t, [u]) for j, u in enumerate(targets) if j != i)
                                  for i, t in enumerate(targets)]})
        row = {}
        for name, rule in RULES.items():
            picked = [f["bleu"][max(range(len(f["bleu"])), key=lambda i: (rule(f, i), -i))] if f else 0.0
                      for f in feats]
            row[name] = round(sum(picked) / len(picked), 2)
        table[task] = row
        print(json.dumps({"task": task, **row}), flush=True)
    return table


class CopyMixture(LogitsProcessor):
    """Mixes the model's next-token distribution with votes of the exemplar targets: each position of an
    exemplar whose preceding tokens match the output's last n >= 1 tokens (or the start, at the start) votes
    for its token with weight (n + 1)^2 / rank. Tokens another processor blocked (-inf) stay blocked."""

    def __init__(self, exemplar_ids: list[list[list[int]]], beams: int, lam: float, max_match: int = 8):
        self.ex, self.beams, self.lam, self.max_match = exemplar_ids, beams, lam, max_match

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        probs = scores.float().log_softmax(-1).exp()
        out = scores.clone()
        for row in range(input_ids.shape[0]):
            made = input_ids[row, 1:].tolist()  # without the decoder start token
            votes: dict[int, float] = {}
            for rank, ex in enumerate(self.ex[row // self.beams]):
                for p in range(len(ex)):
                    n = 0
                    while n < min(p, len(made), self.max_match) and ex[p - 1 - n] == made[-1 - n]:
                        n += 1
                    if n or (p == 0 and not made):
                        votes[ex[p]] = votes.get(ex[p], 0.0) + (n + 1) ** 2 / (rank + 1)
            if not votes:
                continue
            copy = torch.zeros(scores.shape[-1])
            for t, w in votes.items():
                copy[t] = w
            copy[scores[row] == float("-inf")] = 0
            if copy.sum() == 0:
                continue
            out[row] = ((1 - self.lam) * probs[row] + self.lam * copy / copy.sum()).clamp_min(1e-30).log()
        return out


def copy_decoding(model: Any, tok: Any, decoding: dict, records: dict[str, list[dict]],
                  lams: list[float]) -> dict[str, dict[str, float]]:
    table = {}
    for task, recs in records.items():
        refs = [refs_of(r) for r in recs]
        dec = decoding[task]
        row = {"retrieval top-1": round(smoothed_bleu([r[EXEMPLARS_KEY][0][1] if r[EXEMPLARS_KEY] else ""
                                                       for r in recs], refs), 2)}
        for lam in lams:
            preds = []
            for s in range(0, len(recs), 16):
                part = recs[s:s + 16]
                x = tok([format_input(task, r["source"]) for r in part], return_tensors="pt", padding=True,
                        truncation=True, max_length=512)
                ex_ids = [[tok(t).input_ids for _, t in r[EXEMPLARS_KEY]] for r in part]
                procs = LogitsProcessorList([CopyMixture(ex_ids, dec["num_beams"], lam)]) if lam > 0 else None
                with torch.no_grad():
                    g = model.generate(**x, num_beams=dec["num_beams"], max_new_tokens=dec["max_new_tokens"],
                                       length_penalty=dec["length_penalty"], do_sample=False,
                                       no_repeat_ngram_size=dec["no_repeat_ngram_size"] or 0, logits_processor=procs)
                preds += tok.batch_decode(g, skip_special_tokens=True)
            row[f"lam {lam}"] = round(smoothed_bleu(preds, refs), 2)
        table[task] = row
        print(json.dumps({"task": task, **row}), flush=True)
    return table


def markdown(table: dict[str, dict[str, float]]) -> str:
    cols = list(next(iter(table.values())))
    lines = ["| sub-task | " + " | ".join(cols) + " |", "|---" + "|---:" * len(cols) + "|"]
    lines += [f"| {task} | " + " | ".join(f"{row[c]:.2f}" for c in cols) + " |" for task, row in table.items()]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("probe", choices=("rerank", "copy"))
    ap.add_argument("--model", default="main/codetrans/models/codetrans-t5-tiny-multitask")
    ap.add_argument("--data", default="corpora/main_v2")
    ap.add_argument("--split", default="validation")
    ap.add_argument("--limit", type=int, default=300)
    ap.add_argument("--tasks", default="")
    ap.add_argument("--lam", default="0,0.5,0.8,0.9,0.97")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    tok = AutoTokenizer.from_pretrained(a.model)
    model = T5ForConditionalGeneration.from_pretrained(a.model).eval()
    records = split_records(a.data, a.split, a.limit, [t for t in a.tasks.split(",") if t] or None)
    if a.probe == "rerank":
        table = rerank(model, tok, records)
    else:
        decoding = ModelMeta.read(a.model).decoding
        if decoding is None:
            raise SystemExit(f"{a.model} has no tuned decoding (codetrans.json -> decoding)")
        table = copy_decoding(model, tok, decoding, records, [float(x) for x in a.lam.split(",")])
    print(markdown(table))


if __name__ == "__main__":
    main()
