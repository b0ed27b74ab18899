"""``codetrans data``: build, inspect and harvest training corpora.

    codetrans data build SOURCES... --out DIR [--tasks document commit ...] [--num-proc 2]
    codetrans data build @harvest/sources.txt ../shared/data --out corpora/main
    codetrans data stats DIR
    codetrans data harvest --out DIR [--langs python java ...] [--build CORPUS_DIR [--with ../shared/data]]
    codetrans data git REPO [--limit N]       # a repository's filtered commits as JSONL on stdout
    codetrans data augment DIR --out DIR2 [--k 2] [--vary-k] [--drop 0.25] [--budget 384]   # exemplar-augmented pairs
    codetrans data index DIR... --out FILE.npz [--tasks summarize api]   # shipped exemplar index (train split)
    codetrans data api-harvest DIR... --out FILE.jsonl [--name NAME ...]   # Javadoc -> JDK call pairs (#38)
    codetrans data api-pool DIR_OF_JSONL --out CORPUS_DIR [--near-dup 0.8]   # dedup, split by project (#38)

A SOURCE is a directory, an archive (.zip/.whl/.jar/.tar.*/.deb), a research file or folder, with
optional ``::lang=go,group=dir,name=NAME`` options; ``@FILE`` reads more SOURCES from FILE, one a line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from codetrans.errors import DataError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = __doc__.split("\n\n", 1)[1]
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    b = sub.add_parser("build", help="turn sources into a DatasetDict saved to disk",
                       fromfile_prefix_chars="@")
    b.add_argument("sources", nargs="+", metavar="SOURCE")
    b.add_argument("--out", required=True, help="output directory (a new or existing corpus directory)")
    b.add_argument("--tasks", nargs="+", default=None,
                   help="task types to build (default: all): document comment api commit summarize synthesize")
    b.add_argument("--num-proc", type=int, default=None, help="worker processes (default: CPU count, max 4)")
    b.add_argument("--validation", type=float, default=0.05, help="share of groups in validation (0.05)")
    b.add_argument("--test", type=float, default=0.05, help="share of groups in test (0.05)")
    b.add_argument("--near-dup", type=float, default=0.8,
                   help="MinHash Jaccard threshold for near duplicates across splits (0 = exact only)")
    b.add_argument("--max-file-bytes", type=int, default=1_000_000)
    b.add_argument("--commit-max-lines", type=int, default=400)
    b.add_argument("--commit-max-chars", type=int, default=12_000)
    b.add_argument("--commit-cap", type=int, default=None, help="most commits kept per repository")
    b.add_argument("--api-jdk-only", action="store_true", help="API sequences: JDK types only (DeepAPI)")
    b.add_argument("--no-progress", action="store_true")

    s = sub.add_parser("stats", help="counts per task / language / split of a saved corpus")
    s.add_argument("dir")
    s.add_argument("--json", action="store_true", help="print JSON instead of a table")

    h = sub.add_parser("harvest", help="download real source corpora from PyPI, Debian and npm (resumable)")
    h.add_argument("--out", required=True, help="harvest directory (downloads go to OUT/cache)")
    h.add_argument("--langs", nargs="+", default=None,
                   help="python java go ruby php javascript (default: all)")
    h.add_argument("--build", metavar="CORPUS_DIR", default=None,
                   help="then build a corpus from what was harvested into CORPUS_DIR")
    h.add_argument("--with", dest="extra", nargs="+", default=[], metavar="SOURCE",
                   help="more sources for --build, e.g. ../shared/data (research corpora)")
    h.add_argument("--num-proc", type=int, default=None)

    g = sub.add_parser("git", help="a repository's filtered commits (commits JSONL schema) on stdout")
    g.add_argument("repo")
    g.add_argument("--limit", type=int, default=None, help="stop after N kept commits")
    g.add_argument("--max-lines", type=int, default=400)
    g.add_argument("--max-chars", type=int, default=12_000)

    a = sub.add_parser("augment", help="exemplar-augmented pairs of a saved corpus (repository-local exemplars)")
    a.add_argument("dir")
    a.add_argument("--out", required=True)
    a.add_argument("--k", type=int, default=2, help="exemplars per pair (2)")
    a.add_argument("--drop", type=float, default=0.25, help="share of pairs left without exemplars (0.25)")
    a.add_argument("--budget", type=int, default=384,
                   help="tokens shared by prefix-less code and exemplars: whitespace tokens, or the --tokenizer's "
                        "(384; 0 = no limit). With a tokenizer, use the recipe's max source length minus the "
                        "prefix and </s>, so the trainer never cuts exemplars off")
    a.add_argument("--tokenizer", default=None, help="a tokenizer directory: measure --budget in its tokens")
    a.add_argument("--signatures", action="store_true", help="put each exemplar's signature before its target")
    a.add_argument("--vary-k", action="store_true",
                   help="give each pair 1..k exemplars (hash-chosen), so one model reads any count up to k")
    a.add_argument("--sample", type=int, default=None, metavar="N",
                   help="keep at most N pairs per sub-task and split (hash-chosen; pools still use every pair)")
    a.add_argument("--min-copy", type=float, default=0.0, metavar="F",
                   help="training split only: drop augmented pairs whose exemplars hold under F of the target's "
                        "words (a curriculum where reading exemplars pays; dev/test unchanged)")
    a.add_argument("--seed", default="codetrans")

    x = sub.add_parser("index", help="a compact exemplar index of a corpus' training split (tasks with no repository)")
    x.add_argument("dir", nargs="+", help="saved corpora, read in order (e.g. the zoo's corpus and the API pool)")
    x.add_argument("--out", required=True, help="output file (.npz)")
    x.add_argument("--tasks", nargs="+", default=["summarize", "api"], help="task types or sub-task ids")
    x.add_argument("--max-per-subtask", type=int, default=50_000, help="rows kept per sub-task (API sequences: all)")

    _add_api_arguments(sub)


def _add_api_arguments(sub: argparse._SubParsersAction) -> None:
    """The #38 API pool's actions: harvest projects, then turn their files into a corpus."""
    ah = sub.add_parser("api-harvest", help="(Javadoc first sentence -> JDK-only call sequence) pairs of Java "
                                            "projects' source trees, as JSON lines")
    ah.add_argument("dirs", nargs="+", metavar="DIR", help="a Java project's source tree (one project each)")
    ah.add_argument("--out", required=True, help="output file (.jsonl; replaced atomically)")
    ah.add_argument("--name", dest="names", action="append", default=[], metavar="NAME",
                    help="the project's name (owner/name), once per DIR in order (default: the folder's name)")
    ah.add_argument("--max-file-bytes", type=int, default=1_000_000)

    ap = sub.add_parser("api-pool", help="api-harvest's per-project JSONL files -> a corpus deduplicated and "
                                         "split by project (train/validation/test)")
    ap.add_argument("dir", metavar="DIR_OF_JSONL")
    ap.add_argument("--out", required=True, help="corpus directory (replaced atomically)")
    ap.add_argument("--validation", type=float, default=0.05, help="share of pairs in validation (0.05)")
    ap.add_argument("--test", type=float, default=0.05, help="share of pairs in test (0.05)")
    ap.add_argument("--min-pairs", type=int, default=300, help="least pairs per evaluation split (300)")
    ap.add_argument("--near-dup", type=float, default=0.8,
                    help="MinHash Jaccard threshold for near duplicates across projects (0 = exact only)")
    ap.add_argument("--seed", default="codetrans-api-pool", help="salt of the project-name hash")
    ap.add_argument("--splits", metavar="JSON", help="evaluate exactly these projects: {\"validation\": [...], "
                    "\"test\": [...]} or an earlier build's api_pool_report.json; every other project is train")


