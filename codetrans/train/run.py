"""One run: the model (or DeepSpeed engine), optimizer, scheduler, training stream, dev batches and
counters, built from a recipe; one optimizer step; the dev checks the loop calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from codetrans.train import data as D
from codetrans.train import devloss
from codetrans.train import state as run_state
from codetrans.train.factories import get_dataloaders, get_model, get_tokenizer
from codetrans.train.optim import get_lr_scheduler, get_optimizer
from codetrans.train.recipe import Recipe
from codetrans.train.runtime import (
    autocast,
    init_deepspeed_dist,
    real_tokens,
    seed_everything,
    setup_runtime,
    to_device,
)
from codetrans.train.state import State


class Engine:
    """Holds one run: model (or DeepSpeed engine), optimizer, scheduler, stream, state."""

    def __init__(self, r: Recipe, out: Path) -> None:
        self.r, self.out = r, out
        self.rt = setup_runtime(r)
        seed_everything(r.train.seed)
        splits = D.load_splits(r)
        # Validate the data before training a tokenizer or building a model.
        D.select_split(splits, r.data.train_split, r, required=True)
        self.context = D.exemplar_context(splits, r)  # declared by the final model: it reads exemplars
        self.tokenizer = get_tokenizer(r, splits, out)
        self.model = get_model(r, self.tokenizer).to(self.rt.device)
        self.loaders = get_dataloaders(r, self.tokenizer, splits, self.rt.rank, self.rt.world)
        self.optimizer = get_optimizer(r, self.model)
        self.scheduler = get_lr_scheduler(r, self.optimizer)
        self.ds = None
        if self.rt.deepspeed is not None:
            import deepspeed

            init_deepspeed_dist(self.rt)
            self.ds, self.optimizer, _, self.scheduler = deepspeed.initialize(
                model=self.model, optimizer=self.optimizer, lr_scheduler=self.scheduler, config=self.rt.deepspeed)
        self.state = State()
        self.ckpt_root = out / "checkpoints"

    # -- checkpoints (codetrans.train.state: the on-disk layout)
    def save_checkpoint(self) -> Path | None:
        return run_state.save_checkpoint(self)

    def maybe_resume(self) -> Path | None:
        return run_state.maybe_resume(self)

    # -- one optimizer step
    def train_step(self) -> tuple[float, int, int, int]:
        import torch

        r, rt = self.r, self.rt
        loss_sum = 0.0
        real = padded = samples = 0
        for _ in range(r.train.grad_accum):
            batch = next(self.loaders.train)
            a, b = real_tokens(batch)
            real, padded, samples = real + a, padded + b, samples + batch["input_ids"].shape[0]
            batch = to_device(batch, rt.device)
            if self.ds is not None:
                loss = self.ds(**batch).loss
                self.ds.backward(loss)
                self.ds.step()
            else:
                with autocast(rt):
                    loss = self.model(**batch).loss
                (loss / r.train.grad_accum).backward()
            loss_sum += float(loss.detach())
        if self.ds is None:
            if r.optim.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), r.optim.grad_clip)
            self.optimizer.step()
            self.scheduler.step()
            self.optimizer.zero_grad(set_to_none=True)
        return loss_sum / r.train.grad_accum, real, padded, samples

    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    # -- dev checks (codetrans.train.devloss)
    def _scored(self) -> Any:
        return self.ds if self.ds is not None else self.model

    def dev_loss(self) -> float:
        return devloss.evaluate(self._scored(), self.loaders.dev, self.rt)

    def input_gain(self, dev_loss: float) -> float | None:
        """How much worse dev gets when each pair's source is another pair's: ~0 = the input is ignored."""
        return devloss.loss_gap(self._scored(), self.loaders.dev_swapped, dev_loss, self.rt)

    def exemplar_gain(self, dev_loss: float) -> float | None:
        """How much worse dev gets without its exemplars (a context stage): ~0 = they are ignored."""
        return devloss.loss_gap(self._scored(), self.loaders.dev_plain, dev_loss, self.rt)
