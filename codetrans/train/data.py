"""Data for the engine: dataset loading and checks, the synthetic source, task mixing, length
bucketing and the resumable batch streams.

A stream's position is ``(epoch, batch)``; each epoch's plan (which examples, in which batches, in
which order) is a pure function of the seed and the epoch, so resuming rebuilds the plan and skips to
the batch, and ``N + N`` steps see exactly the batches of ``2N`` straight.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from codetrans.errors import DataError
from codetrans.tasks import API, COMMIT, SYNTHESIS, doc_subtask
from codetrans.train.recipe import SYNTHETIC, Recipe

# ----------------------------------------------------------------------------- loading


def load_splits(r: Recipe) -> dict[str, Any]:
    """The dataset named by ``data.path`` as {split: datasets.Dataset}, checked for shape."""
    if r.data.path == SYNTHETIC:
        return synthetic_splits(r)
    import datasets

    from codetrans.data.corpus import load_corpus

    ds = load_corpus(r.data.path, " (data.path; build it with `codetrans data`, or use data.path=synthetic "
                     "for a smoke test)")
    splits = dict(ds) if isinstance(ds, datasets.DatasetDict) else {r.data.train_split: ds}
    return splits


def _check_columns(ds: Any, split: str, r: Recipe) -> None:
    cols = set(ds.column_names)
    if r.is_pretrain:
        if "text" not in cols and not {"source", "target"} <= cols:
            raise DataError(f"split {split!r} of {r.data.path} has no 'text' column (nor source/target) "
                            f"for pretraining; columns: {sorted(cols)}")
    elif not {"task", "source", "target"} <= cols:
        raise DataError(f"split {split!r} of {r.data.path} needs columns task, source, target; "
                        f"has {sorted(cols)}")


def select_split(splits: dict[str, Any], split: str, r: Recipe, required: bool) -> Any | None:
    """One split, filtered to ``data.tasks`` and ``data.max_examples``; DataError when empty."""
    from codetrans.tasks import SUBTASKS

    if split not in splits:
        if required:
            raise DataError(f"dataset {r.data.path} has no split {split!r}; it has {sorted(splits)}")
        return None
    ds = splits[split]
    _check_columns(ds, split, r)
    if not r.is_pretrain:
        present = set(ds.unique("task")) if len(ds) else set()
        unknown = sorted(present - set(SUBTASKS))
        if unknown:
            raise DataError(f"split {split!r} of {r.data.path} has unknown task ids {unknown}")
        if r.data.tasks:
            missing = sorted(set(r.data.tasks) - present)
            if missing and required:
                raise DataError(f"split {split!r} of {r.data.path} has no examples of task(s) {missing}; "
                                f"it has {sorted(present)}")
            if present - set(r.data.tasks):
                wanted = set(r.data.tasks)
                ds = ds.filter(lambda t: t in wanted, input_columns="task")
    if r.data.max_examples is not None and len(ds) > r.data.max_examples:
        ds = ds.shuffle(seed=r.train.seed).select(range(r.data.max_examples))
    if len(ds) == 0:
        if required:
            raise DataError(f"split {split!r} of {r.data.path} is empty (after selecting tasks "
                            f"{r.data.tasks or 'all'})")
        return None
    return ds


def exemplar_context(splits: dict[str, Any], r: Recipe) -> dict | None:
    """What a model trained on these splits declares in ``codetrans.json`` -> ``context`` when its
    training pairs carry exemplars (an ``n_exemplars`` column with counts > 0, written by
    ``codetrans data augment``): the format, the most exemplars a pair had (the default k at inference)
    and the recipe's source length (the budget prefix, code and exemplars share). None otherwise."""
    from codetrans.retrieval import FORMAT

    ds = splits.get(r.data.train_split)
    if ds is None or "n_exemplars" not in getattr(ds, "column_names", ()):
        return None
    k = max((int(c or 0) for c in ds["n_exemplars"]), default=0)
    if k <= 0:
        return None
    return {"format": FORMAT, "k": k, "budget": r.data.max_source_length}