def _api_pool(args: argparse.Namespace) -> int:
    from codetrans.data.api_pool import PoolConfig, build_api_pool, read_splits
    from codetrans.safeio import check_out_dir

    if args.min_pairs < 0:
        raise DataError("--min-pairs must be >= 0")
    check_out_dir(args.out)
    cfg = PoolConfig(validation=args.validation, test=args.test, min_pairs=args.min_pairs,
                     near_dup=args.near_dup, seed=args.seed, fixed=read_splits(args.splits) if args.splits else None)
    res = build_api_pool(args.dir, args.out, cfg)
    print(f"api-pool: {res.summary()} -> {res.out}")
    return 0


def _api_harvest(args: argparse.Namespace) -> int:
    from codetrans.data.api_harvest import harvest_api_pairs, write_jsonl

    if args.max_file_bytes <= 0:
        raise DataError("--max-file-bytes must be positive")
    res = harvest_api_pairs(args.dirs, args.names, max_file_bytes=args.max_file_bytes)
    out = write_jsonl(res, args.out)
    print(f"api-harvest: {res.summary()} -> {out}")
    print(json.dumps({"counts": dict(sorted(res.counts.items())), "projects": res.projects}))
    return 0


def _augment(args: argparse.Namespace) -> int:
    from codetrans.retrieval.corpus import AugmentConfig, augment_corpus

    cfg = AugmentConfig(k=args.k, drop_fraction=args.drop, budget=args.budget or None,
                        signatures=args.signatures, seed=args.seed, vary_k=args.vary_k,
                        sample=args.sample, min_copy=args.min_copy)
    tokenizer = None
    if args.tokenizer:
        from codetrans.train.tokenizer import load_tokenizer  # CLI glue only: the library takes any tokenizer

        tokenizer = load_tokenizer(args.tokenizer)
    dd = augment_corpus(args.dir, args.out, cfg, tokenizer=tokenizer)
    for split, ds in dd.items():
        n = sum(1 for c in ds["n_exemplars"] if c)
        print(f"{split}: {n:,} of {len(ds):,} pairs with exemplars")
    return 0


