"""T5 model sizes for CodeTrans, as ``transformers.T5Config``.

The sizes follow T5 v1.0 (ReLU feed-forward, tied input/output embeddings — the original T5 and
CodeTrans setting; untied embeddings start at a much higher loss with HF's init). ``micro`` exists for
tests (seconds on CPU), ``tiny`` and ``mini`` are trainable on a laptop CPU, ``small``/``base``/``large`` are the
original CodeTrans sizes. Run ``python -m codetrans.train.modeling`` for a table of parameter counts.
"""

from __future__ import annotations

from typing import Any

from codetrans.errors import ConfigError

#: size -> T5Config fields (everything else takes the T5 defaults).
SIZES: dict[str, dict[str, Any]] = {
    "micro": dict(d_model=32, d_ff=64, d_kv=16, num_heads=2, num_layers=2, num_decoder_layers=2,
                  relative_attention_num_buckets=8, relative_attention_max_distance=32),
    "tiny": dict(d_model=256, d_ff=1024, d_kv=64, num_heads=4, num_layers=4, num_decoder_layers=4),
    # tiny made wider (d_model 384): the zoo's second pilot shape, ~2x tiny's compute per token.
    "mini": dict(d_model=384, d_ff=1536, d_kv=64, num_heads=6, num_layers=4, num_decoder_layers=4),
    "small": dict(d_model=512, d_ff=2048, d_kv=64, num_heads=8, num_layers=6, num_decoder_layers=6),
    "base": dict(d_model=768, d_ff=3072, d_kv=64, num_heads=12, num_layers=12, num_decoder_layers=12),
    "large": dict(d_model=1024, d_ff=4096, d_kv=64, num_heads=16, num_layers=24, num_decoder_layers=24),
}

_COMMON: dict[str, Any] = dict(
    feed_forward_proj="relu", tie_word_embeddings=True, dropout_rate=0.1, layer_norm_epsilon=1e-6,
    initializer_factor=1.0, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0, use_cache=True,
)


def model_config(size: str, vocab_size: int = 32128, **overrides: Any) -> Any:
    """The ``T5Config`` of a named size with ``vocab_size`` ids; keyword overrides win."""
    from transformers import T5Config

    if size not in SIZES:
        raise ConfigError(f"unknown model size {size!r}; choose from {', '.join(SIZES)}")
    if vocab_size < 8:
        raise ConfigError(f"vocab_size must be positive and realistic, got {vocab_size}")
    fields = {**_COMMON, **SIZES[size], "vocab_size": int(vocab_size), **overrides}
    try:
        return T5Config(**fields)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"bad model override for size {size!r}: {exc}") from exc


def build_model(size: str, vocab_size: int = 32128, seed: int | None = None, **overrides: Any) -> Any:
    """A randomly initialised ``T5ForConditionalGeneration`` of a named size."""
    import torch
    from transformers import T5ForConditionalGeneration

    config = model_config(size, vocab_size, **overrides)
    if seed is not None:
        torch.manual_seed(seed)
    return T5ForConditionalGeneration(config)


def count_parameters(model: Any) -> int:
    """Unique parameters (tied embeddings counted once)."""
    seen: set[int] = set()
    total = 0
    for p in model.parameters():
        if id(p) not in seen:
            seen.add(id(p))
            total += p.numel()
    return total


def parameter_count(size: str, vocab_size: int = 32128, **overrides: Any) -> int:
    """Parameter count of a size without allocating weights (built on the meta device)."""
    import torch
    from transformers import T5ForConditionalGeneration

    with torch.device("meta"):
        model = T5ForConditionalGeneration(model_config(size, vocab_size, **overrides))
    return count_parameters(model)


def round_vocab(n: int, multiple: int = 128) -> int:
    """Embedding rows for a tokenizer of ``n`` ids, padded to a multiple (32,100 -> 32,128 like T5)."""
    return -(-n // multiple) * multiple


def format_count(n: int) -> str:
    return f"{n / 1e6:.1f}M" if n < 1e9 else f"{n / 1e9:.2f}B"


def main() -> None:
    print(f"{'size':<6} {'d_model':>7} {'layers':>6} {'params (vocab 32128)':>22}")
    for name, f in SIZES.items():
        print(f"{name:<6} {f['d_model']:>7} {f['num_layers']:>3}+{f['num_decoder_layers']:<2} "
              f"{format_count(parameter_count(name)):>22}")


if __name__ == "__main__":
    main()
