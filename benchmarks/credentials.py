"""Recall and false positives of the data layer's secret filter, before and after issue #37 item 3.

* recall: the share of the credential forms in ``tests/data/fixtures/credentials.jsonl`` (URLs with
  userinfo, bearer/JWT, cloud keys, connection strings, tokens, private keys, "password is ..." prose,
  ``.env`` lines; fake values) whose secret value no longer appears in ``redact(text)``; also on the
  ``held_out`` forms alone (written after the patterns and never tuned on: command-line flags and such);
* false positives: the share of ``--docstrings`` real docstrings (the ``target`` column of the
  documentation sub-tasks of the corpus' train split, a seeded sample) that ``redact`` changes at all;
* throughput: MB/s of ``redact`` over ``--files`` raw source files of the Python standard library
  (whole files, as ``data build`` redacts them; one core), and how many of those files it changes.

"before" is ``codetrans/data/secrets.py`` as of ``--before`` (git show, imported from a temporary file);
"after" is the working tree's module.

    python benchmarks/credentials.py [--corpus /work/corpora/main] [--docstrings 10000] [--before 752938a]

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FIXTURE = ROOT / "tests" / "data" / "fixtures" / "credentials.jsonl"


def load_old(rev: str):
    """The filter module as of ``rev`` (it imports nothing of codetrans, so it runs on its own)."""
    text = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:codetrans/data/secrets.py"], check=True,
                          capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "secrets_before.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("secrets_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _redact(module, text: str, limit_s: int = 5) -> str | None:
    """``module.redact(text)[0]``, or None when it takes longer than ``limit_s`` (a backtracking pattern)."""
    def stop(*_):
        raise TimeoutError

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(limit_s)
    try:
        return module.redact(text)[0]
    except TimeoutError:
        return None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def recall(module, forms: list[dict]) -> tuple[float, list[str]]:
    """The share of forms whose secret is gone; a form the filter hangs on counts as missed (``name (hang)``)."""
    missed = []
    for f in forms:
        out = _redact(module, f["text"])
        if out is None or f["secret"] in out:
            missed.append(f["form"] + (" (hang)" if out is None else ""))
    return 1 - len(missed) / len(forms), missed


def source_files(n: int) -> list[str]:
    import sysconfig

    files = sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.py"))[:n]
    return [f.read_text(encoding="utf-8", errors="replace") for f in files]


def docstrings(corpus: str, n: int, seed: int = 0) -> list[str]:
    import datasets

    train = datasets.load_from_disk(corpus)["train"]
    tasks = train["task"]
    rows = [i for i, t in enumerate(tasks) if t.startswith("code_documentation_generation")]
    rows = sorted(random.Random(seed).sample(rows, min(n, len(rows))))
    return list(train.select(rows)["target"])


def false_positives(module, texts: list[str]) -> tuple[float, list[str]]:
    flagged = [t for t in texts if module.redact(t)[1]]
    return len(flagged) / max(1, len(texts)), flagged


def throughput(module, texts: list[str]) -> float:
    size = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts)
    start = time.perf_counter()
    for t in texts:
        module.redact(t)
    return size / 1e6 / max(1e-9, time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default="/work/corpora/main")
    ap.add_argument("--docstrings", type=int, default=10_000)
    ap.add_argument("--before", default="752938a", help="git revision of the filter before the change")
    ap.add_argument("--files", type=int, default=600, help="standard-library files for the throughput")
    ap.add_argument("--show", type=int, default=10, help="flagged docstrings / missed forms printed")
    args = ap.parse_args()

    from codetrans.data import secrets as after

    before = load_old(args.before)
    forms = [json.loads(line) for line in FIXTURE.read_text().splitlines() if line.strip()]
    out: dict = {"forms": len(forms)}
    held_out = [f for f in forms if f.get("held_out")]  # written after the patterns, never tuned on
    out["held_out_forms"] = len(held_out)
    for name, module in (("before", before), ("after", after)):
        r, missed = recall(module, forms)
        out[f"recall_{name}"] = round(r, 4)
        out[f"recall_held_out_{name}"] = round(recall(module, held_out)[0], 4) if held_out else None
        out[f"missed_{name}"] = missed
    if Path(args.corpus).exists():
        texts = docstrings(args.corpus, args.docstrings)
        out["docstrings"] = len(texts)
        for name, module in (("before", before), ("after", after)):
            fp, flagged = false_positives(module, texts)
            out[f"fp_rate_{name}"] = round(fp, 5)
            out[f"fp_{name}"] = len(flagged)
            for t in flagged[: args.show]:
                print(f"flagged ({name}): {module.redact(t)[0][:200]!r}", file=sys.stderr)
    else:
        print(f"no corpus at {args.corpus}: no false-positive rate", file=sys.stderr)
    sources = source_files(args.files)
    out["source_mb"] = round(sum(len(t) for t in sources) / 1e6, 2)
    for name, module in (("before", before), ("after", after)):
        out[f"mb_per_s_{name}"] = round(throughput(module, sources), 2)
        # whole files of real code hold (almost) no credentials: a second false-positive figure
        flagged = [t for t in sources if module.redact(t)[1]]
        out[f"source_files_flagged_{name}"] = len(flagged)
        for t in flagged[: args.show]:
            spans = module.find_secrets(t)
            print(f"flagged file ({name}): " + "; ".join(repr(t[max(0, a - 30):b + 10]) for _, a, b in spans[:2]),
                  file=sys.stderr)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
