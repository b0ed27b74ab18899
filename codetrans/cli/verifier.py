"""`codetrans verifier fit | measure`: learn the verifier (translation tables + a logistic combination with hard
negatives) on a corpus's training split; measure recall@1 of the true text on held-out repositories."""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    fit = sub.add_parser("fit", help="fit the verifier on the training repositories of a corpus")
    fit.add_argument("--data", required=True, help="corpus directory (a saved DatasetDict)")
    fit.add_argument("--out", required=True, help="where to write the verifier (verifier.json.gz)")
    fit.add_argument("--per-task", type=int, default=2000, help="units (with hard negatives) per sub-task")
    fit.add_argument("--kinds", nargs="+", default=["doc", "commit"], choices=["doc", "commit"])
    fit.add_argument("--serving", default=None,
                     help="JSON file of serving thresholds (fallback_below, write_threshold, ...) chosen on the "
                          "judged validation set (docs/quality/thresholds.json)")
    measure = sub.add_parser("measure", help="recall@1 of the true text among its neighbours' texts")
    measure.add_argument("--data", required=True)
    measure.add_argument("--verifier", required=True, help="a verifier.json.gz (or a model directory)")
    measure.add_argument("--split", default="test")
    measure.add_argument("--per-task", type=int, default=300)
    measure.add_argument("--kinds", nargs="+", default=["doc", "commit"], choices=["doc", "commit"])
    measure.add_argument("--out", default=None, help="write the figures here (JSON)")
    measure.add_argument("--likelihood-model", default=None,
                         help="also rank by this model's log-likelihood of each text (a baseline; torch)")
    measure.add_argument("--stale-split", default="validation",
                         help="split for the synthetic stale-docstring check ('' to skip)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from codetrans.errors import CodeTransError
    from codetrans.safeio import read_input

    if args.per_task < 1:
        raise CodeTransError("--per-task must be at least 1")
    if args.action == "fit":
        from codetrans.evaluation.verifier import fit_verifier

        verifier, _ = fit_verifier(args.data, kinds=args.kinds, per_task=args.per_task)
        if args.serving:
            try:
                verifier.info["serving"] = json.loads(read_input(args.serving))
            except ValueError as exc:
                raise CodeTransError(f"--serving {args.serving} is not JSON: {exc}") from None
        verifier.save(args.out)
        print(json.dumps(verifier.info, indent=1))
        print(f"wrote {args.out}")
        return 0
    from codetrans.evaluation.verifier import measure_recall
    from codetrans.serving.verifier import VERIFIER_FILE, Verifier

    path = Path(args.verifier)
    verifier = Verifier.load(path / VERIFIER_FILE if path.is_dir() else path)
    figures, table = measure_recall(args.data, verifier, split=args.split, per_task=args.per_task, kinds=args.kinds,
                                    model=args.likelihood_model)
    print(table)
    if args.stale_split and "doc" in args.kinds:
        from codetrans.evaluation.verifier import stale_figures

        figures["stale"] = stale_figures(args.data, verifier, split=args.stale_split, per_task=args.per_task)
        print(json.dumps(figures["stale"], indent=1))
    if args.out:
        from codetrans.safeio import safe_write

        safe_write(args.out, json.dumps(figures, indent=1) + "\n")
    return 0
