"""`codetrans verifier fit | measure`: learn the verifier (translation tables + a logistic combination with hard
negatives) on a corpus's training split; measure recall@1 of the true text on held-out repositories."""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    fit = sub.add_parser("fit", help="fit the verifier on the training repositories of a corpus")
    fit.add_argument("--recipe", default=None,
                     help="a verifier recipe (training/verifier/verifier.json): data, per_task, kinds and the "
                          "serving thresholds chosen on the judged validation set; other options override it")
    fit.add_argument("--data", default=None, help="corpus directory (a saved DatasetDict)")
    fit.add_argument("--out", required=True, help="where to write the verifier (verifier.json.gz)")
    fit.add_argument("--per-task", type=int, default=None, help="units (with hard negatives) per sub-task (2000)")
    fit.add_argument("--kinds", nargs="+", default=None, choices=["doc", "commit"])
    fit.add_argument("--model", "-m", default=None,
                     help="model whose text is a candidate when fitting the candidate scorer (default: the recipe's, "
                          "else the shipped one); --no-candidates skips that fit")
    fit.add_argument("--no-candidates", action="store_true", help="fit the tables and the text scorer only")
    fit.add_argument("--backend", choices=["torch", "ct2"], default="ct2")
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

    if args.action == "fit":
        from codetrans.evaluation.verifier import fit_verifier

        recipe = _recipe(args.recipe) if args.recipe else {}
        data = args.data or recipe.get("data")
        if not data:
            raise CodeTransError("give --data (or a --recipe that names it)")
        per_task = args.per_task or int(recipe.get("per_task", 2000))
        if per_task < 1:
            raise CodeTransError("--per-task must be at least 1")
        verifier, _ = fit_verifier(data, kinds=args.kinds or recipe.get("kinds") or ["doc", "commit"],
                                   per_task=per_task)
        if recipe.get("serving"):
            verifier.info["serving"] = dict(recipe["serving"])
        if not args.no_candidates and "doc" in verifier.tables:
            from codetrans.evaluation.verifier import fit_candidates
            from codetrans.serving.zoo import resolve

            model = resolve(args.model or recipe.get("model"), task="document")
            verifier.info["candidates"] = fit_candidates(verifier, data, model, per_task=int(recipe.get(
                "candidate_per_task", 400)), proxy=float(recipe.get("proxy_bleu", 50.0)), backend=args.backend)
        verifier.info["recipe"] = {"file": args.recipe, "data": str(data), "per_task": per_task}
        verifier.save(args.out)
        print(json.dumps(verifier.info, indent=1))
        print(f"wrote {args.out}")
        return 0
    if args.per_task < 1:
        raise CodeTransError("--per-task must be at least 1")
    from codetrans.evaluation.verifier import measure_recall
    from codetrans.grounding.verifier import VERIFIER_FILE, Verifier

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


RECIPE_KEYS = {"recipe", "command", "data", "per_task", "kinds", "serving", "serving_chosen_on", "model",
               "candidate_per_task", "proxy_bleu"}
def _serving_keys() -> set[str]:
    from codetrans.grounding.verifier import SERVING_DEFAULTS

    return set(SERVING_DEFAULTS) | {"commit_write_threshold"}


def _recipe(path: str) -> dict:
    """A verifier recipe, checked: known keys only, thresholds between 0 and 1."""
    from codetrans.errors import CodeTransError
    from codetrans.safeio import read_input

    try:
        doc = json.loads(read_input(path)[0])
    except ValueError as exc:
        raise CodeTransError(f"--recipe {path} is not JSON: {exc}") from None
    if not isinstance(doc, dict) or set(doc) - RECIPE_KEYS:
        raise CodeTransError(f"--recipe {path}: unknown keys {sorted(set(doc) - RECIPE_KEYS) if isinstance(doc, dict) else doc}")
    serving = doc.get("serving") or {}
    keys = _serving_keys()
    bad = [k for k, v in serving.items() if k not in keys or not isinstance(v, int | float) or not 0 <= v <= 1]
    if bad:
        raise CodeTransError(f"--recipe {path}: serving thresholds must be known keys between 0 and 1: {bad}")
    return doc
