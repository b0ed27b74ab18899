"""`codetrans finetune --repo DIR [--base MODEL]`: fine-tune a model on one repository in one command."""

from __future__ import annotations

import argparse
import sys

from codetrans.finetune import DEFAULT_MINUTES, TASK_CHOICES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", required=True, help="the git repository to learn from (a work tree)")
    parser.add_argument("--task", default="all", choices=TASK_CHOICES,
                        help="what to fine-tune for (default: all = document, comment, commit, api — whatever "
                             "the repository provides)")
    parser.add_argument("--base", help="the model to start from: a model directory or an id from `codetrans zoo list` "
                                       "(default: the model shipped for the task)")
    parser.add_argument("--out", help="where to write the model (default: $CODETRANS_HOME/models/ID, usable by id)")
    parser.add_argument("--id", dest="model_id", help="model id (default: <repo>-<task>-finetuned)")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--minutes", type=float, help=f"training time budget (default {DEFAULT_MINUTES:g})")
    budget.add_argument("--steps", type=int, help="train this many optimizer steps instead of a time budget")
    parser.add_argument("--deepspeed", help="DeepSpeed config: a JSON file or a name in training/deepspeed "
                                            "(zero1, zero2_bf16, ...)")
    parser.add_argument("--dry-run", action="store_true", help="harvest and split, print what would be used, stop")
    parser.add_argument("--force", action="store_true", help="replace an existing --out (only once the new model is ready)")
    parser.add_argument("--beams", type=int, default=1, help="beam size of the before/after evaluation (default 1: greedy)")
    parser.add_argument("--eval-limit", type=int, default=200,
                        help="evaluate at most this many test items per sub-task (default 200; 0 = all)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads for training (default: all cores)")
    parser.add_argument("--set", dest="sets", action="append", metavar="KEY=VALUE",
                        help="override a key of training/finetune.yaml, e.g. --set optim.lr=1e-4 (repeatable)")
    parser.add_argument("--license", default="other",
                        help="license stamped on the model and its card (default: other: the data is your repository's)")
    parser.add_argument("--context", action=argparse.BooleanOptionalAction, default=None,
                        help="train on pairs augmented with the repository's own exemplars, so the model uses them "
                             "at inference (default: on when the base model takes context)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def run(args: argparse.Namespace) -> int:
    argv = ["codetrans", "finetune"] + sys.argv[2:] if sys.argv[1:2] == ["finetune"] else None
    from codetrans.cli.tables import FinetuneConsole
    from codetrans.finetune import FinetuneOptions, finetune, parse_sets

    finetune(args.repo, FinetuneOptions(
        task=args.task, base=args.base, out=args.out, minutes=args.minutes, steps=args.steps, deepspeed=args.deepspeed,
        dry_run=args.dry_run, force=args.force, model_id=args.model_id, beams=args.beams,
        eval_limit=args.eval_limit or None, threads=args.threads, sets=parse_sets(args.sets),
        progress=not args.no_progress, argv=argv, license=args.license, context=args.context), view=FinetuneConsole())
    return 0
