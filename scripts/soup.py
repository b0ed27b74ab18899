"""Interpolate the weights of two fine-tunings of one model (a "model soup", WiSE-FT style).

    python scripts/soup.py BASE STAGE --alpha 0.5 --out runs/zoo/soup_api_0.5

``(1 - alpha) * BASE + alpha * STAGE`` for every floating-point tensor: a stage fine-tuned on one sub-task
(MT-TF) keeps much of its gain at alpha < 1 while the other sub-tasks move back toward the base. Both
models must share the architecture and vocabulary (a stage started from BASE does). The output folder is
a copy of STAGE (config, tokenizer, ``codetrans.json``: its decoding) with the mixed weights, in float32,
and ``soup.json`` saying what was mixed. ``--alpha`` takes a comma list to write one folder per value
(``OUT_<alpha>``). Prints one JSON line per folder.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path


def _weights(folder: Path) -> dict:
    from safetensors.torch import load_file

    path = folder / "model.safetensors"
    if not path.is_file():
        raise SystemExit(f"soup.py: no model.safetensors in {folder}")
    return load_file(str(path))


def mix(base: dict, stage: dict, alpha: float) -> dict:
    """The interpolated state dict; tensors that are not floating point are taken from the stage."""
    if base.keys() != stage.keys():
        raise SystemExit("soup.py: the two models have different tensors; they must share one architecture")
    out = {}
    for name, b in base.items():
        s = stage[name]
        if b.shape != s.shape:
            raise SystemExit(f"soup.py: {name} has shape {tuple(b.shape)} vs {tuple(s.shape)}")
        out[name] = ((1 - alpha) * b.float() + alpha * s.float()).contiguous() if s.is_floating_point() else s
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("base")
    ap.add_argument("stage")
    ap.add_argument("--alpha", default="0.5", help="weight of STAGE, or a comma list (default: 0.5)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    from safetensors.torch import save_file

    base, stage = Path(args.base), Path(args.stage)
    try:
        alphas = [float(a) for a in args.alpha.split(",")]
    except ValueError:
        raise SystemExit(f"soup.py: --alpha must be numbers, got {args.alpha!r}") from None
    if any(not 0 <= a <= 1 for a in alphas):
        raise SystemExit("soup.py: --alpha must lie in [0, 1]")
    wb, ws = _weights(base), _weights(stage)
    for alpha in alphas:
        out = Path(args.out if len(alphas) == 1 else f"{args.out}_{alpha:g}")
        if out.exists():
            raise SystemExit(f"soup.py: {out} exists; choose a new --out")
        shutil.copytree(stage, out, ignore=shutil.ignore_patterns("model.safetensors", "ct2-*", "optimizer*",
                                                                  "*.pt", "trainer_state*"))
        save_file(mix(wb, ws, alpha), str(out / "model.safetensors"), metadata={"format": "pt"})
        info = {"base": str(base.resolve()), "stage": str(stage.resolve()), "alpha": alpha}
        (out / "soup.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
        print(json.dumps({"out": str(out), **info}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