def training_texts(ds: Any, limit: int, seed: int = 0) -> list[str]:
    """Texts to train a tokenizer on: the text column, or inputs (with prefixes) and targets."""
    from codetrans.tasks import format_input

    idx = list(range(len(ds)))
    random.Random(seed).shuffle(idx)
    sub = ds.select(idx[:limit])
    if "text" in sub.column_names:
        return list(sub["text"])
    out: list[str] = []
    for t, s, y in zip(sub["task"], sub["source"], sub["target"]):
        out.append(format_input(t, s))
        out.append(y)
    return out


# ----------------------------------------------------------------------------- synthetic source

_VERBS = ["get", "set", "load", "save", "parse", "build", "check", "update", "remove", "read", "write",
          "find", "create", "convert", "validate", "send", "open", "close", "merge", "split"]
_NOUNS = ["user", "file", "config", "item", "list", "value", "name", "path", "token", "node", "request",
          "response", "table", "cache", "index", "record", "message", "buffer", "key", "model"]
_ARGS = ["self", "x", "data", "path", "name", "value", "items", "key", "options", "size"]


def _synthetic_example(task: str, rng: random.Random) -> tuple[str, str, str]:
    """A (source, target, text) triple with a learnable mapping (the target names what the code does)."""
    v, n = rng.choice(_VERBS), rng.choice(_NOUNS)
    args = rng.sample(_ARGS, rng.randint(1, 3))
    body = f"return {rng.choice(args)} . {v} ( {n} )"
    if task == COMMIT:
        src = f"mmm a / src / {n.title()} . java <nl> ppp b / src / {n.title()} . java <nl> - {v} ( ) ; <nl> + {v}_{n} ( ) ;"
        return src, f"{v} {n} in {n.title()}", f"diff --git {n}\n-{v}()\n+{v}_{n}()"
    if task == API:
        return f"how to {v} a {n}", f"{n.title()} . {v} {n.title()} . close", f"{v} a {n}"
    if task == SYNTHESIS:
        return f"given a {n} , {v} it", f"( map a ( lambda1 ( {v} arg1 ) ) )", f"{v} {n}"
    src = f"def {v}_{n} ( {' , '.join(args)} ) : {body}"
    tgt = f"{v.capitalize()} the {n} from {args[0]} ."
    text = f"def {v}_{n}({', '.join(args)}):\n    \"\"\"{tgt}\"\"\"\n    return {args[0]}.{v}({n})\n"
    return src, tgt, text


