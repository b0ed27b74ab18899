"""Documentation generation for 1,000 real functions: naive generate vs the pipelines vs raw CTranslate2.

Functions are harvested from the Python standard library on this machine (codetrans.lang.extract_functions,
evenly spaced over all documented ones); all four ways see the same inputs, the same greedy decoding and the
same ``--max-new-tokens``, with the same number of threads, measured in one run:

  (a) naive_generate  a loop of ``model.generate`` one input at a time (the baseline)
  (b) pipeline_torch  ``codetrans.pipeline(..., backend="torch")`` on the list (length-sorted batches)
  (c) pipeline_ct2    ``codetrans.pipeline(..., backend="ct2")`` (CTranslate2 int8 export by default)
  (d) raw_ct2         ``ctranslate2.Translator.translate_batch`` on pre-tokenized input (no pipeline)
  (+) pipeline_torch_int8  the torch pipeline with dynamic int8 quantization

(a) gets pre-tokenized code and, by default, runs on the first 200 (its rate is what counts); (b) and (c) start from raw source (their tree-sitter preprocessing is timed).
``tokens_per_s`` counts generated tokens. Also printed: cold start (``codetrans document`` on one small
file in a fresh process, ct2 backend, export already made; median of 3) and the smoothed BLEU of float32
vs int8 CTranslate2 weights on the same 1,000 functions (references: their docstring summaries) and, with
``--dev``, on a held-out corpus split. The last line is one JSON object.

With no arguments it measures the model shipped in the package (``codetrans/models/``; its prebuilt
int8 export is reused; any other export, of any model, goes to ``$CODETRANS_HOME/exports``: the benchmark
writes nothing into a model folder or the package)::

    python benchmarks/inference.py
    python benchmarks/inference.py --model runs/quickstart/final --dev corpora/quickstart   # any other model
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def harvest(n: int) -> list[dict]:
    """``n`` documented stdlib functions, evenly spaced over all of them (deterministic)."""
    from codetrans.lang import extract_functions

    root = sysconfig.get_paths()["stdlib"]
    records = []
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in ("site-packages", "dist-packages", "__pycache__"))
        for f in sorted(files):
            if f.endswith(".py"):
                path = os.path.join(d, f)
                try:
                    code = Path(path).read_text("utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
                records += [r for r in extract_functions(code, "python", path=os.path.relpath(path, root))
                            if r.get("summary")]
    if len(records) < n:
        raise SystemExit(f"only {len(records)} documented functions found under {root}")
    step = len(records) / n
    return [records[int(i * step)] for i in range(n)]


def _entry(seconds: float, items: int, tokens: int) -> dict:
    return {"items_per_s": round(items / seconds, 2), "tokens_per_s": round(tokens / seconds, 1),
            "seconds": round(seconds, 2), "items": items, "generated_tokens": tokens}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=None, help="model directory or zoo id (default: the shipped model)")
    ap.add_argument("--n", type=int, default=1000, help="functions to document")
    ap.add_argument("--naive-n", type=int, default=200,
                    help="time the naive loop on the first N only (its rate; ~2 items/s makes 1,000 take "
                    "~10 min on 2 cores; 0: all)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of (c) and (d), best kept")
    ap.add_argument("--max-new-tokens", type=int, default=32)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--quantization", default="int8", help="CTranslate2 weights for (c) and (d)")
    ap.add_argument("--dev", help="a corpus (save_to_disk) whose validation split also measures int8 vs float32 BLEU")
    ap.add_argument("--dev-n", type=int, default=500)
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: naive,torch,torch_int8,cold")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))

    import logging

    import torch
    from tqdm import tqdm
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    import codetrans
    from codetrans.lang import tokenize_code
    from codetrans.metrics import smoothed_bleu
    from codetrans.serving import zoo
    from codetrans.serving.backends import runtime_export_root
    from codetrans.serving.ct2 import cpu_threads, ct2_generate_options
    from codetrans.serving.export import export_ct2
    from codetrans.tasks import format_input, get_subtask

    logging.getLogger("codetrans.serving.logic").setLevel(logging.ERROR)  # a few long functions get truncated
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    threads = cpu_threads()
    torch.set_num_threads(threads)
    model_dir = zoo.resolve(args.model, task="document")
    t0 = time.perf_counter()
    records = harvest(args.n)
    print(f"harvested {len(records)} functions in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    codes = [r["code"] for r in records]
    refs = [r["summary"] for r in records]
    gen = {"max_new_tokens": args.max_new_tokens}
    out: dict = {"model": str(model_dir), "n": len(records), "max_new_tokens": args.max_new_tokens,
                 "batch_size": args.batch_size, "threads": threads, "quantization": args.quantization}
    subtask = get_subtask("document", "python")

    for quant in {args.quantization, "float32"}:  # made once, outside every timing; never inside the model folder
        export_ct2(model_dir, quantization=quant, root=runtime_export_root())
    fast = codetrans.pipeline("document", model_dir, backend="ct2", quantization=args.quantization,
                              batch_size=args.batch_size, threads=threads)

    def count(results: list) -> int:
        return sum(len(fast.tokenizer(r[0]["generated_text"])["input_ids"]) - 1 for r in results)

    # (c) the ct2 pipeline, from raw source, and (d) raw CTranslate2 on the same token ids the pipeline
    # made (pre-tokenized, no pipeline; the engine sorts by length and batches by itself). Interleaved
    # and repeated, best of --repeat: both are short and the machine is shared.
    prepped = [fast.preprocess(c, lang="python") for c in codes]
    tokens = [fast.tokenizer.convert_ids_to_tokens(p["input_ids"]) for p in prepped]
    translator = fast.engine.translator
    # the same decoding the pipeline resolves for the sub-task (the model's tuned beam, blocking, length
    # penalty), so (c) and (d) do the same search and the ratio measures only the pipeline's overhead
    opts = {"beam_size": 1, **ct2_generate_options(fast.with_defaults(subtask.id, dict(gen))),
            "max_batch_size": args.batch_size}
    translator.translate_batch(tokens[: 4 * args.batch_size], **opts)  # warm-up
    best = {"pipeline_ct2": float("inf"), "raw_ct2": float("inf")}
    for _ in range(args.repeat):
        t = time.perf_counter()
        ct2_results = fast(codes, lang="python", **gen)
        best["pipeline_ct2"] = min(best["pipeline_ct2"], time.perf_counter() - t)
        t = time.perf_counter()
        raw = translator.translate_batch(tokens, **opts)
        best["raw_ct2"] = min(best["raw_ct2"], time.perf_counter() - t)
    out["pipeline_ct2"] = _entry(best["pipeline_ct2"], len(codes), count(ct2_results))
    out["raw_ct2"] = _entry(best["raw_ct2"], len(tokens), sum(len(r.hypotheses[0]) for r in raw))

    # (b) the torch pipeline, and (+) with dynamic int8
    torch_results = None
    for name, quant in (("pipeline_torch", None), ("pipeline_torch_int8", "int8")):
        if (name == "pipeline_torch" and "torch" in skip) or (quant and "torch_int8" in skip):
            continue
        pipe = codetrans.pipeline("document", model_dir, backend="torch", quantization=quant,
                                  batch_size=args.batch_size)
        pipe(codes[:8], lang="python", **gen)
        t = time.perf_counter()
        results = pipe(codes, lang="python", **gen)
        out[name] = _entry(time.perf_counter() - t, len(codes), count(results))
        if quant is None:
            torch_results = results
        del pipe

    # (a) naive: one model.generate per input, on pre-tokenized code
    if "naive" not in skip:
        tok = AutoTokenizer.from_pretrained(model_dir)
        model = AutoModelForSeq2SeqLM.from_pretrained(model_dir).eval()
        sources = [format_input(subtask, tokenize_code(c, "python").text) for c in codes[: args.naive_n or None]]
        n_tokens = 0
        with torch.no_grad():
            model.generate(**tok(sources[0], return_tensors="pt", truncation=True, max_length=512), **gen)
            t = time.perf_counter()
            for s in tqdm(sources, desc="naive generate", file=sys.stderr):
                ids = model.generate(**tok(s, return_tensors="pt", truncation=True, max_length=512), **gen)[0]
                text = tok.decode(ids, skip_special_tokens=True)
                n_tokens += len(tok(text.strip()).input_ids) - 1
        out["naive_generate"] = _entry(time.perf_counter() - t, len(sources), n_tokens)
        del model

    # quality: float32 vs int8 CTranslate2 weights (ct2 float32 decodes exactly like torch float32)
    f32 = codetrans.pipeline("document", model_dir, backend="ct2", quantization="float32",
                             batch_size=args.batch_size, threads=threads)
    f32_results = f32(codes, lang="python", **gen) if args.quantization != "float32" else ct2_results
    hyp_q = [r[0]["generated_text"] for r in ct2_results]
    hyp_f = [r[0]["generated_text"] for r in f32_results]
    bleu: dict = {"stdlib_functions": {"float32": round(smoothed_bleu(hyp_f, refs), 2),
                                       args.quantization: round(smoothed_bleu(hyp_q, refs), 2),
                                       "identical_outputs": round(sum(a == b for a, b in zip(hyp_f, hyp_q)) / len(refs), 3),
                                       "note": "references: the functions' own docstring summaries"}}
    bleu["stdlib_functions"]["delta"] = round(bleu["stdlib_functions"][args.quantization]
                                              - bleu["stdlib_functions"]["float32"], 2)
    if torch_results is not None:
        same = sum(a[0]["generated_text"] == b for a, b in zip(torch_results, hyp_f)) / len(refs)
        bleu["torch_vs_ct2_float32_identical"] = round(same, 3)
    if args.dev:
        from datasets import load_from_disk

        split = load_from_disk(args.dev)["validation"]
        split = split.select(range(min(args.dev_n, len(split))))
        srcs, dev_refs = list(split["source"]), list(split["target"])
        kw = {"lang": "python", "pretokenized": True, **gen}
        dq = [r[0]["generated_text"] for r in fast(srcs, **kw)]
        df = [r[0]["generated_text"] for r in f32(srcs, **kw)]
        bleu["dev"] = {"path": args.dev, "items": len(srcs), "float32": round(smoothed_bleu(df, dev_refs), 2),
                       args.quantization: round(smoothed_bleu(dq, dev_refs), 2)}
        bleu["dev"]["delta"] = round(bleu["dev"][args.quantization] - bleu["dev"]["float32"], 2)
    out["bleu"] = bleu

    # cold start: a fresh process documenting one small file with the ct2 backend
    if "cold" not in skip:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp, "small.py")
            path.write_text("def area(w, h):\n    return w * h\n\n\ndef greet(name):\n    print('hi', name)\n")
            cmd = [sys.executable, "-m", "codetrans.cli", "document", "--model", str(model_dir),
                   "--backend", "ct2", "--quantization", args.quantization, str(path)]
            runs = []
            for _ in range(3):
                t = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True)
                runs.append(round(time.perf_counter() - t, 2))
            out["cold_start_s"] = statistics.median(runs)
            out["cold_start_runs_s"] = runs
            t = time.perf_counter()
            subprocess.run(cmd[:-3] + ["--backend", "torch", str(path)], check=True, capture_output=True)
            out["cold_start_torch_s"] = round(time.perf_counter() - t, 2)

    def ratio(a: str, b: str) -> float | None:
        if a in out and b in out:
            return round(out[a]["items_per_s"] / out[b]["items_per_s"], 2)
        return None

    out["ratios"] = {"pipeline_ct2_vs_naive": ratio("pipeline_ct2", "naive_generate"),
                     "pipeline_ct2_vs_raw_ct2": ratio("pipeline_ct2", "raw_ct2"),
                     "pipeline_torch_vs_naive": ratio("pipeline_torch", "naive_generate"),
                     "pipeline_torch_int8_vs_naive": ratio("pipeline_torch_int8", "naive_generate"),
                     "pipeline_ct2_vs_pipeline_torch": ratio("pipeline_ct2", "pipeline_torch")}
    r = out["ratios"]
    out["goals"] = {"ct2_ge_4x_naive": None if r["pipeline_ct2_vs_naive"] is None else r["pipeline_ct2_vs_naive"] >= 4,
                    "ct2_ge_0.9x_raw": r["pipeline_ct2_vs_raw_ct2"] >= 0.9,
                    "cold_start_le_3s": out["cold_start_s"] <= 3 if "cold_start_s" in out else None}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
