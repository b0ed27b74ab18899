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


#: a program mixture: ``( len a )`` is the best beam, ``( reduce a 0 + )`` (the sum) the next one
SYNTH_MIXTURE = ["( len a )"] * 4 + ["( reduce a 0 + )"]


def train_constant_model(out, answer: str | list[str], max_steps: int = 150) -> str:
    """A micro T5 trained in seconds to answer ``answer`` to any input of any task, saved in ``out``.

    A list of answers trains a mixture: each input is paired with every answer in the list (repeat one to
    weight it), so the first beam is the most frequent answer and the others follow among the beams."""
    import torch

    from codetrans.tasks import SUBTASKS, format_input
    from codetrans.train.modeling import build_model
    from codetrans.train.tokenizer import train_tokenizer

    answers = [answer] if isinstance(answer, str) else list(answer)
    sources = ["def f ( x ) : return x", "int f ( ) { return 1 ; }", "SELECT a FROM t", "read a file",
               "mmm a / x <nl> ppp b / x <nl> + b <nl>", "func F ( ) { }", "( reduce a 0 + )"]
    # every prefix with one source each (rotating), so any task's input maps to the answer
    inputs = [format_input(st, sources[i % len(sources)]) for i, st in enumerate(SUBTASKS.values())]
    inputs += sources
    tok = train_tokenizer(inputs * 5 + answers * 20, out, vocab_size=500, extra_ids=100)
    torch.manual_seed(0)
    model = build_model("micro", vocab_size=len(tok), seed=0, dropout_rate=0.0)
    enc = tok(inputs * len(answers), return_tensors="pt", padding=True)
    labels = tok([a for a in answers for _ in inputs], return_tensors="pt", padding=True).input_ids
    labels[labels == tok.pad_token_id] = -100
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model.train()
    floor = 0.02 if len(set(answers)) == 1 else 0.0  # a mixture's loss stays at its entropy: run every step
    for _ in range(max_steps):
        loss = model(**enc, labels=labels).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
        if loss.item() < floor:
            break
    model.eval()
    model.save_pretrained(out)
    return str(out)


def declare_context(src, dest, k: int | None = 2, budget: int = 256) -> str:
    """A copy of the model at ``src`` whose codetrans.json declares context support (``k`` exemplars in a
    ``budget``), or, with ``k=None``, declares nothing (a model trained without exemplars)."""
    import json
    import shutil

    shutil.copytree(src, dest)
    meta: dict = {"tasks": [], "size": "micro"}
    if k is not None:
        meta["context"] = {"format": 1, "k": k, "budget": budget}
    (dest / "codetrans.json").write_text(json.dumps(meta))
    return str(dest)


#: (code operation, the word a docstring uses for it): what the tiny verifier's translation table learns
VERBS = [("append", "add"), ("pop", "remove"), ("len", "number"), ("clear", "empty"), ("sorted", "sort"),
         ("sum", "total"), ("copy", "duplicate"), ("reverse", "reverse")]
NOUNS = ["item", "coupon", "product", "supplier", "order", "user", "line", "page", "ticket", "song"]


def tiny_verifier_pairs() -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """Synthetic (code tokens, docstring, name) and (diff tokens, subject) pairs: each operation on each
    noun, documented with the operation's word: enough for an IBM-1 table and a logistic fit in a second."""
    docs, commits = [], []
    for op, word in VERBS:
        for noun in NOUNS:
            name = f"{word}_{noun}"
            code = f"def {name} ( self , {noun} ) : return self . {noun}s . {op} ( {noun} )"
            docs.append((code, f"{word.capitalize()} the {noun} of the cart.", name))
            cls = noun.capitalize()
            diff = (f"mmm a / src / {cls} . java <nl> ppp b / src / {cls} . java <nl> - return {noun}s ; <nl> "
                    f"+ return {noun}s . {op} ( ) ;")
            commits.append((diff, f"Use {op} in {cls}"))
    return docs, commits


def tiny_verifier():
    """A :class:`codetrans.grounding.verifier.Verifier` fit in code on :func:`tiny_verifier_pairs`, hard negatives
    being the other nouns' and operations' texts (what a repository's neighbours offer)."""
    from codetrans.grounding.verifier import (
        Verifier,
        code_words,
        features,
        fit_logistic,
        fit_table,
        text_words,
    )

    docs, commits = tiny_verifier_pairs()
    tables, weights, means, scales = {}, {}, {}, {}
    for kind, pairs in (("doc", [(c, t, n) for c, t, n in docs]), ("commit", [(c, t, "") for c, t in commits])):
        table = fit_table([(code_words(c), text_words(t)) for c, t, _ in pairs], min_count=1)
        x, y = [], []
        for i, (code, text, name) in enumerate(pairs):
            x.append(features(table, code, text, name=name))
            y.append(1.0)
            for j in (i + 1, i + len(NOUNS), i + 3):  # another noun, another operation
                x.append(features(table, code, pairs[j % len(pairs)][1], name=name))
                y.append(0.0)
        tables[kind] = table
        weights[kind], means[kind], scales[kind] = fit_logistic(x, y)
    return Verifier(tables, weights, means, scales,
                    {"serving": {"fallback_below": 0.5, "described_confidence": 0.8, "write_threshold": 0.7,
                                 "history_above": 0.8, "changelog_confidence": 0.9}})
