"""``codetrans train RECIPE [key=value ...]``: run (or just check) a training recipe."""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recipe", nargs="?", help="a recipe YAML, or a hub name under training/ "
                        "(debug, tiny/st_doc_python, ...)")
    parser.add_argument("overrides", nargs="*", metavar="key=value",
                        help="dotted overrides, values in YAML: train.steps=200 optim.lr=3e-4 data.tasks=[api_generation]")
    parser.add_argument("--check", action="store_true",
                        help="validate the recipe (and overrides) and print it, without training")
    parser.add_argument("--list", action="store_true", help="list the recipes of the hub")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=None, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    import yaml

    from codetrans.errors import ConfigError
    from codetrans.train.recipe import load_recipe, training_dir

    if args.list:
        root = training_dir()
        for p in sorted(root.rglob("*.yaml")):
            r = load_recipe(p)
            print(f"{str(p.relative_to(root).with_suffix('')):<28} {r.strategy:<8} {r.model.size:<6} "
                  f"{','.join(r.data.tasks) or 'all tasks'}")
        return 0
    if not args.recipe:
        raise ConfigError("name a recipe (codetrans train --list shows the hub)")
    # `key=value` items may land in `recipe` when argparse sees only overrides; keep them apart.
    overrides = list(args.overrides)
    r = load_recipe(args.recipe, overrides)
    if args.check:
        print(yaml.safe_dump(r.to_dict(), sort_keys=False), end="")
        return 0
    from codetrans.train.engine import train

    result = train(r)
    if result.metrics:  # the main process: one JSON line of what happened
        print(json.dumps({k: v for k, v in result.metrics.items() if k not in ("loss_history", "data")}))
    return 0
