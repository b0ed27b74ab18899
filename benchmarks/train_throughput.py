"""Training throughput: this engine vs a stock ``transformers`` ``Seq2SeqTrainer``, same data and model.

Data: CODE-NN Python (StackOverflow code -> title) and NNGen (Java diff -> commit message) from
``../shared/data``, read with ``codetrans.data.loaders`` (code tokenized by tree-sitter). Model: the
``tiny`` T5 (d256, 4+4 layers) over a SentencePiece vocabulary trained on the same data. Both sides
truncate sources to 256 and targets to 64 tokens and use AdamW at the same learning rate.

* baseline: ``Seq2SeqTrainer`` with its defaults (random batches of 16, ``DataCollatorForSeq2Seq``
  padding to the longest in the batch, fp32), as a user would run it;
* engine: ``codetrans.train.train`` (length bucketing within the same padded-token budget a batch of
  16 full-length examples takes, 16 * (256 + 64), bf16 autocast where it measures faster).

The metric is non-padding tokens per second (real source tokens + real target tokens), steady state
(the first steps are excluded). The two alternate in rounds of equal length (ABAB...) so machine noise
hits both. The last line is always one JSON object with both rates and ``ratio``; when a side took
too few steps for a steady state (a loaded machine), its rate includes the warm-up and ``note`` says so.

    python benchmarks/train_throughput.py [--seconds 45] [--rounds 2] [--threads 0]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SRC_LEN, TGT_LEN, BATCH, LR, WARM = 256, 64, 16, 1e-3, 3


def load_records(data: Path, limit: int | None) -> list[dict]:
    from codetrans.data.loaders import load_codenn, load_nngen

    recs = [{k: r[k] for k in ("task", "source", "target")} for r in load_codenn(data / "codenn/python/valid.txt")]
    recs += [{k: r[k] for k in ("task", "source", "target")} for r in load_nngen(data / "nngen/cleaned.valid")]
    return recs[:limit] if limit else recs


def run_baseline(model_dir: Path, tok, records: list[dict], seconds: float, threads: int, seed: int,
                 max_steps: int = 100000) -> dict:
    import datasets
    import torch
    from transformers import (
        DataCollatorForSeq2Seq,
        Seq2SeqTrainer,
        Seq2SeqTrainingArguments,
        T5ForConditionalGeneration,
        TrainerCallback,
    )

    from codetrans.tasks import format_input

    torch.set_num_threads(threads)
    model = T5ForConditionalGeneration.from_pretrained(str(model_dir))
    enc = tok([format_input(r["task"], r["source"]) for r in records], max_length=SRC_LEN, truncation=True)
    lab = tok([r["target"] for r in records], max_length=TGT_LEN, truncation=True)
    ds = datasets.Dataset.from_dict({"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"],
                                     "labels": lab["input_ids"]})
    base = DataCollatorForSeq2Seq(tok, model=model, padding="longest")
    counted: list[int] = []

    def collate(features):
        batch = base(features)
        counted.append(int(batch["attention_mask"].sum()) + int((batch["labels"] != -100).sum()))
        return batch

    marks: list[float] = []

    class Clock(TrainerCallback):
        def on_step_end(self, args, state, control, **kw):
            marks.append(time.perf_counter())
            if marks[-1] - marks[0] > seconds:
                control.should_training_stop = True

    out = tempfile.mkdtemp(prefix="hf-bench-")
    args = Seq2SeqTrainingArguments(output_dir=out, per_device_train_batch_size=BATCH, learning_rate=LR,
                                    max_steps=max_steps, save_strategy="no", report_to=[], logging_strategy="no",
                                    seed=seed, dataloader_num_workers=0, disable_tqdm=True, use_cpu=True)
    trainer = Seq2SeqTrainer(model=model, args=args, train_dataset=ds, data_collator=collate, callbacks=[Clock()])
    trainer.train()
    steps = len(marks)
    if steps <= WARM:  # a loaded machine: too few steps for a steady state; count them all (start ~ first mark)
        return {"tokens": sum(counted[1:steps]), "seconds": marks[-1] - marks[0] if steps else 0.0,
                "steps": max(0, steps - 1), "warm_included": True}
    # step i (1-based) consumed batch i-1; steady state = steps WARM+1 .. steps
    tokens = sum(counted[WARM:steps])
    dt = marks[steps - 1] - marks[WARM - 1]
    return {"tokens": tokens, "seconds": dt, "steps": steps - WARM}


def run_engine(corpus: Path, tok_dir: Path, out: Path, seconds: float, threads: int, seed: int,
               deepspeed: str | None) -> dict:
    from codetrans.train import train

    recipe = {
        "name": "bench", "strategy": "mt",
        "model": {"size": "tiny"}, "tokenizer": {"path": str(tok_dir)},
        "data": {"path": str(corpus), "tasks": [], "max_source_length": SRC_LEN, "max_target_length": TGT_LEN,
                 "dev_split": None},
        "optim": {"lr": LR, "warmup_steps": 0, "schedule": "constant"},
        "train": {"output_dir": str(out), "steps": 100000, "batch_size": 64, "batch_tokens": BATCH * (SRC_LEN + TGT_LEN),
                  "precision": "auto", "threads": threads, "seed": seed, "log_every": 1, "eval_every": 10 ** 6,
                  "checkpoint_every": 10 ** 6, "time_budget_min": seconds / 60, "resume": "never",
                  "progress": False, "tensorboard": False, "deepspeed": deepspeed},
    }
    train(recipe)
    logged = [json.loads(x) for x in (out / "logs" / "train.jsonl").read_text().splitlines()]
    rows = [r for r in logged if r.get("event") == "train"]
    warm_included = len(rows) <= WARM  # a loaded machine: the budget ended within the warm-up; keep all steps
    rows = rows if warm_included else rows[WARM:]
    return {"tokens": sum(r["window_tokens"] for r in rows), "seconds": sum(r["window_s"] for r in rows),
            "steps": len(rows), "precision": logged[0].get("precision") if logged else None,
            "warm_included": warm_included, "padding": float(
                1 - sum(r["window_tokens"] for r in rows) / max(1, sum(r["window_tokens"] / max(1e-9, 1 - r["padding"]) for r in rows)))}


def rate(tokens: int, seconds: float) -> float | None:
    """Tokens per second, or None when nothing was timed (no JSON field may be a division by zero)."""
    return round(tokens / seconds, 1) if seconds > 0 else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--seconds", type=float, default=45.0, help="measured seconds per side per round")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=0, help="torch threads for both (0 = all cores)")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N records")
    ap.add_argument("--deepspeed", default=None, help="also run the engine under this DeepSpeed JSON")
    a = ap.parse_args()
    if not (a.data / "codenn").is_dir():
        ap.error(f"no shared data at {a.data} (its codenn/ folder); pass --data PATH/TO/shared/data")
    threads = a.threads or os.cpu_count() or 1

    import datasets

    from codetrans.tasks import format_input
    from codetrans.train.modeling import build_model, count_parameters, round_vocab
    from codetrans.train.tokenizer import train_tokenizer

    records = load_records(a.data, a.limit)
    work = Path(tempfile.mkdtemp(prefix="train-bench-"))
    corpus = work / "corpus"
    datasets.DatasetDict({"train": datasets.Dataset.from_list(records)}).save_to_disk(str(corpus))
    texts = [format_input(r["task"], r["source"]) for r in records] + [r["target"] for r in records]
    tok = train_tokenizer(texts, work / "tok", vocab_size=8000, extra_ids=100)
    model = build_model("tiny", round_vocab(len(tok)), seed=0)
    model.save_pretrained(str(work / "init"))
    tok.save_pretrained(str(work / "init"))
    print(f"records {len(records)}, vocab {len(tok)}, tiny model {count_parameters(model) / 1e6:.1f}M params, "
          f"threads {threads}", file=sys.stderr)
    tot = {"baseline": [0, 0.0, 0], "engine": [0, 0.0, 0]}
    extra: dict = {}
    notes: list[str] = []
    for rnd in range(a.rounds):
        b = run_baseline(work / "init", tok, records, a.seconds, threads, seed=rnd)
        e = run_engine(corpus, work / "tok", work / f"engine{rnd}", a.seconds, threads, rnd, a.deepspeed)
        for k, v in (("baseline", b), ("engine", e)):
            tot[k][0] += v["tokens"]
            tot[k][1] += v["seconds"]
            tot[k][2] += v["steps"]
            if v.get("warm_included"):
                notes.append(f"round {rnd + 1}: the {k} took <= {WARM} steps (a loaded machine?): its rate "
                             "includes the warm-up steps; rerun with more --seconds for a steady state")
        extra = {"engine_precision": e["precision"], "engine_padding": round(e["padding"], 4)}
        print(f"round {rnd + 1}: baseline {rate(b['tokens'], b['seconds'])} tok/s ({b['steps']} steps), "
              f"engine {rate(e['tokens'], e['seconds'])} tok/s ({e['steps']} steps, {e['precision']})",
              file=sys.stderr)
    base = rate(tot["baseline"][0], tot["baseline"][1])
    eng = rate(tot["engine"][0], tot["engine"][1])
    if base is None or eng is None:
        notes.append("no ratio: a side timed no step at all")
    print(json.dumps({
        "benchmark": "train_throughput", "data": "codenn-python valid + nngen cleaned.valid",
        "records": len(records), "model": "tiny", "params": count_parameters(model), "threads": threads,
        "seconds_per_side": round(tot["engine"][1], 1), "rounds": a.rounds,
        "baseline": "transformers Seq2SeqTrainer defaults (batch 16, pad to longest, fp32)",
        "baseline_tokens_per_s": base, "engine_tokens_per_s": eng,
        "baseline_steps": tot["baseline"][2], "engine_steps": tot["engine"][2], **extra,
        "ratio": round(eng / base, 3) if base and eng is not None else None,
        **({"note": "; ".join(notes)} if notes else {}),
    }))


if __name__ == "__main__":
    main()
