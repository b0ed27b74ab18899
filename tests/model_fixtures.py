"""Values shared by the serving tests (imported by name: several conftest.py modules exist)."""

#: What the `constant_model_dir` fixture's model answers, whatever it is asked.
CONSTANT_ANSWER = "Compute the value"


def save_random_micro(out, corpus: list[str], vocab_size: int, seed: int = 0):
    """A randomly initialised micro T5 with a tokenizer trained on ``corpus``, saved in ``out``; returns ``out``."""
    from codetrans.train.modeling import build_model
    from codetrans.train.tokenizer import train_tokenizer

    tok = train_tokenizer(corpus, out, vocab_size=vocab_size, extra_ids=100)
    build_model("micro", vocab_size=len(tok), seed=seed).save_pretrained(out)
    return out
