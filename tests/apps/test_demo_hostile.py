"""Issue 13, case 7: the demo loads only the models it offered, writes nothing into a model folder,
keeps a bounded cache, and answers 20 concurrent 1 MB requests without growing its memory."""

import gc
import shutil
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("gradio")
psutil = pytest.importorskip("psutil")

#: filled by the memory test, printed in the summary (see the report of issue 13)
FIGURES: dict = {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(constant_model_dir, tmp_path_factory):
    import os

    from gradio_client import Client

    from codetrans.apps.demo import build_demo

    home = tmp_path_factory.mktemp("codetrans-home")
    old_home = os.environ.get("CODETRANS_HOME")
    os.environ["CODETRANS_HOME"] = str(home)
    offered = shutil.copytree(constant_model_dir, tmp_path_factory.mktemp("offered") / "model")
    other = shutil.copytree(constant_model_dir, tmp_path_factory.mktemp("other") / "model")
    demo = build_demo([str(offered)], concurrency=4)
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, show_error=True)
    client = Client(f"http://127.0.0.1:{port}/", verbose=False)
    yield {"client": client, "offered": offered, "other": other, "home": home}
    demo.close()
    if old_home is None:
        os.environ.pop("CODETRANS_HOME", None)
    else:
        os.environ["CODETRANS_HOME"] = old_home


def _ask(client, model, text, task="summarize"):
    return client.predict(str(model), "python", text, 16, 1, api_name=f"/{task}")


def test_api_refuses_a_path_it_did_not_offer(served):
    client, other = served["client"], served["other"]
    before = sorted(p.name for p in other.iterdir())
    with pytest.raises(Exception) as info:
        _ask(client, other, "x = compute(y)")
    assert "Traceback" not in str(info.value)
    assert sorted(p.name for p in other.iterdir()) == before  # nothing loaded from it, nothing written


def test_run_task_refuses_unoffered_model_directly(tmp_path):
    import gradio as gr

    from codetrans.apps.demo import PipelineCache, run_task

    cache = PipelineCache(allowed=["/offered/model"])
    with pytest.raises(gr.Error, match="unknown model"):
        run_task(cache, "summarize", str(tmp_path), "python", "x = 1")
    assert len(cache) == 0


def test_offered_model_folder_stays_untouched_and_cache_is_bounded(served, constant_model_dir):
    from codetrans.apps.demo import PipelineCache

    client, offered = served["client"], served["offered"]
    before = sorted(p.name for p in offered.iterdir())
    assert _ask(client, offered, "x = compute(y)")
    assert sorted(p.name for p in offered.iterdir()) == before  # no ct2-int8/ beside the weights
    cache = PipelineCache(allowed=[constant_model_dir], max_size=2, export_root=served["home"] / "exports")
    for task in ("summarize", "comment", "commit"):
        cache.get(task, constant_model_dir)
    assert len(cache) == 2


def test_twenty_concurrent_one_megabyte_requests(served):
    client, offered = served["client"], served["offered"]
    one_mb = "".join(f"value_{i} = compute(value_{i - 1}, {i})\n" for i in range(1, 40_000))[:1_000_000]
    assert len(one_mb) == 1_000_000
    assert _ask(client, offered, one_mb)  # warm-up: model, export and tokenizer loaded
    gc.collect()
    proc = psutil.Process()
    before = proc.memory_info().rss
    t0 = time.monotonic()
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: _ask(client, offered, one_mb), range(20)))
    seconds = time.monotonic() - t0
    gc.collect()
    after = proc.memory_info().rss
    FIGURES.update(before_mb=before / 2**20, after_mb=after / 2**20, seconds=seconds)
    print(f"demo memory: {before / 2**20:.0f} MB before, {after / 2**20:.0f} MB after 20 x 1 MB "
          f"requests ({after / before:.2f}x) in {seconds:.0f} s")
    assert len(answers) == 20 and all(answers)
    assert after <= 1.5 * before
