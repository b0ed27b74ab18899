"""`codetrans card MODEL_DIR`: render a model card from training and evaluation results."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model_dir", help="trained model directory")
    parser.add_argument("--eval", nargs="*", default=[], help="evaluation results (metrics.json files or run dirs)")
    parser.add_argument("--id", help="model id for the card (default: the directory name)")
    parser.add_argument("--task", nargs="*", help="sub-task ids, if training did not record them")
    parser.add_argument("--license", help="license of the model (default: the one in codetrans.json, else apache-2.0)")
    parser.add_argument("--out", help="where to write the card (default: MODEL_DIR/README.md)")
    parser.add_argument("--grounded", metavar="DIR", help="a `codetrans evaluate --context same-repo` output folder: "
                        "the grounded documentation table")
    parser.add_argument("--grounded-command", default="", help="the command that produced --grounded (shown)")
    parser.add_argument("--quality", metavar="FILE", help="judged truth and verifier figures (docs/quality/results.json)")


def run(args: argparse.Namespace) -> int:
    from codetrans.cards.card import card_from_dirs

    card = card_from_dirs(args.model_dir, args.eval, model_id=args.id, tasks=args.task, license=args.license,
                          grounded=args.grounded, grounded_command=args.grounded_command, quality=args.quality)
    out = Path(args.out) if args.out else Path(args.model_dir) / "README.md"
    from codetrans.safeio import safe_write

    safe_write(out, card.render())
    print(f"wrote {out}")
    return 0
