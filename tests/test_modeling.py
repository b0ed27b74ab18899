"""Model sizes as T5 configs: tied embeddings, parameter counts, micro model runs."""

from __future__ import annotations

import pytest
import torch

from codetrans.errors import ConfigError
from codetrans.modeling import (
    SIZES,
    build_model,
    count_parameters,
    model_config,
    parameter_count,
    round_vocab,
)


def test_micro_model_forward_and_tied_embeddings():
    model = build_model("micro", vocab_size=128, seed=0)
    cfg = model.config
    assert (cfg.d_model, cfg.num_layers, cfg.num_decoder_layers) == (32, 2, 2)
    assert cfg.tie_word_embeddings and cfg.feed_forward_proj == "relu"
    assert model.lm_head.weight.data_ptr() == model.shared.weight.data_ptr()
    x = torch.randint(3, 128, (2, 7))
    out = model(input_ids=x, labels=x)
    # tied embeddings start near ln(vocab) (untied HF init starts far higher)
    assert float(out.loss.detach()) < 2 * torch.log(torch.tensor(128.0))
    assert count_parameters(model) < 200_000


def test_parameter_counts_of_the_sizes():
    counts = {s: parameter_count(s, 32128) for s in ("tiny", "small", "base", "large")}
    assert 10e6 < counts["tiny"] < 20e6
    assert 55e6 < counts["small"] < 65e6  # T5-small: 60M
    assert 210e6 < counts["base"] < 230e6  # T5-base: 220M
    assert 700e6 < counts["large"] < 780e6  # T5-large: 770M (738M with tied embeddings)
    assert set(SIZES) == {"micro", "tiny", "mini", "small", "base", "large"}


def test_config_overrides_and_errors():
    cfg = model_config("tiny", 1000, dropout_rate=0.0)
    assert cfg.vocab_size == 1000 and cfg.dropout_rate == 0.0
    assert round_vocab(32100) == 32128
    with pytest.raises(ConfigError, match="unknown model size"):
        model_config("huge", 1000)
