"""`codetrans chooser fit`: fit the grounded path's chooser (documentation and comments, or commit subjects)
on a corpus's training split."""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    fit = sub.add_parser("fit", help="fit the chooser on the training repositories of a corpus")
    fit.add_argument("--model", "-m", default=None, help="model whose text is a candidate (default: the shipped one)")
    fit.add_argument("--data", required=True, help="corpus directory (a saved DatasetDict)")
    fit.add_argument("--out", required=True, help="where to write the chooser (JSON)")
    fit.add_argument("--split", default="train", help="split to fit on (default: %(default)s)")
    fit.add_argument("--per-task", type=int, default=400, help="functions per sub-task (default: %(default)s)")
    fit.add_argument("--check-split", default="validation",
                     help="split the fit is checked on, '' for none (default: %(default)s)")
    fit.add_argument("--backend", choices=["torch", "ct2"], default="ct2")
    fit.add_argument("--ridge", type=float, default=30.0, help="L2 penalty of the fit (default: %(default)s)")
    fit.add_argument("--task", choices=["document", "commit"], default="document",
                     help="document: documentation and comments; commit: commit subjects (default: %(default)s)")


def run(args: argparse.Namespace) -> int:
    from codetrans.errors import CodeTransError
    from codetrans.evaluation.grounded import check_chooser, chooser_groups
    from codetrans.grounding.chooser import fit_chooser
    from codetrans.grounding.commit import COMMIT_FEATURES, COMMIT_KINDS
    from codetrans.safeio import safe_write
    from codetrans.serving.zoo import resolve

    if args.per_task < 1:
        raise CodeTransError("--per-task must be at least 1")
    commit = args.task == "commit"
    model = resolve(args.model, task=args.task)
    groups, info = chooser_groups(args.data, model, split=args.split, per_task=args.per_task, backend=args.backend,
                                  commit=commit)
    shape = {"features": COMMIT_FEATURES, "kinds": COMMIT_KINDS} if commit else {}
    chooser = fit_chooser(groups, ridge=args.ridge, info=info, **shape)
    if args.check_split:
        held, _ = chooser_groups(args.data, model, split=args.check_split, per_task=args.per_task,
                                 backend=args.backend, commit=commit)
        chooser.fit_info["check"] = check_chooser(chooser, held, split=args.check_split)
        print(json.dumps(chooser.fit_info["check"], indent=2))
    safe_write(args.out, json.dumps(chooser.as_json(), indent=1) + "\n")
    print(f"wrote {args.out} ({info['per_task']})")
    return 0
