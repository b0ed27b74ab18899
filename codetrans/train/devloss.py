"""Dev-set checks during training: the token-weighted dev loss, and how much worse it gets when the
input is degraded (``input_gain``: sources swapped between pairs; ``exemplar_gain``: exemplars removed).
A gain near 0 means the model ignores what was taken away."""

from __future__ import annotations

from typing import Any

from codetrans.train.runtime import Runtime, autocast, to_device


def evaluate(model: Any, batches: list[dict], rt: Runtime) -> float:
    """Token-weighted mean loss over fixed dev batches."""
    import torch

    if not batches:
        return float("nan")
    was = model.training
    model.eval()
    total = n = 0.0
    with torch.no_grad(), autocast(rt):
        for b in batches:
            b = to_device(b, rt.device)
            k = int((b["labels"] != -100).sum())
            total += float(model(**b).loss) * k
            n += k
    model.train(was)
    return total / max(n, 1)



def loss_gap(model: Any, batches: list[dict], dev_loss: float, rt: Runtime) -> float | None:
    """Dev loss on the degraded ``batches`` minus ``dev_loss``; None when there are none to score."""
    if not batches:
        return None
    return evaluate(model, batches, rt) - dev_loss