def _index(args: argparse.Namespace) -> int:
    from codetrans.retrieval.index import build_shipped_index, load_shipped_index

    out = build_shipped_index(list(args.dir), args.out, tuple(args.tasks), max_per_subtask=args.max_per_subtask)
    sizes = {t: len(p) for t, p in load_shipped_index(out).items()}
    print(f"{out}: {out.stat().st_size / 2 ** 20:.1f} MiB, " + ", ".join(f"{t} {n:,}" for t, n in sizes.items()))
    return 0


def _build(args: argparse.Namespace) -> int:
    from codetrans.data.build import BuildConfig, build_corpus, default_num_proc

    cfg = BuildConfig(
        validation=args.validation, test=args.test,
        num_proc=args.num_proc or default_num_proc(),
        near_dup_threshold=args.near_dup or None, max_file_bytes=args.max_file_bytes,
        commit_filters={"max_changed_lines": args.commit_max_lines, "max_diff_chars": args.commit_max_chars,
                        "max_records": args.commit_cap},
        api_jdk_only=args.api_jdk_only)
    if args.tasks:
        cfg.tasks = tuple(args.tasks)
    if not 0 <= args.validation + args.test < 1:
        raise DataError("--validation + --test must be in [0, 1)")
    sources = [s for s in args.sources if s.strip()]
    from codetrans.safeio import check_out_dir

    check_out_dir(args.out)
    _summary(build_corpus(sources, args.out, cfg, progress=not args.no_progress))
    return 0


def _summary(result: Any) -> None:
    from codetrans.cli.tables import corpus_summary

    corpus_summary(result.counts, result.skipped, result.examples, result.dedup, result.seconds)


def _stats(args: argparse.Namespace) -> int:
    from codetrans.cli.tables import corpus_summary
    from codetrans.data.build import corpus_stats

    st = corpus_stats(args.dir)
    if args.json:
        print(json.dumps(st, indent=1))
        return 0
    report = Path(args.dir) / "build_report.json"
    from collections import Counter

    skipped, examples, dedup = Counter(), {}, Counter()
    if report.exists():
        r = json.loads(report.read_text())
        skipped, examples, dedup = Counter(r.get("skipped", {})), r.get("examples", {}), Counter(r.get("dedup", {}))
    corpus_summary(st["counts"], skipped, examples, dedup)
    for task, m in sorted(st["mean_tokens"].items()):
        print(f"{task}: mean tokens source {m['source']}, target {m['target']}")
    return 0


def _harvest(args: argparse.Namespace) -> int:
    import time

    from codetrans.data.harvest import harvest
    from codetrans.safeio import check_out_dir

    check_out_dir(args.out)
    t0 = time.time()
    res = harvest(args.out, args.langs)
    print(f"harvest: {len(res.sources)} sources in {time.time() - t0:.0f} s -> {res.sources_file}; "
          f"{res.report.summary()}")
    if args.build:
        from codetrans.data.build import BuildConfig, build_corpus, default_num_proc

        specs = [s["spec"] for s in res.sources] + list(args.extra)
        _summary(build_corpus(specs, args.build, BuildConfig(num_proc=args.num_proc or default_num_proc())))
    return 0


def _git(args: argparse.Namespace) -> int:
    from codetrans.data.git import CommitFilters, iter_commits
    from codetrans.data.report import SkipReport

    report = SkipReport()
    f = CommitFilters(max_records=args.limit, max_changed_lines=args.max_lines, max_diff_chars=args.max_chars)
    for c in iter_commits(args.repo, f, report):
        sys.stdout.write(json.dumps(c, ensure_ascii=False) + "\n")
    print(report.summary(), file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    return {"build": _build, "stats": _stats, "harvest": _harvest, "git": _git, "augment": _augment,
            "index": _index, "api-harvest": _api_harvest,
            "api-pool": _api_pool}[args.action](args)
