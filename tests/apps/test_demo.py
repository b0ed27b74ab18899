"""The web demo served on loopback, driven in headless Chromium; then 50 concurrent requests."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from model_fixtures import CONSTANT_ANSWER

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("CODETRANS_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts"))
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(constant_model_dir):
    port = _free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    app = Path(__file__).resolve().parents[2] / "demos" / "app.py"
    proc = subprocess.Popen([sys.executable, str(app), "--model", constant_model_dir, "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"demo exited early:\n{proc.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("demo did not start within 120 s")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_demo_binds_loopback_only(server):
    assert server.startswith("http://127.0.0.1:")


def test_browser_types_code_clicks_and_reads_output(server):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "Debian's chromium must be installed (.ci/run installs it)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(server, wait_until="networkidle")
        editor = page.locator("#input-document .cm-content")
        editor.click()
        page.keyboard.type("def area(w, h):\n")
        page.keyboard.type("    return w * h")
        page.locator("#run-document").click()
        output = page.locator("#output-document textarea")
        page.wait_for_function("el => el.value.length > 0", arg=output.element_handle(), timeout=60_000)
        text = output.input_value()
        page.screenshot(path=str(ARTIFACTS / "demo-document.png"), full_page=True)
        assert text.strip() == CONSTANT_ANSWER
        # an error is shown in the page, and the server keeps serving
        page.get_by_role("tab", name="Commit message").click()
        page.locator("#run-commit").click()
        page.get_by_text("the input is empty").first.wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "demo-error.png"), full_page=True)
        browser.close()
    # offline: the page fetched nothing beyond the loopback server (no fonts, analytics or CDNs)
    assert requested and all(url.startswith(server) for url in requested), sorted(set(requested))[:5]
    with urllib.request.urlopen(server, timeout=10) as resp:
        assert resp.status == 200


def test_fifty_concurrent_requests_without_errors(server, constant_model_dir):
    from gradio_client import Client

    client = Client(server, verbose=False)
    snippets = [f"def f{i}(x):\n    return x + {i}\n" for i in range(50)]

    def call(code):
        return client.predict(m=constant_model_dir, lg="python", txt=code, mx=8, nb=1, api_name="/document")

    with ThreadPoolExecutor(max_workers=50) as pool:
        futures = [pool.submit(call, code) for code in snippets]
        results, errors = [], []
        for fut in futures:
            try:
                results.append(fut.result(timeout=300))
            except Exception as exc:  # counted, not raised: the figure is the error count
                errors.append(repr(exc))
    assert errors == [], errors[:3]
    assert len(results) == 50 and all(CONSTANT_ANSWER[:7] in r for r in results)


DOCUMENTED = "".join(
    f"def {v}_user(user_id, store):\n    \"\"\"{v.capitalize()} the user with the given id.\"\"\"\n"
    f"    item = store.get(user_id)\n    store.{v}(item)\n    return item\n\n\n" for v in ("load", "save", "delete"))


def test_context_box_over_the_api(server, constant_model_dir):
    """The code tabs take an optional context box (last input; older clients may leave it out)."""
    from gradio_client import Client

    client = Client(server, verbose=False)
    code = "def area(w, h):\n    return w * h\n"
    plain = client.predict(m=constant_model_dir, lg="python", txt=code, mx=32, nb=1, api_name="/document")
    assert plain.strip() == CONSTANT_ANSWER
    # the answer is grounded in the pasted functions with any model, and says where it came from
    out = client.predict(m=constant_model_dir, lg="python", txt=code, mx=32, nb=1, cx=DOCUMENTED,
                         api_name="/document")
    first = out.splitlines()[0]
    assert first == f"{CONSTANT_ANSWER}  [generated]" or " from " in first and "(<context>:" in first
    assert out.splitlines()[-1] == "context: grounded in 3 pasted documented function(s); 0 exemplar(s) read by the model"
    near = "def load_group(group_id, store):\n    item = store.get(group_id)\n    return item\n"
    out = client.predict(m=constant_model_dir, lg="python", txt=near, mx=32, nb=1, cx=DOCUMENTED, api_name="/document")
    assert out.splitlines()[0] == "Load the group with the given id.  [adapted from load_user (<context>:1)]"


def test_context_box_feeds_a_context_model(context_model_dir, tmp_path):
    from codetrans.apps.demo import PipelineCache, run_task

    cache = PipelineCache([context_model_dir], export_root=tmp_path / "exports")
    code = "def load_group(group_id, store):\n    item = store.get(group_id)\n    return item\n"
    out = run_task(cache, "document", context_model_dir, "python", code, 32, 1, DOCUMENTED)
    assert out.splitlines()[0].endswith("[adapted from load_user (<context>:1)]")  # grounded: the edited neighbour won
    assert out.splitlines()[-1] == "context: grounded in 3 pasted documented function(s); 2 exemplar(s) read by the model"
    out = run_task(cache, "document", context_model_dir, "python", code, 32, 1, DOCUMENTED)
    out = run_task(cache, "document", context_model_dir, "python", code, 8, 1, "x = 1\n")
    assert "no documented python functions in the context; generated without it" in out


def test_api_tab_answers_with_the_consensus_of_the_models_index(constant_model_dir, tmp_path):
    import shutil

    import datasets

    from codetrans.apps.demo import PipelineCache, run_task
    from codetrans.retrieval.index import build_shipped_index
    from codetrans.serving.context import INDEX_FILE

    model = tmp_path / "indexed"
    shutil.copytree(constant_model_dir, model)
    rows = {"task": ["api_generation"] * 2, "source": ["read a text file", "read lines of a file"],
            "target": ["FileReader.new BufferedReader.readLine"] * 2, "id": ["a1", "a2"]}
    build_shipped_index(datasets.DatasetDict({"train": datasets.Dataset.from_dict(rows)}), model / INDEX_FILE,
                        ("api",))
    cache = PipelineCache([str(model), constant_model_dir], export_root=tmp_path / "exports")
    out = run_task(cache, "api", str(model), None, "read a file", 16, 1, "def pasted(): pass")
    first, *_, last = out.splitlines()
    assert first.startswith("FileReader.new BufferedReader.readLine  [copied from the training pair for 'read a")
    assert last == "context: the consensus of the nearest training pairs and the model; the pasted context is not " \
                   "used for API sequences"
    # a model without an index: its own text, and the note says why nothing else was used
    out = run_task(cache, "api", constant_model_dir, None, "read a file", 16, 1, "def pasted(): pass")
    assert out.endswith("context: this model ships no index of its training pairs; generated by the model alone")
