"""``python -m codetrans.train RECIPE [key=value ...]``: the ``codetrans train`` command as a module.

This is the entry for launchers that add their own arguments, e.g. several GPUs through DeepSpeed::

    deepspeed --num_gpus 8 --module codetrans.train training/base/mt_all.yaml

(the launcher sets RANK / WORLD_SIZE / LOCAL_RANK and passes ``--local_rank=N``, which is accepted
and ignored here: the engine reads the environment). ``torchrun --nproc_per_node 8 -m codetrans.train``
works the same way.
"""

from __future__ import annotations

import argparse
import sys

from codetrans.errors import CodeTransError


def main(argv: list[str] | None = None) -> int:
    from codetrans.cli import train as cli  # the command's arguments and run (codetrans/cli/train.py)

    parser = argparse.ArgumentParser(prog="python -m codetrans.train", description="run a training recipe")
    cli.add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return cli.run(args)
    except CodeTransError as exc:
        print(f"codetrans train: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