def synthetic_splits(r: Recipe) -> dict[str, Any]:
    """A small built-in dataset so a clean checkout can train with no data (debug recipe, tests)."""
    import datasets

    tasks = r.data.tasks or [doc_subtask("python"), COMMIT, API]
    out = {}
    for split, n, seed in (("train", r.data.synthetic_size, 1), ("validation", max(r.data.synthetic_size // 8, 16), 2)):
        rng = random.Random(seed)
        rows: dict[str, list] = {"task": [], "source": [], "target": [], "text": []}
        for i in range(n * len(tasks)):
            task = tasks[i % len(tasks)]
            s, t, x = _synthetic_example(task, rng)
            rows["task"].append(task)
            rows["source"].append(s)
            rows["target"].append(t)
            rows["text"].append(x)
        out[split] = datasets.Dataset.from_dict(rows)
    return out


# ----------------------------------------------------------------------------- tokenization


@dataclass
class Encoded:
    """Tokenized supervised examples: ids per example and the task index of each."""

    src: list[np.ndarray]
    tgt: list[np.ndarray]
    task: np.ndarray  # int index into ``tasks``
    tasks: list[str]

    def __len__(self) -> int:
        return len(self.src)

    @property
    def lengths(self) -> np.ndarray:
        return np.fromiter((len(s) + len(t) for s, t in zip(self.src, self.tgt)), dtype=np.int64, count=len(self))


def _encode_sources(tasks: list[str], sources: list[str], tokenizer: Any, r: Recipe) -> list[list[int]]:
    """Model input ids: the sub-task's prefix, then the source, cut at ``data.max_source_length``."""
    from codetrans.tasks import format_input

    inputs = [format_input(t, s) for t, s in zip(tasks, sources)]
    return tokenizer(inputs, max_length=r.data.max_source_length, truncation=True)["input_ids"]


def encode_supervised(ds: Any, tokenizer: Any, r: Recipe, desc: str = "tokenize", chunk: int = 2000) -> Encoded:
    from codetrans.log import progress_bar

    task_names = sorted(set(ds["task"]))
    index = {t: i for i, t in enumerate(task_names)}
    src: list[np.ndarray] = []
    tgt: list[np.ndarray] = []
    tasks: list[int] = []
    for start in progress_bar(range(0, len(ds), chunk), desc=desc, disable=not r.train.progress or len(ds) < 5 * chunk,
                      unit="chunk"):
        part = ds[start:start + chunk]
        a = _encode_sources(part["task"], part["source"], tokenizer, r)
        b = tokenizer(list(part["target"]), max_length=r.data.max_target_length, truncation=True)["input_ids"]
        src.extend(np.asarray(x, dtype=np.int32) for x in a)
        tgt.extend(np.asarray(x, dtype=np.int32) for x in b)
        tasks.extend(index[t] for t in part["task"])
    return Encoded(src, tgt, np.asarray(tasks, dtype=np.int64), task_names)


def encode_pretrain(ds: Any, tokenizer: Any, r: Recipe, chunk_length: int, chunk: int = 2000) -> np.ndarray:
    """Packed chunks (n, chunk_length) of the corpus text (or of sources and targets)."""
    from codetrans.log import progress_bar
    from codetrans.train.span_corruption import pack

    docs: list[list[int]] = []
    for start in progress_bar(range(0, len(ds), chunk), desc="tokenize", disable=not r.train.progress or len(ds) < 5 * chunk):
        part = ds[start:start + chunk]
        texts = part["text"] if "text" in part else [x for pair in zip(part["source"], part["target"]) for x in pair]
        docs.extend(tokenizer(list(texts), add_special_tokens=False)["input_ids"])
    chunks = pack(docs, chunk_length, eos_id=tokenizer.eos_token_id)
    if len(chunks) == 0:
        raise DataError(f"the pretraining corpus {r.data.path} is shorter than one packed sequence "
                        f"({chunk_length} tokens); lower data.packed_length")
    return chunks


# ----------------------------------------------------------------------------- mixing


def mixing_rates(sizes: list[int], rule: str, cap: int, temperature: float) -> np.ndarray:
    """Sampling rate per task: examples-proportional with a cap (T5), or temperature-scaled."""
    n = np.minimum(np.asarray(sizes, dtype=np.float64), float(cap))
    if rule == "temperature":
        n = n ** (1.0 / temperature)
    return n / n.sum()


def mixture_epoch(enc: Encoded, r: Recipe, rng: np.random.Generator) -> np.ndarray:
    """Example indices of one epoch of the task mixture (a permutation for a single task)."""
    if len(enc.tasks) == 1:
        return rng.permutation(len(enc))
    by_task = [np.flatnonzero(enc.task == i) for i in range(len(enc.tasks))]
    sizes = [len(x) for x in by_task]
    rates = mixing_rates(sizes, r.data.mixing, r.data.mixing_cap, r.data.temperature)
    total = int(sum(min(s, r.data.mixing_cap) for s in sizes))
    picks = []
    for idx, rate in zip(by_task, rates):
        k = max(1, int(round(total * rate)))
        reps = -(-k // len(idx))
        picks.append(np.concatenate([rng.permutation(idx) for _ in range(reps)])[:k])
    return rng.permutation(np.concatenate(picks))


def bucket_batches(order: np.ndarray, src_len: np.ndarray, tgt_len: np.ndarray, batch_size: int,
                   batch_tokens: int, rng: np.random.Generator | None, window: int = 64) -> list[np.ndarray]:
    """Group examples of similar length into batches within a padded-token budget.

    Examples are sorted by (source length // 8, target length) inside windows of
    ``window * batch_size`` (so batches still mix the epoch), packed greedily while ``n * (max_src + max_tgt) <= batch_tokens``, then the batches
    are shuffled. Padding falls from ~60% (random batches of code) to a few percent.
    """
    batches: list[np.ndarray] = []
    step = max(window * batch_size, 1)
    for w in range(0, len(order), step):
        part = order[w:w + step]
        # sort by source length in steps of 8, then by target length: padding of both stays small
        # (sorting by exact source length alone leaves ~14% of a code batch as target padding, this ~8%)
        part = part[np.lexsort((tgt_len[part], src_len[part] // 8))]
        cur: list[int] = []
        ms = mt = 0
        for i in part:
            s, t = int(src_len[i]), int(tgt_len[i])
            ns, nt = max(ms, s), max(mt, t)
            if cur and (len(cur) >= batch_size or (len(cur) + 1) * (ns + nt) > batch_tokens):
                batches.append(np.asarray(cur))
                cur, ns, nt = [], s, t
            cur.append(int(i))
            ms, mt = ns, nt
        if cur:
            batches.append(np.asarray(cur))
    if rng is not None:
        perm = rng.permutation(len(batches))
        batches = [batches[i] for i in perm]
    return batches


def collate_supervised(enc: Encoded, idx: np.ndarray, pad_id: int = 0) -> dict:
    import torch

    ls = max(len(enc.src[i]) for i in idx)
    lt = max(len(enc.tgt[i]) for i in idx)
    inp = torch.full((len(idx), ls), pad_id, dtype=torch.long)
    att = torch.zeros((len(idx), ls), dtype=torch.long)
    lab = torch.full((len(idx), lt), -100, dtype=torch.long)
    for row, i in enumerate(idx):
        s, t = enc.src[i], enc.tgt[i]
        inp[row, : len(s)] = torch.from_numpy(s.astype(np.int64))
        att[row, : len(s)] = 1
        lab[row, : len(t)] = torch.from_numpy(t.astype(np.int64))
    return {"input_ids": inp, "attention_mask": att, "labels": lab}


# ----------------------------------------------------------------------------- streams


class BatchStream:
    """An endless, resumable stream of training batches (supervised or span corruption).

    ``state_dict()`` is ``{"epoch", "batch"}``: the next batch to yield. With ``world > 1`` each rank
    takes every ``world``-th batch of the same plan (data parallelism through the deepspeed launcher).
    """

    def __init__(self, r: Recipe, seed: int, *, enc: Encoded | None = None, chunks: np.ndarray | None = None,
                 collator: Any = None, pretrain_batch: int = 0, rank: int = 0, world: int = 1, pad_id: int = 0):
        self.r, self.seed, self.enc, self.chunks, self.collator = r, seed, enc, chunks, collator
        self.pretrain_batch, self.rank, self.world, self.pad_id = pretrain_batch, rank, world, pad_id
        self.epoch, self.batch = 0, 0
        self._plan: list[np.ndarray] | None = None
        self._plan_epoch = -1
        if enc is not None:
            self._src_len = np.fromiter((len(s) for s in enc.src), dtype=np.int64, count=len(enc))
            self._tgt_len = np.fromiter((len(t) for t in enc.tgt), dtype=np.int64, count=len(enc))

    def plan(self, epoch: int) -> list[np.ndarray]:
        if self._plan_epoch != epoch:
            rng = np.random.default_rng([self.seed, epoch])
            if self.enc is not None:
                order = mixture_epoch(self.enc, self.r, rng)
                batches = bucket_batches(order, self._src_len, self._tgt_len, self.r.train.batch_size,
                                         self.r.train.batch_tokens, rng)
            else:
                order = rng.permutation(len(self.chunks))
                bs = self.pretrain_batch
                batches = [order[i:i + bs] for i in range(0, len(order) - bs + 1, bs)] or [order]
            n = len(batches) // self.world * self.world or len(batches)
            self._plan = batches[:n][self.rank::self.world] if self.world > 1 else batches
            self._plan_epoch = epoch
        return self._plan

    def state_dict(self) -> dict:
        return {"epoch": self.epoch, "batch": self.batch}

    def load_state_dict(self, state: dict) -> None:
        self.epoch, self.batch = int(state["epoch"]), int(state["batch"])

    def make(self, epoch: int, idx: np.ndarray) -> dict:
        if self.enc is not None:
            return collate_supervised(self.enc, idx, self.pad_id)
        seeds = [((self.seed * 1_000_003 + epoch) * 1_000_003 + int(i)) % (2 ** 63) for i in idx]
        return self.collator(self.chunks[idx], seeds)

    def __iter__(self) -> Iterator[dict]:
        return self

    def __next__(self) -> dict:
        plan = self.plan(self.epoch)
        if self.batch >= len(plan):
            self.epoch, self.batch = self.epoch + 1, 0
            plan = self.plan(self.epoch)
        out = self.make(self.epoch, plan[self.batch])
        self.batch += 1
        return out


def _dev_plan(r: Recipe, enc: Encoded) -> list[np.ndarray]:
    """Example indices of the fixed dev batches: length-sorted, the first ``eval_batches``."""
    order = np.random.default_rng(0).permutation(len(enc))
    src_len = np.fromiter((len(s) for s in enc.src), dtype=np.int64, count=len(enc))
    tgt_len = np.fromiter((len(t) for t in enc.tgt), dtype=np.int64, count=len(enc))
    batches = bucket_batches(order, src_len, tgt_len, r.train.batch_size, r.train.batch_tokens,
                             np.random.default_rng(0))
    return batches[: r.train.eval_batches]


def dev_batches(r: Recipe, *, enc: Encoded | None = None, chunks: np.ndarray | None = None, collator: Any = None,
                pretrain_batch: int = 0, pad_id: int = 0) -> list[dict]:
    """A fixed list of dev batches (the same every evaluation): length-sorted, first ``eval_batches``."""
    if enc is not None:
        return [collate_supervised(enc, b, pad_id) for b in _dev_plan(r, enc)]
    if chunks is None or len(chunks) == 0:
        return []
    bs = max(1, pretrain_batch)
    out = []
    for i in range(0, min(len(chunks), bs * r.train.eval_batches), bs):
        idx = np.arange(i, min(i + bs, len(chunks)))
        out.append(collator(chunks[idx], [int(j) for j in idx]))
    return out


def exemplar_free_dev_batches(r: Recipe, dev: Any, enc: Encoded, tokenizer: Any, pad_id: int = 0) -> list[dict]:
    """The dev batches of :func:`dev_batches` with the exemplars removed from every source (the
    ``<ex>`` format of :mod:`codetrans.retrieval.augment`); [] when none of those pairs carries one.

    Their loss minus the dev loss is how much the model uses its exemplars: a context stage that has
    not learned to read them scores the same on both. Pairs without exemplars are unchanged, so they
    count zero: the gain is averaged over all dev pairs, as the dev loss is.
    """
    from codetrans.retrieval.augment import parse_source

    plan = _dev_plan(r, enc)
    chosen = sorted({int(i) for b in plan for i in b})
    if "n_exemplars" not in dev.column_names or not chosen:
        return []
    rows = dev.select(chosen)
    if not any(rows["n_exemplars"]):
        return []
    ids = _encode_sources(rows["task"], [parse_source(s)[0] for s in rows["source"]], tokenizer, r)
    src = list(enc.src)
    for i, x in zip(chosen, ids):
        src[i] = np.asarray(x, dtype=np.int32)
    stripped = Encoded(src, enc.tgt, enc.task, enc.tasks)
    return [collate_supervised(stripped, b, pad_id) for b in plan]


def swapped_dev_batches(r: Recipe, enc: Encoded, pad_id: int = 0) -> list[dict]:
    """The dev batches of :func:`dev_batches` with every source swapped for another pair's of the same
    sub-task (the next one in the plan, cyclically; a sub-task with one pair keeps its own).

    The loss on these minus the dev loss is how much the model reads its input: a model that has only
    learned its targets' language scores the same on both. Swapping within a sub-task keeps the task
    prefix, so the gap measures the code, not the task.
    """
    plan = _dev_plan(r, enc)
    chosen = np.concatenate(plan) if plan else np.zeros(0, dtype=np.int64)
    partner: dict[int, int] = {}
    for t in np.unique(enc.task[chosen]):
        same = [int(i) for i in chosen if enc.task[i] == t]
        partner.update(zip(same, same[1:] + same[:1]))
    swapped = Encoded([enc.src[partner.get(i, i)] for i in range(len(enc))], enc.tgt, enc.task, enc.tasks)
    return [collate_supervised(swapped, b, pad_id) for b in plan]
