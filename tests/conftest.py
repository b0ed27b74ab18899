"""Shared fixtures. Tests never download: models and tokenizers are built in code."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# Micro models are tiny: one thread avoids oversubscription (measured ~20x faster on a busy 2-core box).
import torch  # noqa: E402

torch.set_num_threads(1)

import pytest  # noqa: E402
from model_fixtures import CONSTANT_ANSWER  # noqa: E402


@pytest.fixture(scope="session")
def constant_model_dir(tmp_path_factory):
    """A micro T5 trained in seconds to answer CONSTANT_ANSWER to any input of any task.

    Random micro models often generate nothing; tests of what happens *to* an answer (inserting it in a
    file, a commit hook, a web page) need a real, non-empty one.
    """
    import torch

    from codetrans.tasks import SUBTASKS, format_input
    from codetrans.train.modeling import build_model
    from codetrans.train.tokenizer import train_tokenizer

    out = tmp_path_factory.mktemp("constant-model")
    sources = ["def f ( x ) : return x", "int f ( ) { return 1 ; }", "SELECT a FROM t", "read a file",
               "mmm a / x <nl> ppp b / x <nl> + b <nl>", "func F ( ) { }", "( reduce a 0 + )"]
    # every prefix with one source each (rotating), so any task's input maps to the answer
    inputs = [format_input(st, sources[i % len(sources)]) for i, st in enumerate(SUBTASKS.values())]
    inputs += sources
    tok = train_tokenizer(inputs * 5 + [CONSTANT_ANSWER] * 20, out, vocab_size=500, extra_ids=100)
    torch.manual_seed(0)
    model = build_model("micro", vocab_size=len(tok), seed=0, dropout_rate=0.0)
    enc = tok(inputs, return_tensors="pt", padding=True)
    labels = tok([CONSTANT_ANSWER] * len(inputs), return_tensors="pt", padding=True).input_ids
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(150):
        loss = model(**enc, labels=labels).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
        if loss.item() < 0.02:
            break
    model.eval()
    model.save_pretrained(out)
    return str(out)
