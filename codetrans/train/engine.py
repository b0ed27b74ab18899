"""The training engine: nanoT5-style factory functions and one loop for every strategy.

``train(recipe)`` = validate -> ``get_tokenizer`` -> ``get_model`` -> ``get_dataloaders`` ->
``get_optimizer`` -> ``get_lr_scheduler`` -> (optionally) ``deepspeed.initialize`` -> resume -> loop
-> final ``save_pretrained``. Everything that can be wrong with the input (recipe keys, dataset path,
empty split, vocabulary mismatch) is checked before the first step.

CPU efficiency comes from length bucketing with a padded-token budget (supervised) or packing
(pretraining), bf16 autocast where it measures faster, and torch thread settings; DeepSpeed brings ZeRO
1/2/3, gradient accumulation, bf16 and multi-GPU through the ``deepspeed`` launcher.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import shutil
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from codetrans.errors import ConfigError, DataError
from codetrans.fs import fsync_file, replace_dir
from codetrans.train import checkpoint as ckpt
from codetrans.train import data as D
from codetrans.train.recipe import Recipe, deepspeed_path, load_deepspeed_config, load_recipe

# ----------------------------------------------------------------------------- runtime


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


def _init_deepspeed_dist(rt: Runtime) -> None:
    import deepspeed
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return
    if "RANK" not in os.environ:  # a single process without the launcher (CPU tests, one GPU)
        os.environ.update({"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0",
                           "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port())})
    deepspeed.init_distributed(dist_backend="nccl" if rt.info["cuda"] else "gloo")


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


# ----------------------------------------------------------------------------- factories


def get_tokenizer(r: Recipe, splits: dict[str, Any] | None = None, output_dir: Path | None = None) -> Any:
    """The recipe's tokenizer: ``tokenizer.path``, else ``init_from``'s, else the run's own (trained once)."""
    from codetrans.train.tokenizer import load_tokenizer, train_tokenizer

    if r.tokenizer.path and not r.tokenizer.train_if_missing:
        return load_tokenizer(r.tokenizer.path)
    if r.model.init_from and not r.tokenizer.path:
        return load_tokenizer(_init_dir(r))
    if r.tokenizer.path:  # a shared tokenizer (one vocabulary for every recipe, like the original)
        own = Path(r.tokenizer.path)
        if (own / "tokenizer.json").is_file():
            return load_tokenizer(own)
        print(f"codetrans train: training the shared tokenizer {own} on {r.data.path}", flush=True)
    else:
        own = (output_dir or r.output_dir) / "tokenizer"
        if (own / "tokenizer.json").is_file() and r.train.resume != "never":
            return load_tokenizer(own)
    if splits is None:
        splits = D.load_splits(r)
    train = D.select_split(splits, r.data.train_split, r, required=True)
    texts = D.training_texts(train, r.tokenizer.train_texts, r.train.seed)
    return train_tokenizer(texts, own, vocab_size=r.tokenizer.vocab_size, extra_ids=r.tokenizer.extra_ids)


def _init_dir(r: Recipe) -> Path:
    p = Path(r.model.init_from)
    if not (p / "config.json").is_file():
        raise ConfigError(f"model.init_from {p} is not a saved model (no config.json); train the "
                          f"{'pretraining' if r.strategy == 'tf' else 'multitask'} recipe first")
    return p


