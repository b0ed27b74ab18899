"""Optimizers and learning-rate schedules of a recipe's ``optim`` section."""

from __future__ import annotations

import math
from typing import Any

from codetrans.train.recipe import Recipe


class AdamWScale:
    """AdamW whose step is scaled by each matrix's RMS (nanoT5's AdamWScale; converges where AdamW lags)."""

    def __new__(cls, params: Any, lr: float, betas: tuple, eps: float, weight_decay: float) -> Any:
        import torch

        class _AdamWScale(torch.optim.Optimizer):
            def __init__(self) -> None:
                super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))

            @torch.no_grad()
            def step(self, closure: Any = None) -> Any:
                loss = closure() if closure is not None else None
                for g in self.param_groups:
                    b1, b2 = g["betas"]
                    for p in g["params"]:
                        if p.grad is None:
                            continue
                        st = self.state[p]
                        if not st:
                            st["step"] = 0
                            st["m"] = torch.zeros_like(p)
                            st["v"] = torch.zeros_like(p)
                        st["step"] += 1
                        st["m"].mul_(b1).add_(p.grad, alpha=1 - b1)
                        st["v"].mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                        step_size = g["lr"] * math.sqrt(1 - b2 ** st["step"]) / (1 - b1 ** st["step"])
                        step_size *= max(1e-3, float(p.norm(2) / math.sqrt(p.numel())))
                        p.addcdiv_(st["m"], st["v"].sqrt().add_(g["eps"]), value=-step_size)
                        if g["weight_decay"] > 0:
                            p.add_(p, alpha=-g["lr"] * g["weight_decay"])
                return loss

        return _AdamWScale()


def get_optimizer(r: Recipe, model: Any) -> Any:
    """``optim.name`` over the model's parameters; layer norms and biases get no weight decay."""
    import torch

    decay, no_decay = [], []
    for n, p in model.named_parameters():
        if p.requires_grad:
            (no_decay if ("layer_norm" in n or n.endswith("bias")) else decay).append(p)
    groups = [{"params": decay, "weight_decay": r.optim.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    o = r.optim
    if o.name == "adamw":
        return torch.optim.AdamW(groups, lr=o.lr, betas=tuple(o.betas), eps=o.eps, weight_decay=o.weight_decay,
                                 foreach=True)
    if o.name == "adamwscale":
        return AdamWScale(groups, lr=o.lr, betas=tuple(o.betas), eps=o.eps, weight_decay=o.weight_decay)
    from transformers.optimization import Adafactor

    return Adafactor(groups, lr=o.lr, scale_parameter=False, relative_step=False, warmup_init=False,
                     weight_decay=o.weight_decay)


def lr_lambda(r: Recipe) -> Any:
    """step -> learning-rate factor: linear warmup, then ``optim.schedule`` down to ``final_lr_ratio``."""
    o, total = r.optim, r.train.steps
    warm = min(o.warmup_steps, max(total - 1, 0))
    floor = o.final_lr_ratio

    def f(step: int) -> float:
        if step < warm:
            return (step + 1) / (warm + 1)
        if o.schedule == "constant":
            return 1.0
        if o.schedule == "inverse_sqrt":
            return max(floor, math.sqrt(max(warm, 1) / max(step, 1)))
        progress = min(1.0, (step - warm) / max(1, total - warm))
        if o.schedule == "cosine":
            return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))
        return floor + (1 - floor) * (1 - progress)

    return f


def get_lr_scheduler(r: Recipe, optimizer: Any) -> Any:
    """A ``LambdaLR`` over :func:`lr_lambda` (its state is part of each checkpoint)."""
    import torch

    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(r))

