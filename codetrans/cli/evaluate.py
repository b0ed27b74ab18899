"""``codetrans evaluate``: score a model or baseline on a dataset split, or render a results table.

  codetrans evaluate --model runs/doc_python --data data/doc --split test --beams 4 --out results/doc
  codetrans evaluate --model baseline:bm25 --data data/doc --out results/bm25
  codetrans evaluate --table results/doc results/bm25/metrics.json [--metric smoothed_bleu]
  codetrans evaluate --model runs/zoo/mt_all_context/final --data corpora/main --out results/ctx \\
      --context same-repo --k 1,2,4     # no context | same-repo retrieval | context k=1,2,4, one table
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from codetrans.errors import CodeTransError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = __doc__.split("\n", 2)[2]
    parser.add_argument("--model", help="model directory (save_pretrained layout), zoo id, or "
                        "baseline:bm25 | baseline:nngen | baseline:funcname | baseline:repo-bm25[-edited]; "
                        "grounded:MODEL | oracle:MODEL (documentation, comments); examples:MODEL (program "
                        "synthesis with each problem's tests as --example's)")
    parser.add_argument("--data", help="dataset directory (DatasetDict saved with save_to_disk)")
    parser.add_argument("--split", default="test", help="split to evaluate (default: test)")
    parser.add_argument("--tasks", nargs="+", metavar="TASK",
                        help="sub-task ids or task types (document, commit, ...); default: all in the split")
    parser.add_argument("--out", help="output folder for predictions, metrics.json and results.md")
    parser.add_argument("--name", help="row label in tables (default: the model's name)")
    dec = parser.add_argument_group("decoding")
    dec.add_argument("--beams", type=int, default=None,
                     help="beam size (default: the decoding users get, the model's or its task's)")
    dec.add_argument("--greedy", action="store_true", help="greedy decoding (same as --beams 1)")
    dec.add_argument("--max-length", type=int, default=None, help="max new tokens (default: as users get)")
    dec.add_argument("--max-source-length", type=int, default=512, help="input truncation (default 512)")
    dec.add_argument("--length-penalty", type=float, default=None)
    dec.add_argument("--no-repeat-ngram", type=int, default=None, help="no-repeat n-gram size (0: off)")
    dec.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--device", help="torch device (default: cuda if available, else cpu)")
    parser.add_argument("--backend", choices=["torch", "ct2"], default="torch",
                        help="generate with torch or a CTranslate2 export of the model (default: %(default)s)")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--limit", type=int, help="evaluate N items of each sub-task, evenly spaced over it (the split is ordered by repository)")
    parser.add_argument("--train-split", default="train", help="pool for retrieval baselines (default: train)")
    parser.add_argument("--labels", default=None,
                        help="judged labels (JSON lines, e.g. docs/quality/labels.jsonl): report judged precision "
                             "(correct, correct+vague, wrong) among the answers written at the model's confidence "
                             "threshold and their coverage; unlabelled texts go to OUT/<task>.unlabelled.jsonl")
    ctx = parser.add_argument_group("repository context")
    ctx.add_argument("--context", choices=["same-repo"], default=None,
                     help="give each item exemplars of its own repository (documentation/comments: the others of "
                     "the split, leave-one-out; commits: earlier ones; summarize/api: the train split). With a "
                     "model: runs it without context, the same-repo retrieval baseline and with context at each "
                     "--k, into OUT/no-context, OUT/repo-bm25, OUT/k1 ..., and writes OUT/context.md")
    ctx.add_argument("--k", default="1,2,4", help="exemplars per item, comma-separated (default: 1,2,4)")
    parser.add_argument("--overwrite", action="store_true", help="discard predictions already in --out")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    tab = parser.add_argument_group("tables")
    tab.add_argument("--table", nargs="+", metavar="RESULT",
                     help="render one markdown table from metrics JSONs / output folders (LABEL=RESULT names a row; "
                     "results under one label share it), then exit")
    tab.add_argument("--metric", default="score",
                     help="table metric: score (each sub-task's headline), smoothed_bleu, corpus_bleu, exact_match, "
                     "distinct_outputs")
    tab.add_argument("--table-out", help="also write the table to this file")


def run(args: argparse.Namespace) -> int:
    from codetrans.evaluation import DecodingOptions, EvaluateOptions, evaluate, merge_tables

    if args.table:
        table = merge_tables(args.table, metric=args.metric)
        print(table, end="")
        if args.table_out:
            from codetrans.safeio import safe_write

            safe_write(args.table_out, table)
        return 0
    missing = [f"--{k}" for k in ("model", "data", "out") if not getattr(args, k)]
    if missing:
        raise CodeTransError(f"{', '.join(missing)} required (or --table RESULT... to render a table)")
    from codetrans.safeio import check_out_dir

    check_out_dir(args.out)  # an existing file or a read-only folder fails now, not after the run
    from codetrans.generation import check_batch_size, check_generate_options, check_int

    check_generate_options({"num_beams": 1 if args.greedy else args.beams, "max_new_tokens": args.max_length,
                            "length_penalty": args.length_penalty, "no_repeat_ngram_size": args.no_repeat_ngram})
    check_batch_size(args.batch_size)
    check_int("--max-source-length", args.max_source_length, 2)
    if args.threads is not None:
        if args.threads < 1:
            raise CodeTransError("--threads must be positive")
        import torch

        torch.set_num_threads(args.threads)
    if args.limit is not None and args.limit < 1:
        raise CodeTransError("--limit must be positive")
    decoding = DecodingOptions(num_beams=1 if args.greedy else args.beams, max_length=args.max_length,
                               max_source_length=args.max_source_length, length_penalty=args.length_penalty,
                               no_repeat_ngram_size=args.no_repeat_ngram, batch_size=args.batch_size)
    common = dict(split=args.split, tasks=args.tasks, decoding=decoding, train_split=args.train_split,
                  limit=args.limit, device=args.device, backend=args.backend, overwrite=args.overwrite,
                  progress=not args.no_progress)
    if args.context:
        from codetrans.evaluation.context import parse_ks

        ks = parse_ks(args.k)
        if args.model.startswith(("grounded:", "oracle:")):
            raise CodeTransError(f"--context: {args.model.split(':')[0]}:MODEL always draws its same-repository "
                                 "neighbours; drop --context (or give the plain MODEL for the whole table)")
        if not args.model.startswith("baseline:"):
            from codetrans.evaluation import context_suite

            if args.name:
                raise CodeTransError("--name does not go with --context: the table names its columns")

            _, table, notes = context_suite(args.model, args.data, args.out, ks, **common)
            for note in notes:
                print(f"note: {note}", file=sys.stderr)
            print(table, end="")
            print(json.dumps({"table": str(Path(args.out) / "context.md")}), file=sys.stderr)
            return 0
        if not args.model.startswith("baseline:repo-bm25"):
            raise CodeTransError("--context applies to models and baseline:repo-bm25 (other baselines ignore exemplars)")
        common["context"], common["k"] = args.context, 1  # it answers with the nearest exemplar
    record = evaluate(args.model, args.data, args.out, EvaluateOptions(name=args.name, labels=args.labels, **common))
    print((Path(args.out) / "results.md").read_text(encoding="utf-8"), end="")
    judged = {t: r["judged"] for t, r in record["results"].items() if "judged" in r}
    if judged:
        from codetrans.metrics.table import render_judged_table

        print(render_judged_table({record["name"]: judged}))
    summary = {t: round(r["score"], 4) for t, r in record["results"].items()}
    print(json.dumps({"name": record["name"], "metrics": str(Path(args.out) / "metrics.json"), "scores": summary}),
          file=sys.stderr)
    return 0
