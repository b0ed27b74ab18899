"""`codetrans export MODEL --to ct2`: convert a model for CTranslate2 (fast CPU inference)."""

from __future__ import annotations

import argparse
from pathlib import Path

from codetrans.serving.ct2 import CT2_QUANTIZATIONS, DEFAULT_CT2_QUANTIZATION


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="model directory or zoo id")
    parser.add_argument("--to", choices=["ct2"], default="ct2", help="target runtime (CTranslate2)")
    parser.add_argument("--quantization", choices=CT2_QUANTIZATIONS, default=DEFAULT_CT2_QUANTIZATION,
                        help="weight type of the export (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="convert again even if an export is up to date")


def run(args: argparse.Namespace) -> int:
    from codetrans.serving import zoo
    from codetrans.serving.export import cached_export, export_ct2

    model_dir = Path(zoo.resolve(args.model))
    fresh = args.force or cached_export(model_dir, args.quantization) is None
    path = export_ct2(model_dir, quantization=args.quantization, force=args.force)
    print(f"{'exported' if fresh else 'up to date'}: {path}")
    return 0
