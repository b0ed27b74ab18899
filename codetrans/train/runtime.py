"""Where a run executes: device, threads, precision, DeepSpeed, seeds; and the per-batch helpers that
depend on it (a batch onto the device, its real and padded tokens, the autocast context).

CPU efficiency: bf16 autocast only where it measures faster, and torch thread settings; DeepSpeed brings
ZeRO 1/2/3, gradient accumulation, bf16 and multi-GPU through the ``deepspeed`` launcher.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from codetrans.errors import ConfigError
from codetrans.train.recipe import Recipe, deepspeed_path, load_deepspeed_config


@dataclass
class Runtime:
    device: Any
    precision: str  # "bf16" or "fp32" (what autocast / DeepSpeed use)
    rank: int = 0
    world: int = 1
    deepspeed: dict | None = None
    info: dict = field(default_factory=dict)

    @property
    def main(self) -> bool:
        return self.rank == 0


def _bf16_faster_on_cpu() -> bool:
    """Measure: is a bf16 autocast matmul faster than fp32 here? (AVX-512 bf16 / AMX: ~2-3x.)"""
    import torch

    try:
        if not torch.ops.mkldnn._is_mkldnn_bf16_supported():
            return False
    except Exception:
        return False
    a, b = torch.randn(512, 512), torch.randn(512, 512)

    def timed(ctx: Any) -> float:
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            with ctx():
                for _ in range(8):
                    a @ b
            best = min(best, time.perf_counter() - t)
        return best

    fp32 = timed(contextlib.nullcontext)
    bf16 = timed(lambda: torch.autocast("cpu", dtype=torch.bfloat16))
    return bf16 < 0.8 * fp32


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_runtime(r: Recipe) -> Runtime:
    """Threads, device (this rank's GPU, else CPU), precision and DeepSpeed config, from the recipe and the
    launcher's environment (RANK / WORLD_SIZE / LOCAL_RANK)."""
    import torch

    threads = r.train.threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    cuda = torch.cuda.is_available()
    rank = int(os.environ.get("RANK", "0"))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device("cuda", local) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    if r.train.precision == "auto":
        precision = "bf16" if (torch.cuda.is_bf16_supported() if cuda else _bf16_faster_on_cpu()) else "fp32"
    else:
        precision = r.train.precision
    ds_cfg = None
    if world > 1 and not r.train.deepspeed:
        raise ConfigError("several processes (WORLD_SIZE > 1) need train.deepspeed=training/deepspeed/<config>.json")
    if r.train.deepspeed:
        ds_cfg = _deepspeed_config(r, precision, world)
    return Runtime(device, precision, rank, world, ds_cfg, {"threads": threads, "cuda": cuda})


def _deepspeed_config(r: Recipe, precision: str, world: int) -> dict:
    """The recipe's DeepSpeed JSON with ``"auto"`` values filled from the recipe."""
    path = deepspeed_path(r)
    cfg = load_deepspeed_config(path)
    fill = {
        "train_micro_batch_size_per_gpu": r.train.batch_size,
        "gradient_accumulation_steps": r.train.grad_accum,
        "train_batch_size": r.train.batch_size * r.train.grad_accum * world,
        "gradient_clipping": r.optim.grad_clip,
    }
    for k, v in fill.items():
        if cfg.get(k, "auto") == "auto":
            cfg[k] = v
    if cfg["gradient_accumulation_steps"] != r.train.grad_accum:
        raise ConfigError(f"{path}: gradient_accumulation_steps {cfg['gradient_accumulation_steps']} "
                          f"differs from train.grad_accum {r.train.grad_accum}")
    for key, want in (("bf16", precision == "bf16"), ("fp16", False)):
        sec = cfg.setdefault(key, {"enabled": False})
        if sec.get("enabled") == "auto":
            sec["enabled"] = want
    if "optimizer" in cfg or "scheduler" in cfg:
        raise ConfigError(f"{path}: leave out 'optimizer'/'scheduler'; the recipe's optim section defines them")
    cfg.setdefault("zero_allow_untested_optimizer", True)
    cfg.setdefault("steps_per_print", 10 ** 9)
    cfg.setdefault("wall_clock_breakdown", False)
    return cfg


def init_deepspeed_dist(rt: Runtime) -> None:
    """The process group DeepSpeed needs, also for one process started without its launcher."""
    import deepspeed
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return
    if "RANK" not in os.environ:  # a single process without the launcher (CPU tests, one GPU)
        os.environ.update({"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0",
                           "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port())})
    deepspeed.init_distributed(dist_backend="nccl" if rt.info["cuda"] else "gloo")


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (resume restores their states from the checkpoint instead)."""
    import torch

    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)



# ----------------------------------------------------------------------------- batches and precision


def to_device(batch: dict, device: Any) -> dict:
    """The batch's tensors on ``device``."""
    return {k: v.to(device, non_blocking=True) for k, v in batch.items()}


def real_tokens(batch: dict) -> tuple[int, int]:
    """(real, padded) token counts of a batch, inputs and labels together (throughput and padding figures)."""
    real = int(batch["attention_mask"].sum()) + int((batch["labels"] != -100).sum())
    padded = batch["input_ids"].numel() + batch["labels"].numel()
    return real, padded


def autocast(rt: Runtime) -> Any:
    """bf16 autocast when the run computes in bf16 without DeepSpeed (which casts itself), else a no-op."""
    import torch

    if rt.precision == "bf16" and rt.deepspeed is None:
        return torch.autocast(rt.device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()