def get_model(r: Recipe, tokenizer: Any) -> Any:
    """A new model of ``model.size`` sized to the tokenizer, or the ``init_from`` checkpoint."""
    from transformers import T5ForConditionalGeneration

    from codetrans.train.modeling import build_model, round_vocab

    n_tok = len(tokenizer)
    if r.model.init_from:
        # config overrides (e.g. dropout_rate) must reach the modules' constructors
        over = {k: v for k, v in r.model.overrides.items() if k != "vocab_size"}
        model = T5ForConditionalGeneration.from_pretrained(str(_init_dir(r)), **over)
    else:
        overrides = dict(r.model.overrides)
        vocab = int(overrides.pop("vocab_size", round_vocab(n_tok)))
        model = build_model(r.model.size, vocab, seed=r.train.seed, **overrides)
    if n_tok > model.config.vocab_size:
        raise ConfigError(f"tokenizer has {n_tok} ids but the model's vocabulary has only "
                          f"{model.config.vocab_size}: use the tokenizer the model was trained with")
    if tokenizer.pad_token_id != model.config.pad_token_id or tokenizer.eos_token_id != model.config.eos_token_id:
        raise ConfigError(f"tokenizer pad/eos ids ({tokenizer.pad_token_id}/{tokenizer.eos_token_id}) differ "
                          f"from the model's ({model.config.pad_token_id}/{model.config.eos_token_id})")
    model.config.use_cache = False  # training: no KV cache
    return model


@dataclass
class Loaders:
    train: D.BatchStream
    dev: list[dict]
    info: dict
    dev_swapped: list[dict] = field(default_factory=list)  # dev with sources swapped (input reliance)
    dev_plain: list[dict] = field(default_factory=list)  # dev with exemplars removed (exemplar reliance)


