"""``python -m codetrans.train RECIPE [key=value ...]``: a training run for launchers.

This is the entry for launchers that start a module and add their own arguments, e.g. several GPUs
through DeepSpeed::

    deepspeed --num_gpus 8 --module codetrans.train training/base/mt_all.yaml

(the launcher sets RANK / WORLD_SIZE / LOCAL_RANK and passes ``--local_rank=N``, which is accepted
and ignored here: the engine reads the environment). ``torchrun --nproc_per_node 8 -m codetrans.train``
works the same way. Like ``codetrans train RECIPE``, it prints one JSON line of the run's metrics and
exits 2 on a bad recipe or dataset. Checking or listing recipes (``--check``, ``--list``): ``codetrans train``.

It parses its few arguments itself: ``train`` sits below the CLI and never imports it.
"""

from __future__ import annotations

import argparse
import json
import sys

from codetrans.errors import CodeTransError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codetrans.train",
                                     description="run a training recipe (codetrans train, for launchers)")
    parser.add_argument("recipe", help="a recipe YAML, or a hub name under training/ (debug, tiny/st_doc_python, ...)")
    parser.add_argument("overrides", nargs="*", metavar="key=value",
                        help="dotted overrides, values in YAML: train.steps=200 optim.lr=3e-4")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    from codetrans.log import configure_cli_logging
    from codetrans.train.engine import train

    configure_cli_logging()

    try:
        result = train(args.recipe, list(args.overrides))
    except CodeTransError as exc:
        print(f"codetrans train: error: {exc}", file=sys.stderr)
        return 2
    if result.metrics:  # the main process: one JSON line of what happened, as `codetrans train` prints
        print(json.dumps({k: v for k, v in result.metrics.items() if k not in ("loss_history", "data")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
