"""Ship a trained zoo model inside the package: ``codetrans/models/<id>/``.

    python scripts/ship.py runs/zoo/mt_all/final --eval runs/eval/mt_all/test/* \\
        --run runs/zoo/mt_all --threads 2,2,1 --out codetrans/models/codetrans-t5-tiny-multitask

What lands there, all generated from the run and measured results (nothing typed by hand):

* the weights as float16 safetensors (half the bytes; ``config.json`` keeps ``dtype: float32``, so
  ``from_pretrained`` computes in float32 as the model trained), config, tokenizer, ``recipe.yaml``,
  the training ``metrics.json``;
* ``codetrans.json``: id, sub-tasks, size, strategy, the decoding chosen on validation data
  (``scripts/tune_decoding.py`` writes it into the run's model first), tokens seen and core-hours;
* ``ct2-int8/``: the CTranslate2 int8 export the CLI uses, prebuilt (the package folder is never
  written to at run time; see ``codetrans.serving.export``);
* with ``--index CORPUS``: ``context_index.npz``, its training pairs — for a model trained with exemplars
  those of the tasks with no repository, for any other its API sequences (answered by consensus,
  ``codetrans.grounding.api``) — the pool of ``context=True`` and of the CLI's default;
* ``training_curve.png`` and ``README.md``, the model card (``codetrans.cards.card``) with the
  curve, the session log and the evaluation table of every ``--eval`` result (model and baselines).

The folder is assembled beside ``--out`` and swapped in atomically; the script prints its size (the
package keeps it under 80 MB) and a JSON summary as its last line.

``--card-only`` re-renders the card (and curve) of the model already in ``--out`` from its run's log up
to the step it shipped, and the given results; its weights and exports are left as they are.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # scripts/plot_curve.py beside it: the curve's drawing

COPY = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "spiece.model",
        "special_tokens_map.json", "recipe.yaml", "metrics.json")
SIZE_LIMIT_MB = 80


def half_weights(src: Path, dst: Path) -> None:
    """float32 safetensors -> float16 (the tiny model's weights lose < 2e-3 absolute; outputs are unchanged)."""
    import torch
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(src))
    save_file({k: (v.to(torch.float16) if v.is_floating_point() else v).contiguous() for k, v in tensors.items()},
              str(dst), metadata={"format": "pt"})
    dst.chmod(0o644)


def session_table(curve: dict) -> str:
    """The run's sessions (``read_curve``'s ``sessions``): steps, tokens, wall hours, last losses."""
    lines = ["| session | steps | tokens | wall h | last train loss | last dev loss |", "|---:|---|---:|---:|---:|---:|"]
    rows = [r for r in curve["sessions"] if r["tokens"]]  # e.g. a run started only to export its weights
    for i, r in enumerate(rows, 1):
        dev = f"{r['dev']:.3f}" if r["dev"] is not None else "–"
        loss = f"{r['loss']:.3f}" if r["loss"] is not None else "–"
        lines.append(f"| {i} | {r['from']} → {r['to']} | {r['tokens'] / 1e6:.2f}M | {r['wall_hours']:.2f} | {loss} | {dev} |")
    return "\n".join(lines)


def quality_bar(evals: list[dict]) -> str:
    """The zoo's quality bar (issue #11), checked on the evaluation records: the shipped model (first
    record) against BM25, NNGen, the function name, AlgoLisp's 85 % and its float32 self (second record)."""
    from codetrans.tasks import SUBTASKS

    def scores(name_part: str) -> dict[str, float]:
        """Every record whose name holds ``name_part``, merged in order (a labelled row of several results)."""
        out: dict[str, float] = {}
        for rec in (e for e in evals if name_part in str(e.get("name", ""))):
            out.update({t: float(r["score"]) for t, r in rec.get("results", {}).items() if r.get("score") is not None})
        return out

    model, fp32 = scores("as shipped"), scores("float32")
    bm25, nngen, fname = scores("BM25"), scores("NNGen"), scores("function name")
    rows = ["| sub-task | bar | model | target | met |", "|---|---|---:|---:|:---:|"]

    def row(task: str, bar: str, value: float, target: float, ok: bool) -> None:
        rows.append(f"| {SUBTASKS[task].id} | {bar} | {value:.2f} | {target:.2f} | {'yes' if ok else '**no**'} |")

    for task, v in model.items():
        if task in bm25:
            row(task, "beats BM25 over its training pool", v, bm25[task], v > bm25[task])
        if task in nngen:
            row(task, "beats NNGen", v, nngen[task], v > nngen[task])
        if task in fname and SUBTASKS[task].task_type == "document":
            php = SUBTASKS[task].lang == "php"
            target = fname[task] if php else 2 * fname[task]
            row(task, "beats the function name" if php else "≥ 2 × the function name", v, target,
                v > target if php else v >= target)
        if SUBTASKS[task].task_type == "synthesize":
            row(task, "execution accuracy ≥ 85 %", v, 85.0, v >= 85.0)
        if task in fp32:
            row(task, "int8 loses ≤ 0.5 against float32", v, fp32[task] - 0.5, v >= fp32[task] - 0.5)
    # what the commands serve (grounded answers, the specialist), against issues #22/#23's bars
    served, top1, tests = scores("shipped now"), scores("top-1"), scores("problems' tests")
    for task, v in served.items():
        kind = SUBTASKS[task].task_type
        if kind in ("document", "comment") and task in top1:
            row(task, "served ≥ 1.1 × same-repository top-1", v, 1.1 * top1[task], v >= 1.1 * top1[task])
        if kind == "commit" and task in top1:
            row(task, "served ≥ 2 × history top-1", v, 2 * top1[task], v >= 2 * top1[task])
        if kind == "commit" and task in nngen:
            row(task, "served beats NNGen", v, nngen[task], v > nngen[task])
        if kind == "api" and task in bm25:
            row(task, "served ≥ 1.2 × BM25", v, 1.2 * bm25[task], v >= 1.2 * bm25[task])
        if kind == "synthesize":
            row(task, "served execution accuracy ≥ 85 %", v, 85.0, v >= 85.0)
    for task, v in tests.items():
        row(task, "with the problems' tests ≥ 95 %", v, 95.0, v >= 95.0)
    met = sum(r.endswith("| yes |") for r in rows[2:])
    return (f"**Quality bar**: {met} of {len(rows) - 2} checks met (test split, same harness and decoding).\n\n"
            + "\n".join(rows))


