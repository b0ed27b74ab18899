"""A problem generator for AlgoLisp program synthesis, after the original metagen dataset.

A problem is a *composition* of small templates, each carrying a program fragment and several
phrasings, with random parameters (thresholds, multipliers, argument names):

* ``array``: a source of elements (an array ``a``, the words of a string ``s``, the digits of a
  number, the numbers from 1 to ``a``, ...) -> up to two filters -> an optional map -> a reducer
  (sum, count, max, sorted, ...) -> an optional post-operation (square, modulo k, is even, ...).
  "given an array of numbers a , find the sum of squares of odd elements of a" ->
  ``(reduce (map (filter a is_odd) square) 0 +)``.
* ``arith``: arithmetic expression trees over number arguments, optionally tested by a predicate.
* ``seq``: recursive or iterative number functions (factorial, fibonacci, digital root...) with a
  post-operation.

The *signature* of a composition is the tuple of template ids without their parameters. Every
signature is assigned to train, dev or test by a hash, so dev/test programs are combinations never
seen in training (each single template is still seen in training, in other combinations). Tests are
computed by the interpreter on random inputs; a problem is kept only when its tests have at least two
distinct outputs and leaving out any filter, map or post-operation changes some output, so the
description must be read to get the program right. Everything is reproducible from the seed.

This module is the driver (splits, de-duplication, chunked and parallel generation); the templates
are in :mod:`~codetrans.algolisp.templates`, their composition in :mod:`~codetrans.algolisp.families`,
the sentence helpers in :mod:`~codetrans.algolisp.phrasing`, test inputs in
:mod:`~codetrans.algolisp.inputs` and the test computation and filtering in
:mod:`~codetrans.algolisp.checks`. Their public names are re-exported here.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from typing import Any

from codetrans.algolisp.checks import MIN_TESTS, N_TESTS, _make_tests
from codetrans.algolisp.families import FAMILIES, Draft
from codetrans.algolisp.inputs import sample_input
from codetrans.algolisp.parser import parse, to_str
from codetrans.algolisp.phrasing import ARG_PHRASES, ARR_B_PHRASES, BOOL_VERBS, LEADS, VERBS, tokenize_text
from codetrans.algolisp.templates import (
    ARITH_OPS,
    ARITH_TESTS,
    B_ARR,
    B_INT,
    MAPS,
    POSTS,
    PREDICATES,
    REDUCERS,
    SEQ_ARG_NAMES,
    SEQ_FUNCS,
    SOURCES,
    P,
    Part,
    Source,
)
from codetrans.errors import DataError

__all__ = [
    "ARG_PHRASES", "ARITH_OPS", "ARITH_TESTS", "ARR_B_PHRASES", "BOOL_VERBS", "B_ARR", "B_INT", "CHUNK_SIZE",
    "Draft", "FAMILIES", "LEADS", "MAPS", "MAX_PHRASINGS", "MIN_TESTS", "N_TESTS", "P", "POSTS", "PREDICATES",
    "Part", "REDUCERS", "SEQ_ARG_NAMES", "SEQ_FUNCS", "SOURCES", "SPLITS", "Source", "VERBS",
    "draft_to_problem", "generate", "iter_problems", "sample_input", "split_of", "tokenize_text",
]

SPLITS = ("train", "dev", "test")
# Share of signatures per split (percent): test 0-5, dev 6-11, train the rest.
_TEST_PCT, _DEV_PCT = 6, 6
MAX_PHRASINGS = 3  # descriptions kept per distinct program within a split


def split_of(signature: tuple) -> str:
    """The split a composition belongs to, fixed by its signature (not by the seed)."""
    h = int(hashlib.sha1("|".join(map(str, signature)).encode()).hexdigest()[:8], 16) % 100
    if h < _TEST_PCT:
        return "test"
    if h < _TEST_PCT + _DEV_PCT:
        return "dev"
    return "train"


def draft_to_problem(draft: Draft, tests: list[dict]) -> dict:
    """A record in the original AlgoLisp JSONL schema."""
    return {
        "text": tokenize_text(draft.text),
        "args": dict(draft.args),
        "return_type": draft.return_type,
        "short_tree": parse(draft.program),
        "tests": tests,
        "tags": draft.tags,
    }


def iter_problems(split: str, seed: int | str = 0, exclude_programs: set[str] | None = None,
                  max_attempts: int | None = None) -> Iterator[dict]:
    """Problems of one split, endlessly, distinct in text and program, reproducible from ``seed``."""
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")
    rng = random.Random(f"algolisp:{seed}:{split}")
    names = list(FAMILIES)
    weights = [FAMILIES[n][0] for n in names]
    seen_texts: set[str] = set()
    seen_programs: dict[str, int] = {}
    exclude = exclude_programs or set()
    failures = 0
    while True:
        fam = rng.choices(names, weights)[0]
        draft = FAMILIES[fam][1](rng)
        if draft is None or split_of(draft.signature) != split:
            continue
        tree = parse(draft.program)
        if isinstance(tree, str):
            continue  # a bare argument ("all elements of a"): nothing to synthesise
        program = to_str(tree)
        if draft.text in seen_texts or program in exclude or seen_programs.get(program, 0) >= MAX_PHRASINGS:
            failures += 1
        else:
            tests = _make_tests(draft, rng)
            if tests is not None:
                failures = 0
                seen_texts.add(draft.text)
                seen_programs[program] = seen_programs.get(program, 0) + 1
                yield draft_to_problem(draft, tests)
                continue
            failures += 1
        if max_attempts is not None and failures > max_attempts:
            raise DataError(f"could not generate more distinct {split} problems "
                            f"({failures} attempts in a row failed)")


CHUNK_SIZE = 250  # problems per independently seeded chunk (the unit of parallel work)


def _chunk(job: tuple[str, int | str, int, int]) -> list[dict]:
    split, seed, index, size = job
    it = iter_problems(split, seed=f"{seed}.{index}", max_attempts=20_000)
    return [next(it) for _ in range(size)]


def generate(n_train: int, n_dev: int, n_test: int, seed: int = 0,
             progress: Callable[[str, int], None] | None = None, workers: int = 1) -> dict[str, list[dict]]:
    """Generate the three splits, reproducibly from ``seed`` whatever the number of ``workers``.

    Each split is built from chunks seeded by (seed, split, chunk index), merged in index order with
    global de-duplication (distinct descriptions, at most ``MAX_PHRASINGS`` per program), so the
    result does not depend on how many processes made the chunks. Dev/test programs never occur in
    train, nor test programs in dev.
    """
    out: dict[str, list[dict]] = {}
    earlier: set[str] = set()
    pool = None
    if workers > 1:
        import multiprocessing

        pool = multiprocessing.get_context("spawn").Pool(workers)
    try:
        for split, n in (("train", n_train), ("dev", n_dev), ("test", n_test)):
            out[split] = _merge_chunks(split, n, seed, earlier, pool, workers, progress)
            earlier |= {to_str(p["short_tree"]) for p in out[split]}
    finally:
        if pool is not None:
            pool.terminate()
    return out


def _merge_chunks(split: str, n: int, seed: int, exclude: set[str], pool: Any, workers: int,
                  progress: Callable[[str, int], None] | None) -> list[dict]:
    problems: list[dict] = []
    texts: set[str] = set()
    counts: dict[str, int] = {}
    size = min(CHUNK_SIZE, max(n, 1))
    index = 0
    barren = 0  # consecutive chunks that added nothing
    while len(problems) < n:
        need = -(-(n - len(problems)) // size)
        k = min(need, 4 * workers) if pool is not None else 1
        jobs = [(split, seed, index + i, size) for i in range(k)]
        index += k
        chunks = pool.imap(_chunk, jobs) if pool is not None else map(_chunk, jobs)
        for chunk in chunks:
            added = 0
            for p in chunk:
                if len(problems) >= n:
                    break
                text, program = " ".join(p["text"]), to_str(p["short_tree"])
                if text in texts or program in exclude or counts.get(program, 0) >= MAX_PHRASINGS:
                    continue
                texts.add(text)
                counts[program] = counts.get(program, 0) + 1
                problems.append(p)
                added += 1
            if progress is not None and added:
                progress(split, added)
            barren = 0 if added else barren + 1
            if barren > 20:
                raise DataError(f"could not generate {n} distinct {split} problems (stuck at {len(problems)})")
    return problems
