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
from model_fixtures import CONSTANT_ANSWER, train_constant_model  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _private_codetrans_home(tmp_path_factory):
    """Run-time exports go to $CODETRANS_HOME/exports, never beside a model: keep the suite's out of ~."""
    if os.environ.get("CODETRANS_HOME"):
        yield
        return
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CODETRANS_HOME", str(tmp_path_factory.mktemp("codetrans-home")))
        yield


@pytest.fixture(scope="session")
def constant_model_dir(tmp_path_factory):
    """A micro T5 trained in seconds to answer CONSTANT_ANSWER to any input of any task.

    Random micro models often generate nothing; tests of what happens *to* an answer (inserting it in a
    file, a commit hook, a web page) need a real, non-empty one.
    """
    return train_constant_model(tmp_path_factory.mktemp("constant-model"), CONSTANT_ANSWER)


@pytest.fixture(scope="session")
def synth_model_dir(tmp_path_factory):
    """A micro T5 whose best program is ``( len a )`` and whose next beam is the sum ``( reduce a 0 + )``."""
    from model_fixtures import SYNTH_MIXTURE

    return train_constant_model(tmp_path_factory.mktemp("synth-model"), SYNTH_MIXTURE, max_steps=300)


@pytest.fixture(scope="session")
def context_model_dir(constant_model_dir, tmp_path_factory):
    """The constant model, declaring in its codetrans.json that it takes 2 exemplars (a 256-token budget)."""
    from model_fixtures import declare_context

    return declare_context(constant_model_dir, tmp_path_factory.mktemp("context-model") / "m")
