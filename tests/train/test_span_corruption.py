"""T5 span corruption: golden examples, the noise mask, lengths, packing and the collator."""

from __future__ import annotations

import numpy as np
import pytest

from codetrans.train.span_corruption import (
    SpanCorruptionCollator,
    apply_noise,
    compute_lengths,
    pack,
    random_spans_noise_mask,
)

S0, S1, S2 = 99, 98, 97  # <extra_id_0>, <extra_id_1>, <extra_id_2> (T5 counts down)


def test_golden_apply_noise():
    tokens = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]
    mask = np.array([0, 0, 1, 1, 0, 0, 0, 1, 0, 1], dtype=bool)
    inp, tgt = apply_noise(tokens, mask, [S0, S1, S2], eos_id=1)
    # "Thank you <X> me to your party <Y> week" -> target "<X> for inviting <Y> last <Z>" (T5 paper, fig. 2)
    assert inp == [10, 11, S0, 14, 15, 16, S1, 18, S2, 1]
    assert tgt == [S0, 12, 13, S1, 17, S2, 19, 1]


def test_golden_seeded_collator():
    """Pinned output for a fixed seed: changes to the noise schedule must be deliberate."""
    col = SpanCorruptionCollator([S0, S1, S2, 96, 95], noise_density=0.15, mean_span_length=3.0, eos_id=1)
    chunk = list(range(20, 40))
    inp, tgt = col.corrupt(chunk, seed=7)
    # 20 tokens, 15% noise = 3 tokens in round(3 / 3) = 1 span, here the last three
    assert inp == [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, S0, 1]
    assert tgt == [S0, 37, 38, 39, 1]
    # the same seed gives the same corruption (what resume relies on)
    assert col.corrupt(chunk, seed=7) == (inp, tgt)


@pytest.mark.parametrize("length,density,span", [(100, 0.15, 3.0), (568, 0.15, 3.0), (57, 0.3, 5.0), (20, 0.5, 1.0)])
def test_noise_mask_density_and_spans(length, density, span):
    rng = np.random.default_rng(0)
    mask = random_spans_noise_mask(length, density, span, rng)
    assert mask.shape == (length,) and not mask[0]  # T5 starts with a kept span
    assert mask.sum() == round(length * density)
    starts = np.flatnonzero(mask[1:] & ~mask[:-1])
    assert len(starts) == max(round(round(length * density) / span), 1)


def test_lengths_match_t5():
    # the values of HF's run_t5_mlm_flax for inputs_length 512 (expanded 568, targets 114)
    assert compute_lengths(512, 0.15, 3.0) == (568, 114)
    for inputs_length in (32, 48, 128, 512):
        raw, tgt_len = compute_lengths(inputs_length, 0.15, 3.0)
        col = SpanCorruptionCollator(list(range(1000, 900, -1)))
        for seed in range(5):
            inp, tgt = col.corrupt(list(range(3, 3 + raw)), seed)
            assert (len(inp), len(tgt)) == (inputs_length, tgt_len)


def test_packing_leaves_no_padding():
    docs = [[5, 6, 7], [8, 9], [10, 11, 12, 13], [14]]
    chunks = pack(docs, 4, eos_id=1)
    assert chunks.tolist() == [[5, 6, 7, 1], [8, 9, 1, 10], [11, 12, 13, 1]]  # tail [14, 1] dropped
    raw, _ = compute_lengths(48, 0.15, 3.0)
    many = pack([list(range(3, 3 + n)) for n in range(5, 60)], raw)
    batch = SpanCorruptionCollator(list(range(1000, 900, -1)))(many[:8], list(range(8)))
    assert batch["input_ids"].shape == (8, 48)
    assert int(batch["attention_mask"].sum()) == 8 * 48
    assert int((batch["labels"] == -100).sum()) == 0