GROUNDED_COMMAND = ("codetrans evaluate --model codetrans/models/codetrans-t5-tiny-multitask --data corpora/main "
                    "--out runs/eval/grounded --context same-repo --limit 300 --backend ct2 --tasks document comment commit api")


def recipe_file(name: str) -> Path | None:
    """The hub recipe (``training/**/*.yaml``) whose ``name`` is ``name``: a model's ``recipe.yaml`` keeps it."""
    import yaml

    for path in sorted((HERE.parent / "training").rglob("*.yaml")):
        try:
            if (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("name") == name:
                return path
        except (yaml.YAMLError, AttributeError):
            continue
    return None


def reproduce_steps(folder: Path) -> str:
    """How to rerun the model in ``folder``: its hub recipe's header commands, the decoding tuning when the
    model carries tuned decoding, the evaluation, then this script."""
    import yaml

    from codetrans.meta import ModelMeta

    name = (yaml.safe_load((folder / "recipe.yaml").read_text(encoding="utf-8")) or {}).get("name", "") \
        if (folder / "recipe.yaml").is_file() else ""
    found = recipe_file(name)
    rel = found.relative_to(HERE.parent).as_posix() if found else None
    steps = ([f"the commands in the header of `{rel}` (corpus, then `codetrans train {rel}`, rerun until it "
              "finishes)"] if rel else ["`codetrans train` on the model's `recipe.yaml`"])
    if ModelMeta.read(folder, strict=False).decoding:
        steps.append("`python scripts/tune_decoding.py` on the final model")
    return ", ".join(steps + ["the evaluation commands in `docs/zoo/README.md`, then this script"])


def write_card(folder: Path, model_id: str, curve: dict, evals: list[str], notes_file: str | None,
               grounded: str | None = None, quality: str | None = None) -> None:
    """``training_curve.png`` and the card ``README.md`` of a model folder, from measured results only."""
    from plot_curve import plot

    from codetrans.cards.card import card_from_dirs

    plot(curve, folder / "training_curve.png", model_id)
    notes = [f"![training curve](training_curve.png)\n\nTokens seen: **{curve['tokens']:,}** in "
             f"{curve['core_hours']:.1f} core-hours ({curve['wall_hours']:.1f} wall hours) on a shared 2-core CPU. "
             "Sessions (the run resumes where the last one stopped):\n", session_table(curve)]
    if notes_file:
        notes.append(Path(notes_file).read_text(encoding="utf-8"))
    card = card_from_dirs(folder, evals, model_id=model_id, notes="\n\n".join(notes), grounded=grounded,
                          grounded_command=GROUNDED_COMMAND if grounded else "", quality=quality)
    if quality and card.quality.get("reliability"):  # the plot travels with the card, beside the weights
        plot_file = (Path(quality).parent / card.quality["reliability"]).resolve()
        if not plot_file.is_file():  # results.json names it relative to the card it was written for
            plot_file = Path(quality).parent / Path(card.quality["reliability"]).name
        shutil.copyfile(plot_file, folder / "reliability.png")
        card.quality["reliability"] = "reliability.png"
    card.evaluation_notes = quality_bar(card.evaluations)
    card.reproduce = reproduce_steps(folder)
    (folder / "README.md").write_text(card.render(model_ref=model_id), encoding="utf-8")


def ship_index(corpus: list[str], model_dir: Path) -> None:
    """``context_index.npz`` beside the weights: what ``context=True`` draws from (see ``--index``)."""
    from codetrans.retrieval.index import build_shipped_index
    from codetrans.serving.context import INDEX_FILE, context_spec

    tasks = ("summarize", "api", "synthesize") if context_spec(model_dir) is not None else ("api",)
    build_shipped_index(corpus, model_dir / INDEX_FILE, tasks)  # written atomically
    (model_dir / INDEX_FILE).chmod(0o644)


def main() -> None:
    from codetrans.fs import check_model_dir, replace_dir
    from codetrans.meta import ModelMeta
    from codetrans.serving.export import export_ct2
    from codetrans.train.runlog import read_curve  # the one reader of training logs

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", nargs="?", help="the trained model directory (runs/zoo/mt_all/final or latest)")
    ap.add_argument("--out", required=True, help="codetrans/models/<id>")
    ap.add_argument("--id", default=None, help="model id (default: the --out folder's name)")
    ap.add_argument("--run", required=True, help="the run directory, for its training log and curve")
    ap.add_argument("--threads", default="2", help="torch threads per session whose log does not say (plot_curve)")
    ap.add_argument("--eval", nargs="*", default=[], help="codetrans evaluate result folders: model and baselines")
    ap.add_argument("--notes", default=None, help="a markdown file appended to the card's Training section")
    ap.add_argument("--grounded", default=None, metavar="DIR",
                    help="the grounded comparison (`codetrans evaluate --context same-repo` output folder)")
    ap.add_argument("--index", nargs="+", default=None, metavar="CORPUS",
                    help="ship an index of CORPUS's training pairs, the pool of context=True: for a context-trained "
                    "model the tasks with no repository (summaries, API sequences, programs), for any other its API "
                    "sequences (grounded by consensus), all of several corpora's; with --card-only it is (re)built beside the weights")
    ap.add_argument("--quality", default=None, metavar="FILE",
                    help="judged truth and verifier figures for the card (docs/quality/results.json)")
    ap.add_argument("--card-only", action="store_true",
                    help="re-render the card of the model already in --out (weights and exports untouched)")
    args = ap.parse_args()

    out = Path(args.out)
    model_id = args.id or out.name
    run = Path(args.run)
    threads = [int(t) for t in args.threads.split(",")]
    if args.card_only:
        shipped = ModelMeta.read(check_model_dir(out, weights=True))
        if args.index:
            ship_index(args.index, out)
        write_card(out, model_id, read_curve(run, threads, until_step=shipped.training["steps"]), args.eval,
                   args.notes, args.grounded, args.quality)
        print(f"ship: re-rendered the card of {out}", file=sys.stderr)
        return
    if not args.model:
        ap.error("the trained model directory is required (unless --card-only)")
    model = check_model_dir(args.model, weights=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent)) / out.name
    stage.mkdir()
    try:
        for name in COPY:
            if (model / name).is_file():
                shutil.copy2(model / name, stage / name)
        half_weights(model / "model.safetensors", stage / "model.safetensors")
        curve = read_curve(run, threads)
        meta = ModelMeta.read(model)
        meta.id, meta.license = model_id, "apache-2.0" if meta.license is None else meta.license
        meta.weights = "float16 (computed in float32)"
        meta.training = {"steps": curve["train"][-1][2] if curve["train"] else 0, "tokens": curve["tokens"],
                         "core_hours": round(curve["core_hours"], 2), "wall_hours": round(curve["wall_hours"], 2),
                         "last_dev_loss": curve["dev"][-1][1] if curve["dev"] else None}
        meta.write(stage)
        if args.index:
            ship_index(args.index, stage)
        # made outside the package (run-time exports never go into it), then moved beside the weights
        made = export_ct2(stage, quantization="int8", root=stage.parent / "exports")
        shutil.move(str(made), str(stage / "ct2-int8"))
        shutil.rmtree(stage.parent / "exports")
        write_card(stage, model_id, curve, args.eval, args.notes, args.grounded, args.quality)
        replace_dir(stage, out)
    finally:
        shutil.rmtree(stage.parent, ignore_errors=True)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2**20
    print(f"shipped {model_id} into {out}: {size:.1f} MB", file=sys.stderr)
    if size > SIZE_LIMIT_MB:
        raise SystemExit(f"ship: {out} is {size:.1f} MB, over the package's {SIZE_LIMIT_MB} MB")
    print(json.dumps({"id": model_id, "out": str(out), "mb": round(size, 2), "tokens": curve["tokens"],
                      "core_hours": round(curve["core_hours"], 2)}))


if __name__ == "__main__":
    main()
