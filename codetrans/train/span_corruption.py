"""T5 span corruption (the self-supervised objective of the TF strategy), with sequence packing.

Texts are tokenized, joined with ``</s>`` into one stream and cut into chunks of exactly
``expanded_length`` tokens, chosen so that after corruption every encoder input is exactly
``packed_length`` long and every target exactly ``target_length``: no padding anywhere, so no compute
goes to padding. Corruption follows T5 (``random_spans_noise_mask`` of the original
``t5.data.preprocessors``): ``noise_density`` of the tokens, in spans of mean length
``mean_span_length``; each noise span becomes one sentinel ``<extra_id_k>`` in the input and the target
lists the spans, each after its sentinel.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def compute_lengths(inputs_length: int, noise_density: float, mean_span_length: float) -> tuple[int, int]:
    """(tokens to cut per chunk, target length) so corrupted inputs are ``inputs_length`` long.

    The T5 recipe: find the largest raw length whose corrupted input (kept tokens + one sentinel per
    span + ``</s>``) fits ``inputs_length``.
    """

    def lengths(tokens_length: int) -> tuple[int, int]:
        num_noise = int(round(tokens_length * noise_density))
        num_nonnoise = tokens_length - num_noise
        num_spans = int(round(num_noise / mean_span_length))
        return num_nonnoise + num_spans + 1, num_noise + num_spans + 1

    tokens_length = inputs_length
    while lengths(tokens_length + 1)[0] <= inputs_length:
        tokens_length += 1
    inp, tgt = lengths(tokens_length)
    if noise_density == 0.5 and tgt > inp:  # T5's special case
        tokens_length -= 1
        tgt -= 1
    return tokens_length, tgt


def random_spans_noise_mask(length: int, noise_density: float, mean_span_length: float,
                            rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of ``length`` with ~``noise_density`` True, in alternating noise/non-noise spans.

    Starts with a non-noise span, exactly as T5's; the span lengths are a random partition.
    """
    orig_length = length
    length = max(length, 2)
    num_noise = int(round(length * noise_density))
    num_noise = min(max(num_noise, 1), length - 1)
    num_spans = max(int(round(num_noise / mean_span_length)), 1)
    num_nonnoise = length - num_noise

    def partition(num_items: int, num_segments: int) -> np.ndarray:
        marks = np.arange(num_items - 1) < num_segments - 1
        rng.shuffle(marks)
        marks = np.pad(marks, [[1, 0]])
        segment_id = np.cumsum(marks)
        return np.bincount(segment_id, minlength=num_segments)

    noise_lengths = partition(num_noise, num_spans)
    nonnoise_lengths = partition(num_nonnoise, num_spans)
    interleaved = np.reshape(np.stack([nonnoise_lengths, noise_lengths], axis=1), [num_spans * 2])
    span_starts = np.cumsum(interleaved)[:-1]
    start_indicator = np.zeros((length,), dtype=np.int8)
    start_indicator[span_starts] = 1
    span_num = np.cumsum(start_indicator)
    is_noise = np.equal(span_num % 2, 1)
    return is_noise[:orig_length]


def apply_noise(tokens: Sequence[int], mask: np.ndarray, sentinels: Sequence[int],
                eos_id: int = 1) -> tuple[list[int], list[int]]:
    """The (input, target) pair for one chunk: noise spans -> sentinels in the input, the rest in the target.

    ``sentinels[k]`` is the id of ``<extra_id_k>``. Both sequences end with ``eos_id``.
    """
    tokens = list(tokens)
    if len(mask) != len(tokens):
        raise ValueError("mask and tokens differ in length")
    inp: list[int] = []
    tgt: list[int] = []
    k = 0
    prev = False
    for tok, noise in zip(tokens, mask):
        if noise:
            if not prev:
                if k >= len(sentinels):
                    raise ValueError("more noise spans than sentinel ids")
                inp.append(sentinels[k])
                tgt.append(sentinels[k])
                k += 1
            tgt.append(tok)
        else:
            inp.append(tok)
        prev = bool(noise)
    inp.append(eos_id)
    tgt.append(eos_id)
    return inp, tgt


def pack(token_lists: Sequence[Sequence[int]], chunk_length: int, eos_id: int = 1) -> np.ndarray:
    """Concatenate documents (each followed by ``</s>``) and cut into full chunks; the tail is dropped."""
    total = sum(len(t) + 1 for t in token_lists)
    flat = np.empty(total, dtype=np.int64)
    pos = 0
    for t in token_lists:
        n = len(t)
        flat[pos:pos + n] = t
        flat[pos + n] = eos_id
        pos += n + 1
    n_chunks = total // chunk_length
    return flat[: n_chunks * chunk_length].reshape(n_chunks, chunk_length)


class SpanCorruptionCollator:
    """Turns packed chunks into a model batch (``input_ids``, ``attention_mask``, ``labels``).

    Randomness comes from a per-chunk seed, so a batch is the same whenever it is rebuilt (resume).
    """

    def __init__(self, sentinels: Sequence[int], noise_density: float = 0.15, mean_span_length: float = 3.0,
                 eos_id: int = 1, inputs_length: int | None = None, target_length: int | None = None):
        self.sentinels = list(sentinels)
        self.noise_density = noise_density
        self.mean_span_length = mean_span_length
        self.eos_id = eos_id
        self.inputs_length = inputs_length
        self.target_length = target_length

    def corrupt(self, chunk: Sequence[int], seed: int) -> tuple[list[int], list[int]]:
        rng = np.random.default_rng(seed)
        mask = random_spans_noise_mask(len(chunk), self.noise_density, self.mean_span_length, rng)
        return apply_noise(chunk, mask, self.sentinels, self.eos_id)

    def __call__(self, chunks: np.ndarray, seeds: Sequence[int]) -> dict:
        import torch

        pairs = [self.corrupt(c, s) for c, s in zip(chunks, seeds)]
        li = max(len(p[0]) for p in pairs)
        lt = max(len(p[1]) for p in pairs)
        # Lengths are fixed by compute_lengths; padding only guards rounding corner cases.
        inp = torch.zeros(len(pairs), li, dtype=torch.long)
        att = torch.zeros(len(pairs), li, dtype=torch.long)
        lab = torch.full((len(pairs), lt), -100, dtype=torch.long)
        for i, (a, b) in enumerate(pairs):
            inp[i, : len(a)] = torch.tensor(a)
            att[i, : len(a)] = 1
            lab[i, : len(b)] = torch.tensor(b)
        return {"input_ids": inp, "attention_mask": att, "labels": lab}