def get_dataloaders(r: Recipe, tokenizer: Any, splits: dict[str, Any] | None = None, rank: int = 0,
                    world: int = 1) -> Loaders:
    """The training stream and fixed dev batches (bucketed supervised, or packed span corruption)."""
    from codetrans.train.span_corruption import SpanCorruptionCollator, compute_lengths
    from codetrans.train.tokenizer import sentinel_ids

    if splits is None:
        splits = D.load_splits(r)
    train = D.select_split(splits, r.data.train_split, r, required=True)
    dev = D.select_split(splits, r.data.dev_split, r, required=False) if r.data.dev_split else None
    if r.train.early_stopping_patience and dev is None:
        raise DataError(f"early stopping needs a dev split ({r.data.dev_split!r}) in {r.data.path}")
    pad = tokenizer.pad_token_id
    swapped: list[dict] = []  # span corruption has no pairs to swap
    plain: list[dict] = []  # nor exemplars
    if r.is_pretrain:
        sentinels = sentinel_ids(tokenizer)
        if not sentinels:
            raise ConfigError("span corruption needs sentinel tokens <extra_id_N>; the tokenizer has none")
        chunk_len, tgt_len = compute_lengths(r.data.packed_length, r.data.noise_density, r.data.mean_span_length)
        spans = int(round(round(chunk_len * r.data.noise_density) / r.data.mean_span_length))
        if spans > len(sentinels):
            raise ConfigError(f"data.packed_length {r.data.packed_length} needs {spans} sentinels; "
                              f"the tokenizer has {len(sentinels)}")
        collator = SpanCorruptionCollator(sentinels, r.data.noise_density, r.data.mean_span_length,
                                          tokenizer.eos_token_id)
        chunks = D.encode_pretrain(train, tokenizer, r, chunk_len)
        dev_chunks = D.encode_pretrain(dev, tokenizer, r, chunk_len) if dev is not None else None
        per = r.data.packed_length + tgt_len
        bs = max(1, min(r.train.batch_size, r.train.batch_tokens // per))
        stream = D.BatchStream(r, r.train.seed, chunks=chunks, collator=collator, pretrain_batch=bs,
                               rank=rank, world=world, pad_id=pad)
        dev_b = D.dev_batches(r, chunks=dev_chunks, collator=collator, pretrain_batch=bs) if dev_chunks is not None else []
        info = {"train_examples": len(train), "train_sequences": int(len(chunks)), "chunk_length": chunk_len,
                "inputs_length": r.data.packed_length, "targets_length": tgt_len, "batch_size": bs}
    else:
        enc = D.encode_supervised(train, tokenizer, r, "tokenize train")
        dev_enc = D.encode_supervised(dev, tokenizer, r, "tokenize dev") if dev is not None else None
        stream = D.BatchStream(r, r.train.seed, enc=enc, rank=rank, world=world, pad_id=pad)
        dev_b = D.dev_batches(r, enc=dev_enc, pad_id=pad) if dev_enc is not None else []
        if dev_enc is not None and r.train.eval_input_gain:
            swapped = D.swapped_dev_batches(r, dev_enc, pad_id=pad)
            plain = D.exemplar_free_dev_batches(r, dev, dev_enc, tokenizer, pad_id=pad)
        sizes = {t: int((enc.task == i).sum()) for i, t in enumerate(enc.tasks)}
        info = {"train_examples": len(enc), "tasks": sizes,
                "mixing_rates": dict(zip(enc.tasks, D.mixing_rates(list(sizes.values()), r.data.mixing,
                                                                     r.data.mixing_cap, r.data.temperature).round(4).tolist()))}
    info["dev_batches"] = len(dev_b)
    return Loaders(stream, dev_b, info, swapped, plain)


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
    import torch

    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(r))


# ----------------------------------------------------------------------------- logging


class RunLog:
    """JSON lines (``logs/train.jsonl``) and TensorBoard (``logs/tb``) on the main process."""

    def __init__(self, out: Path, enabled: bool, tensorboard: bool):
        self.enabled = enabled
        self.tb = None
        if not enabled:
            return
        (out / "logs").mkdir(parents=True, exist_ok=True)
        self.f = open(out / "logs" / "train.jsonl", "a", encoding="utf-8")
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self.tb = SummaryWriter(str(out / "logs" / "tb"))
            except ImportError:  # tensorboard is an optional extra
                self.tb = None

    def write(self, record: dict) -> None:
        if not self.enabled:
            return
        self.f.write(json.dumps(record) + "\n")
        self.f.flush()
        if self.tb is not None:
            step = record.get("step", 0)
            for k, v in record.items():
                if k != "step" and isinstance(v, (int, float)):
                    self.tb.add_scalar(f"{record.get('event', 'train')}/{k}", v, step)

    def close(self) -> None:
        if self.enabled:
            self.f.close()
            if self.tb is not None:
                self.tb.close()


# ----------------------------------------------------------------------------- the loop


def _to(batch: dict, device: Any) -> dict:
    return {k: v.to(device, non_blocking=True) for k, v in batch.items()}


def _real_tokens(batch: dict) -> tuple[int, int]:
    real = int(batch["attention_mask"].sum()) + int((batch["labels"] != -100).sum())
    padded = batch["input_ids"].numel() + batch["labels"].numel()
    return real, padded


def _autocast(rt: Runtime) -> Any:
    import torch

    if rt.precision == "bf16" and rt.deepspeed is None:
        return torch.autocast(rt.device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def evaluate(model: Any, batches: list[dict], rt: Runtime) -> float:
    """Token-weighted mean loss over fixed dev batches."""
    import torch

    if not batches:
        return float("nan")
    was = model.training
    model.eval()
    total = n = 0.0
    with torch.no_grad(), _autocast(rt):
        for b in batches:
            b = _to(b, rt.device)
            k = int((b["labels"] != -100).sum())
            total += float(model(**b).loss) * k
            n += k
    model.train(was)
    return total / max(n, 1)


def _rng_state() -> dict:
    import torch

    st = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        st["cuda"] = torch.cuda.get_rng_state_all()
    return st


def _set_rng_state(st: dict) -> None:
    import torch

    random.setstate(st["python"])
    np.random.set_state(st["numpy"])
    torch.set_rng_state(st["torch"])
    if "cuda" in st and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(st["cuda"])


def _unwrapped(model: Any) -> Any:
    return getattr(model, "module", model)


def _save_pretrained(model: Any, tokenizer: Any, out: Path, rt: Runtime) -> None:
    """Atomic ``save_pretrained`` (fp32 weights, gathered under ZeRO-3) + tokenizer."""
    net = _unwrapped(model)
    ctx = contextlib.nullcontext()
    if rt.deepspeed is not None and rt.deepspeed.get("zero_optimization", {}).get("stage", 0) == 3:
        import deepspeed

        ctx = deepspeed.zero.GatheredParameters(list(net.parameters()), modifier_rank=None)
    with ctx:
        if not rt.main:
            return
        tmp = out.parent / f".tmp-{out.name}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        sd = {k: v.detach().float().cpu() for k, v in net.state_dict().items()}
        net.config.use_cache = True
        net.save_pretrained(str(tmp), state_dict=sd)
        net.config.use_cache = False
        tokenizer.save_pretrained(str(tmp))
        spm = Path(getattr(tokenizer, "name_or_path", "") or ".") / "spiece.model"
        if spm.is_file():  # the raw SentencePiece model, for tools that want it (not needed to load)
            shutil.copy2(spm, tmp / "spiece.model")
    for p in tmp.iterdir():
        fsync_file(p)
    replace_dir(tmp, out, sync=True)


@dataclass
class State:
    step: int = 0
    tokens: int = 0
    padded: int = 0
    samples: int = 0
    best_dev: float = float("inf")
    bad_evals: int = 0
    stopped_early: bool = False
    train_seconds: float = 0.0
    last_dev: float | None = None
    last_input_gain: float | None = None  # dev loss with swapped sources minus dev loss
    last_exemplar_gain: float | None = None  # dev loss with exemplars removed minus dev loss
    loss_history: list = field(default_factory=list)  # (step, mean loss of the log window)


class Engine:
    """Holds one run: model (or DeepSpeed engine), optimizer, scheduler, stream, state."""

    def __init__(self, r: Recipe, out: Path):
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

            _init_deepspeed_dist(self.rt)
            self.ds, self.optimizer, _, self.scheduler = deepspeed.initialize(
                model=self.model, optimizer=self.optimizer, lr_scheduler=self.scheduler, config=self.rt.deepspeed)
        self.state = State()
        self.ckpt_root = out / "checkpoints"

    # -- checkpoints
    def save_checkpoint(self) -> Path | None:
        import torch

        tmp = ckpt.begin(self.ckpt_root, self.state.step) if self.rt.main else None
        if self.ds is not None:
            if self.rt.world > 1:
                import torch.distributed as dist

                name = [str(tmp) if tmp else ""]
                dist.broadcast_object_list(name, src=0)
                tmp = Path(name[0])
            self.ds.save_checkpoint(str(tmp), tag="ds")
            if self.rt.world > 1:
                torch.distributed.barrier()
        if not self.rt.main:
            return None
        if self.ds is None:
            torch.save({"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                        "scheduler": self.scheduler.state_dict()}, tmp / "state.pt")
        torch.save(_rng_state(), tmp / "rng.pt")
        st = {k: v for k, v in self.state.__dict__.items()}
        st["stream"] = self.loaders.train.state_dict()
        (tmp / "trainer_state.json").write_text(json.dumps(st), encoding="utf-8")
        return ckpt.commit(tmp, self.ckpt_root, self.state.step, self.r.train.keep_checkpoints)

    def _load(self, path: Path) -> dict:
        import torch

        st = json.loads((path / "trainer_state.json").read_text(encoding="utf-8"))
        rng = torch.load(path / "rng.pt", weights_only=False)
        if self.ds is not None:
            loaded, _ = self.ds.load_checkpoint(str(path), tag="ds")
            if loaded is None:
                raise RuntimeError("DeepSpeed found no checkpoint")
        else:
            blob = torch.load(path / "state.pt", map_location=self.rt.device, weights_only=False)
            self.model.load_state_dict(blob["model"])
            self.optimizer.load_state_dict(blob["optimizer"])
            self.scheduler.load_state_dict(blob["scheduler"])
        return {"state": st, "rng": rng}

    def maybe_resume(self) -> Path | None:
        mode = self.r.train.resume
        if mode == "never":
            return None
        only = None if mode == "auto" else Path(mode)
        if only is not None and not only.is_dir():
            raise ConfigError(f"train.resume: {only} is not a checkpoint dir")
        got = ckpt.load_latest(self.ckpt_root, self._load, only=only)
        if got is None:
            if only is not None:
                raise ConfigError(f"train.resume: checkpoint {only} is unusable")
            return None
        path, blob = got
        st = dict(blob["state"])
        self.loaders.train.load_state_dict(st.pop("stream"))
        for k, v in st.items():
            setattr(self.state, k, v)
        _set_rng_state(blob["rng"])
        return path

    # -- one optimizer step
    def train_step(self) -> tuple[float, int, int, int]:
        import torch

        r, rt = self.r, self.rt
        loss_sum = 0.0
        real = padded = samples = 0
        for _ in range(r.train.grad_accum):
            batch = next(self.loaders.train)
            a, b = _real_tokens(batch)
            real, padded, samples = real + a, padded + b, samples + batch["input_ids"].shape[0]
            batch = _to(batch, rt.device)
            if self.ds is not None:
                loss = self.ds(**batch).loss
                self.ds.backward(loss)
                self.ds.step()
            else:
                with _autocast(rt):
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

    def dev_loss(self) -> float:
        return evaluate(self.ds if self.ds is not None else self.model, self.loaders.dev, self.rt)

    def _loss_gap(self, batches: list[dict], dev_loss: float) -> float | None:
        if not batches:
            return None
        return evaluate(self.ds if self.ds is not None else self.model, batches, self.rt) - dev_loss

    def input_gain(self, dev_loss: float) -> float | None:
        """How much worse dev gets when each pair's source is another pair's: ~0 = the input is ignored."""
        return self._loss_gap(self.loaders.dev_swapped, dev_loss)

    def exemplar_gain(self, dev_loss: float) -> float | None:
        """How much worse dev gets without its exemplars (a context stage): ~0 = they are ignored."""
        return self._loss_gap(self.loaders.dev_plain, dev_loss)


@dataclass
class TrainResult:
    """What a training run did. ``model_dir`` is the final ``save_pretrained`` directory when the run
    finished (all steps, early stop, or a time budget that ends the run), else None: the run stopped at
    ``step`` with a checkpoint, and running it again continues."""

    run_dir: Path  # train.output_dir: checkpoints, logs, recipe.yaml, metrics.json
    model_dir: Path | None
    step: int
    steps: int  # the recipe's target
    finished: bool
    stopped_early: bool = False
    timed_out: bool = False
    metrics: dict = field(default_factory=dict)  # what metrics.json holds (main process)


class _Window:
    """Training-loss and throughput counters between two log lines."""

    def __init__(self) -> None:
        self.losses: list[float] = []
        self.real = self.padded = self.samples = 0
        self.t0 = time.perf_counter()

    def add(self, loss: float, real: int, padded: int, samples: int) -> None:
        self.losses.append(loss)
        self.real, self.padded, self.samples = self.real + real, self.padded + padded, self.samples + samples


class Loop:
    """One run of the optimizer loop in nanoT5's shape: a step, then ``maybe_log``, ``maybe_evaluate``
    and ``maybe_save``, each deciding from the step counter whether it is due."""

    def __init__(self, eng: Engine, log: RunLog, bar: Any, stop_at: int, deadline: float | None) -> None:
        self.eng, self.r, self.st, self.log, self.bar = eng, eng.r, eng.state, log, bar
        self.stop_at, self.deadline = stop_at, deadline
        self.window = _Window()
        self.timed_out = False
        self.stop = _StopRequest()

    def step(self) -> None:
        st = self.st
        t0 = time.perf_counter()
        loss, real, padded, samples = self.eng.train_step()
        if not math.isfinite(loss):
            raise DataError(f"loss became {loss} at step {st.step + 1}; lower optim.lr or check the data")
        st.train_seconds += time.perf_counter() - t0
        st.step += 1
        st.tokens += real
        st.padded += padded
        st.samples += samples
        self.window.add(loss, real, padded, samples)
        self.bar.update(1)

    @property
    def last(self) -> bool:
        return self.st.step == self.stop_at

    def maybe_log(self) -> None:
        st, w = self.st, self.window
        if not (st.step % self.r.train.log_every == 0 or self.last):
            return
        dt = time.perf_counter() - w.t0
        rec = {"event": "train", "step": st.step, "loss": round(float(np.mean(w.losses)), 5), "lr": self.eng.lr(),
               "tokens_per_s": round(w.real / dt, 1), "samples_per_s": round(w.samples / dt, 2),
               "padding": round(1 - w.real / max(w.padded, 1), 4), "epoch": self.eng.loaders.train.epoch,
               "window_tokens": w.real, "window_s": round(dt, 4)}
        st.loss_history.append([st.step, rec["loss"]])
        self.log.write(rec)
        self.bar.set_postfix(loss=f"{rec['loss']:.3f}", lr=f"{rec['lr']:.2e}", tok_s=f"{rec['tokens_per_s']:.0f}")
        self.window = _Window()

    def maybe_evaluate(self) -> None:
        eng, r, st = self.eng, self.r, self.st
        if not (eng.loaders.dev and (st.step % r.train.eval_every == 0 or self.last)):
            return
        dl = eng.dev_loss()
        st.last_dev = dl
        st.last_input_gain = eng.input_gain(dl)
        st.last_exemplar_gain = eng.exemplar_gain(dl)
        if dl < st.best_dev - 1e-4:
            st.best_dev, st.bad_evals = dl, 0
            if r.train.early_stopping_patience:
                _save_pretrained(eng.ds or eng.model, eng.tokenizer, eng.out / "best", eng.rt)
        else:
            st.bad_evals += 1
        rec = {"event": "dev", "step": st.step, "dev_loss": round(dl, 5), "best_dev_loss": round(st.best_dev, 5)}
        if st.last_input_gain is not None:
            rec["input_gain"] = round(st.last_input_gain, 5)
        if st.last_exemplar_gain is not None:
            rec["exemplar_gain"] = round(st.last_exemplar_gain, 5)
        self.log.write(rec)
        if r.train.early_stopping_patience and st.bad_evals >= r.train.early_stopping_patience:
            st.stopped_early = True
            self.bar.write(f"codetrans train: early stop at step {st.step}: dev loss has not improved "
                           f"for {st.bad_evals} evaluations (best {st.best_dev:.4f})")

    def maybe_save(self) -> None:
        st, r = self.st, self.r
        self.timed_out = (self.deadline is not None and time.monotonic() > self.deadline) or self.stop.requested
        if st.step % r.train.checkpoint_every == 0 or st.stopped_early or self.timed_out or (
                self.last and self.stop_at < r.train.steps):
            self.eng.save_checkpoint()

    def run(self) -> None:
        self.eng.model.train()
        with self.stop.installed(self.eng.rt.world == 1):
            while self.st.step < self.stop_at:
                self.step()
                self.maybe_log()
                self.maybe_evaluate()
                self.maybe_save()
                if self.st.stopped_early or self.timed_out:
                    break
        self.bar.close()


class _StopRequest:
    """SIGTERM or a first Ctrl-C asks the loop to stop after the current step, the way the time budget
    does: checkpoint, weights so far in ``latest``, resumable — a long run is never lost to a kill. A
    second Ctrl-C interrupts at once. Single-process runs only (ranks stopping apart would hang a collective)."""

    def __init__(self) -> None:
        self.requested = False

    def _handle(self, signum: int, frame: Any) -> None:
        import signal

        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True
        print(f"\ncodetrans train: {signal.Signals(signum).name}: stopping after this step (checkpoint, resumable); "
              "Ctrl-C again to abort", file=sys.stderr, flush=True)

    @contextlib.contextmanager
    def installed(self, enabled: bool = True):
        import signal
        import threading

        if not enabled or threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _run_metrics(eng: Engine, n_params: int, finished: bool, steps: int) -> dict:
    r, rt, st = eng.r, eng.rt, eng.state
    return {
        "name": r.name, "strategy": r.strategy, "size": r.model.size, "params": n_params,
        "step": st.step, "steps": steps, "finished": finished,
        "stopped_early": st.stopped_early, "precision": rt.precision,
        "deepspeed_zero_stage": rt.deepspeed.get("zero_optimization", {}).get("stage", 0) if rt.deepspeed else None,
        "world_size": rt.world, "tokens": st.tokens, "padded_tokens": st.padded, "samples": st.samples,
        "train_seconds": round(st.train_seconds, 2),
        "tokens_per_s": round(st.tokens * rt.world / max(st.train_seconds, 1e-9), 1),
        "padding": round(1 - st.tokens / max(st.padded, 1), 4),
        "loss_first": st.loss_history[0][1] if st.loss_history else None,
        "loss_last": st.loss_history[-1][1] if st.loss_history else None,
        "dev_loss": st.last_dev, "best_dev_loss": None if math.isinf(st.best_dev) else st.best_dev,
        "input_gain": st.last_input_gain, "exemplar_gain": st.last_exemplar_gain,
        "loss_history": st.loss_history, "data": eng.loaders.info,
    }


def _inherited_decoding(init_from: str | None, tasks: list[str]) -> dict[str, Any]:
    """A later stage keeps its base's tuned decoding (``codetrans.json`` -> ``decoding``) for the sub-tasks
    it serves, marked as inherited: without it users would get the task types' untuned defaults until
    ``training/tune_decoding.py`` is run on the new model (which replaces it)."""
    meta_file = Path(init_from) / "codetrans.json" if init_from else None
    if meta_file is None or not meta_file.is_file():
        return {}
    try:
        tuned = json.loads(meta_file.read_text(encoding="utf-8")).get("decoding")
    except (OSError, ValueError, AttributeError):
        return {}  # an unreadable base description costs the tuned defaults, never the trained model
    if not isinstance(tuned, dict):
        return {}
    kept = {t: tuned[t] for t in tasks if isinstance(tuned.get(t), dict)}
    return {"decoding": kept, "decoding_inherited_from": str(init_from)} if kept else {}


def _write_final(eng: Engine, final: Path, metrics: dict) -> None:
    """The final model directory: the best dev checkpoint after an early stop, else the current weights;
    plus the recipe, metrics and ``codetrans.json`` (what the zoo lists: sub-tasks, size, strategy)."""
    import yaml

    r, rt, st = eng.r, eng.rt, eng.state
    if st.stopped_early and (eng.out / "best").is_dir() and rt.main:
        if final.exists():
            shutil.rmtree(final)
        shutil.copytree(eng.out / "best", final)
    else:
        _save_pretrained(eng.ds or eng.model, eng.tokenizer, final, rt)
    if not rt.main:
        return
    (final / "recipe.yaml").write_text(yaml.safe_dump(r.to_dict(), sort_keys=False), encoding="utf-8")
    (final / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    tasks = list(eng.loaders.info.get("tasks", {})) or list(r.data.tasks)
    meta: dict[str, Any] = {"tasks": tasks, "size": r.model.size, "strategy": r.strategy}  # id: the folder's name
    if eng.context:
        meta["context"] = eng.context
    inherited = _inherited_decoding(r.model.init_from, tasks)
    if inherited:
        meta.update(inherited)
    (final / "codetrans.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def train(recipe: str | os.PathLike | dict | Recipe, overrides: list[str] | dict | None = None,
          budget_ends_run: bool | None = None) -> TrainResult:
    """Run a recipe; return what happened (:class:`TrainResult`).

    ``budget_ends_run`` (default: the recipe's ``train.budget_ends_run``): when ``train.time_budget_min``
    runs out, finish the run at the step reached
    (final model written) instead of stopping it with a checkpoint to be continued; a run stopped that
    way also writes its weights so far to ``output_dir/latest`` (replaced at each stop).
    """
    import yaml
    from tqdm.auto import tqdm

    from codetrans.train.modeling import count_parameters, format_count

    r = load_recipe(recipe, overrides)
    if budget_ends_run is None:
        budget_ends_run = r.train.budget_ends_run
    out = r.output_dir
    out.mkdir(parents=True, exist_ok=True)
    t_setup = time.perf_counter()
    eng = Engine(r, out)
    rt, st = eng.rt, eng.state
    resumed = eng.maybe_resume()
    n_params = count_parameters(eng.model)
    log = RunLog(out, rt.main, r.train.tensorboard)
    if rt.main:
        (out / "recipe.yaml").write_text(yaml.safe_dump(r.to_dict(), sort_keys=False), encoding="utf-8")
        print(f"codetrans train: {r.name} ({r.strategy}) model {r.model.size} {format_count(n_params)} params, "
              f"vocab {eng.model.config.vocab_size}, precision {rt.precision}, threads {rt.info['threads']}"
              f"{', deepspeed ZeRO-' + str(rt.deepspeed.get('zero_optimization', {}).get('stage', 0)) if rt.deepspeed else ''}"
              f"{f', resumed from {resumed}' if resumed else ''}", flush=True)
        log.write({"event": "start", "step": st.step, "params": n_params, "precision": rt.precision,
                   "threads": rt.info["threads"], "world_size": rt.world,
                   "setup_s": round(time.perf_counter() - t_setup, 2), **eng.loaders.info,
                   "resumed_from": str(resumed) if resumed else None})
    stop_at = min(r.train.steps, r.train.stop_at_step or r.train.steps)
    deadline = time.monotonic() + 60 * r.train.time_budget_min if r.train.time_budget_min else None
    bar = tqdm(total=r.train.steps, initial=st.step, desc=r.name, unit="step",
               disable=not (r.train.progress and rt.main), dynamic_ncols=True)
    loop = Loop(eng, log, bar, stop_at, deadline)
    loop.run()
    if loop.stop.requested:
        bar.write(f"codetrans train: stopped on request at step {st.step}; checkpoint saved, run again to continue")
        budget_ends_run = False  # a kill is never the end of a run
    elif loop.timed_out and not budget_ends_run:
        bar.write(f"codetrans train: time budget reached at step {st.step}; checkpoint saved, "
                  f"run again to continue")
    if st.step >= r.train.steps and st.step % r.train.checkpoint_every != 0 and not st.stopped_early:
        eng.save_checkpoint()  # the final state, so a longer run (train.steps=...) can continue it
    ended_by_budget = loop.timed_out and budget_ends_run
    done = st.step >= r.train.steps or st.stopped_early or ended_by_budget
    finished = done and not (loop.timed_out and not budget_ends_run)
    final = out / "final"
    # A run the budget ended reached its target there: the card and report name the steps it took.
    metrics = _run_metrics(eng, n_params, finished, st.step if ended_by_budget else r.train.steps) if rt.main else {}
    if done:
        _write_final(eng, final, metrics)
    elif loop.timed_out or st.step >= stop_at:
        # A run continued over several sessions (or paused at train.stop_at_step): its weights so far,
        # usable meanwhile (evaluate, export, or model.init_from of a later stage).
        _write_final(eng, out / "latest", metrics)
    if rt.main:
        (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        log.write({"event": "end", "step": st.step, "tokens_per_s": metrics["tokens_per_s"],
                   "finished": metrics["finished"]})
        print(f"codetrans train: {'saved ' + str(final) if done else 'stopped at step ' + str(st.step)} "
              f"(loss {metrics['loss_first']} -> {metrics['loss_last']}, {metrics['tokens_per_s']:.0f} tokens/s)",
              flush=True)
    log.close()
    if loop.stop.requested:  # saved and resumable; the caller (CLI: exit 130, finetune) still sees an interrupt
        raise KeyboardInterrupt
    return TrainResult(out, final if done else None, st.step, r.train.steps, finished, st.stopped_early,
                       loop.timed_out, metrics)
