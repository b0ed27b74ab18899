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
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from codetrans.algolisp.errors import AlgoLispError
from codetrans.algolisp.interpreter import compile_program, values_equal
from codetrans.algolisp.parser import parse, to_str
from codetrans.errors import DataError

SPLITS = ("train", "dev", "test")
# Share of signatures per split (percent): test 0-5, dev 6-11, train the rest.
_TEST_PCT, _DEV_PCT = 6, 6
N_TESTS = 10
MIN_TESTS = 5
MAX_PHRASINGS = 3  # descriptions kept per distinct program within a split

_NUM_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
_TOKEN_RE = re.compile(r"[a-z0-9_]+|[^\sa-z0-9_]")


def tokenize_text(text: str) -> list[str]:
    """Lower-case word and punctuation tokens, as in the original ``text`` field."""
    return _TOKEN_RE.findall(text.lower())


def split_of(signature: tuple) -> str:
    """The split a composition belongs to, fixed by its signature (not by the seed)."""
    h = int(hashlib.sha1("|".join(map(str, signature)).encode()).hexdigest()[:8], 16) % 100
    if h < _TEST_PCT:
        return "test"
    if h < _TEST_PCT + _DEV_PCT:
        return "dev"
    return "train"


# ------------------------------------------------------------------------------------ templates


@dataclass(frozen=True)
class Part:
    """One template: a program fragment plus phrasings.

    ``prog`` and phrasings are format strings over ``{k}`` (a sampled constant) and, for the
    pieces that wrap another expression, ``{x}``. ``args`` are the program arguments it reads.
    """

    id: str
    prog: str
    phrases: tuple[str, ...]
    adj: tuple[str, ...] = ()  # adjective phrasings of a predicate ("odd"), usable before the noun
    k: tuple[int, int] | None = None  # range of the constant {k}
    args: tuple[tuple[str, str], ...] = ()
    elem: str = "int"  # element type it accepts
    out: str = "int"  # element type (map) or return type (reducer, post)
    group: str = ""  # predicates of one group exclude each other (odd / even)
    suffix: bool = False  # map phrasings follow the noun phrase ("doubled") instead of leading it


@dataclass(frozen=True)
class Source:
    id: str
    prog: str
    elem: str
    nouns: tuple[tuple[str, str], ...]  # (noun, location) e.g. ("elements", "of a")
    args: tuple[tuple[str, str], ...]
    sampler: str  # input sampler for its main argument


P = Part
B_INT = (("b", "int"),)
B_ARR = (("b", "int[]"),)

SOURCES = (
    Source("a", "a", "int", (("elements", "of a"), ("numbers", "in a"), ("values", "in a"),
                             ("elements", "in a"), ("numbers", "of a")), (("a", "int[]"),), "array"),
    Source("words", '(str_split s " ")', "string", (("words", "in s"), ("words", "of s"),
                                                    ("words", "of the string s")), (("s", "string"),), "sentence"),
    Source("digits", "(digits a)", "int", (("digits", "of a"), ("digits", "in a"),
                                           ("digits", "of the number a")), (("a", "int"),), "bignum"),
    Source("range", "(range 1 (+ a 1))", "int", (("numbers", "from 1 to a"),
                                                 ("integers", "between 1 and a inclusive")), (("a", "int"),), "count"),
    Source("even_pos", "(map (filter (range 0 (len a)) is_even) (partial0 a deref))", "int",
           (("elements", "of a at even positions"), ("elements", "at even indices of a")), (("a", "int[]"),), "array"),
    Source("prefix", "(slice a 0 c)", "int", (("elements", "among the first c elements of a"),
                                              ("elements", "among the first c of a")), (("a", "int[]"), ("c", "int")), "array"),
)

PREDICATES = (
    P("odd", "is_odd", ("that are odd", "which are odd"), adj=("odd",), group="parity"),
    P("even", "is_even", ("that are even", "which are even"), adj=("even",), group="parity"),
    P("prime", "is_prime", ("that are prime", "which are prime numbers"), adj=("prime",), group="prime"),
    P("not_prime", "(combine ! is_prime)", ("that are not prime", "which are not prime numbers"),
      adj=("non prime",), group="prime"),
    P("positive", "(partial1 0 >)", ("that are positive", "greater than 0", "greater than zero"),
      adj=("positive",), group="sign"),
    P("negative", "(partial1 0 <)", ("that are negative", "less than 0", "smaller than zero"),
      adj=("negative",), group="sign"),
    P("gt_k", "(partial1 {k} >)", ("greater than {k}", "that are greater than {k}", "larger than {k}",
                                   "exceeding {k}"), k=(1, 20), group="gt"),
    P("lt_k", "(partial1 {k} <)", ("less than {k}", "smaller than {k}", "that are below {k}"), k=(1, 20), group="lt"),
    P("gt_b", "(partial1 b >)", ("greater than b", "larger than b", "that exceed b"), args=B_INT, group="gt"),
    P("lt_b", "(partial1 b <)", ("less than b", "smaller than b", "that are below b"), args=B_INT, group="lt"),
    P("div_k", "(lambda1 (== (% arg1 {k}) 0))", ("divisible by {k}", "that are multiples of {k}",
                                                  "that are divisible by {k}"), k=(3, 9), group="div"),
    P("ndiv_k", "(lambda1 (!= (% arg1 {k}) 0))", ("not divisible by {k}", "that are not multiples of {k}"),
      k=(3, 9), group="div"),
    P("div_b", "(lambda1 (== (% arg1 b) 0))", ("divisible by b", "that are multiples of b"), args=B_INT, group="div"),
    P("eq_b", "(partial0 b ==)", ("equal to b", "that are equal to b"), args=B_INT, group="eq"),
    P("ne_b", "(partial0 b !=)", ("different from b", "not equal to b"), args=B_INT, group="eq"),
    P("in_b", "(partial0 b contains)", ("that also appear in b", "contained in b", "that occur in b"),
      args=B_ARR, group="in"),
    P("notin_b", "(combine ! (partial0 b contains))", ("that do not appear in b", "not contained in b"),
      args=B_ARR, group="in"),
    P("sq_gt_k", "(lambda1 (> (square arg1) {k}))", ("whose square is greater than {k}",
                                                     "whose square exceeds {k}"), k=(10, 100), group="sq"),
    P("len_gt_k", "(lambda1 (> (strlen arg1) {k}))", ("longer than {k} characters", "with more than {k} letters",
                                                      "that have more than {k} characters"),
      k=(2, 6), elem="string", group="len"),
    P("len_lt_k", "(lambda1 (< (strlen arg1) {k}))", ("shorter than {k} characters", "with fewer than {k} letters"),
      k=(3, 7), elem="string", group="len"),
    P("len_eq_k", "(lambda1 (== (strlen arg1) {k}))", ("of length {k}", "with exactly {k} letters"),
      k=(2, 6), elem="string", group="len"),
    P("len_odd", "(combine is_odd strlen)", ("of odd length", "with an odd number of letters"),
      elem="string", group="lenpar"),
    P("len_even", "(combine is_even strlen)", ("of even length", "with an even number of letters"),
      elem="string", group="lenpar"),
)

MAPS = (
    P("square", "square", ("squares of", "the squares of")),
    P("cube", "(lambda1 (* arg1 (* arg1 arg1)))", ("cubed", "raised to the third power"), suffix=True),
    P("double", "(partial0 2 *)", ("doubled", "multiplied by 2", "times two"), suffix=True),
    P("mul_k", "(partial0 {k} *)", ("multiplied by {k}", "times {k}"), k=(3, 9), suffix=True),
    P("add_k", "(partial0 {k} +)", ("plus {k}", "increased by {k}", "with {k} added"), k=(1, 9), suffix=True),
    P("sub_k", "(partial1 {k} -)", ("minus {k}", "decreased by {k}"), k=(1, 9), suffix=True),
    P("mod_k", "(partial1 {k} %)", ("modulo {k}", "mod {k}"), k=(2, 9), suffix=True),
    P("div_k", "(partial1 {k} /)", ("divided by {k}", "integer divided by {k}"), k=(2, 5), suffix=True),
    P("neg", "(partial0 0 -)", ("negations of", "the negated values of")),
    P("abs", "abs", ("absolute values of", "the absolute values of")),
    P("digit_sum", "(lambda1 (reduce (digits arg1) 0 +))", ("digit sums of", "sums of digits of")),
    P("num_digits", "(combine len digits)", ("numbers of digits of", "digit counts of")),
    P("mul_b", "(partial0 b *)", ("multiplied by b", "times b"), args=B_INT, suffix=True),
    P("add_b", "(partial0 b +)", ("plus b", "increased by b"), args=B_INT, suffix=True),
    P("strlen", "strlen", ("lengths of", "the lengths of", "numbers of letters in"), elem="string"),
    P("dup", "(lambda1 (str_concat arg1 arg1))", ("repeated twice", "concatenated with themselves"),
      elem="string", out="string", suffix=True),
    P("add_z", '(lambda1 (str_concat arg1 "z"))', ("followed by the letter z", "with z appended"),
      elem="string", out="string", suffix=True),
)

# Reducers: {x} is the element expression. `out` is the return type; "list" = array of the elements.
REDUCERS = (
    P("sum", "(reduce {x} 0 +)", ("the sum of {x}", "the total of {x}", "the sum of all {x}")),
    P("product", "(reduce {x} 1 *)", ("the product of {x}", "the product of all {x}")),
    P("max", "(reduce {x} (- 0 inf) max)", ("the maximum of {x}", "the largest of {x}", "the biggest among {x}",
                                            "the maximal value among {x}")),
    P("min", "(reduce {x} inf min)", ("the minimum of {x}", "the smallest of {x}", "the minimal value among {x}")),
    P("count", "(len {x})", ("the number of {x}", "how many {x} there are", "the count of {x}"), group="nomap"),
    P("list", "{x}", ("{x}", "all {x}", "an array of {x}", "the list of {x}"), out="list"),
    P("sorted", "(sort {x})", ("{x} in ascending order", "{x} sorted", "{x} sorted from smallest to largest"),
      out="list"),
    P("sorted_desc", "(reverse (sort {x}))", ("{x} in descending order", "{x} sorted from largest to smallest"),
      out="list"),
    P("reversed", "(reverse {x})", ("{x} in reverse order", "{x} from last to first"), out="list"),
    P("first", "(head {x})", ("the first of the {x}", "the first one of the {x}"), out="elem"),
    P("last", "(head (reverse {x}))", ("the last of the {x}", "the last one of the {x}"), out="elem"),
    P("any", "(> (len {x}) 0)", ("whether there are any {x}", "if there is at least one of the {x}"),
      out="bool", group="nomap"),
    P("concat", '(reduce {x} "" str_concat)', ("the concatenation of {x}", "{x} joined together"),
      elem="string", out="string"),
    P("str_smallest", "(head (sort {x}))", ("the alphabetically first of the {x}",
                                            "the lexicographically smallest of the {x}"), elem="string", out="string"),
    P("str_largest", "(head (reverse (sort {x})))", ("the alphabetically last of the {x}",
                                                     "the lexicographically largest of the {x}"),
      elem="string", out="string"),
)
_NUMERIC_ONLY = {"sum", "product", "max", "min"}

POSTS = (
    P("square", "(square {x})", ("the square of {x}",)),
    P("plus_k", "(+ {x} {k})", ("{x} plus {k}", "{x} increased by {k}"), k=(1, 9)),
    P("mod_k", "(% {x} {k})", ("{x} modulo {k}", "the remainder of {x} divided by {k}"), k=(2, 9)),
    P("times_b", "(* {x} b)", ("{x} multiplied by b", "{x} times b"), args=B_INT),
    P("is_even", "(is_even {x})", ("whether {x} is even", "if {x} is an even number"), out="bool"),
    P("is_odd", "(is_odd {x})", ("whether {x} is odd", "if {x} is an odd number"), out="bool"),
    P("gt_b", "(> {x} b)", ("whether {x} is greater than b", "if {x} exceeds b"), args=B_INT, out="bool"),
    P("is_prime", "(is_prime {x})", ("whether {x} is prime", "if {x} is a prime number"), out="bool"),
)

ARG_PHRASES = {
    "int[]": ("an array of numbers {n}", "an array of integers {n}", "a list of numbers {n}", "an integer array {n}"),
    "int": ("a number {n}", "an integer {n}"),
    "string": ("a string {n}", "a sentence {n}", "a string of words {n}"),
}
ARR_B_PHRASES = ("another array of numbers b", "a second array b", "an array b")
VERBS = ("find", "compute", "return", "calculate", "what is", "determine", "output", "get")
BOOL_VERBS = ("check", "determine", "find out", "return")
LEADS = ("given", "you are given", "consider", "for")

# -------------------------------------------------------------------------- inputs of the tests

_WORDS = ("a ab abc the cat dog zebra apple tree sun moon sky river stone fire light code data word list "
          "map key value tea cup blue red green io x yy zzz quick brown fox jumps over lazy").split()


def sample_input(kind: str, rng: random.Random) -> Any:
    if kind == "array":
        n = rng.randint(1, 10)
        lo, hi = rng.choice(((-10, 30), (0, 100), (-50, 50), (0, 20)))
        return [rng.randint(lo, hi) for _ in range(n)]
    if kind == "small_array":
        return [rng.randint(0, 12) for _ in range(rng.randint(1, 8))]
    if kind == "sentence":
        words = [rng.choice(_WORDS) for _ in range(rng.randint(1, 8))]
        return " ".join(words) if rng.random() < 0.8 else "  ".join(words)
    if kind == "bignum":
        return rng.randint(0, 10 ** rng.randint(1, 9))
    if kind == "count":
        return rng.randint(1, 40)
    if kind == "small":
        return rng.randint(1, 10)
    if kind == "index":
        return rng.randint(0, 10)
    if kind == "int":
        return rng.randint(-10, 60) if rng.random() < 0.8 else rng.randint(-1000, 1000)
    m = re.fullmatch(r"range:(-?\d+):(-?\d+)", kind)
    if m:
        return rng.randint(int(m.group(1)), int(m.group(2)))
    raise ValueError(f"unknown input kind {kind}")


# ------------------------------------------------------------------------------------- problems


@dataclass
class Draft:
    """A sampled composition before its tests are computed."""

    family: str
    signature: tuple
    text: str
    program: str
    args: dict[str, str]
    samplers: dict[str, str]
    return_type: str
    tags: list[str]
    ablations: list[str] = field(default_factory=list)  # programs that must differ on some test


def _k(part: Part, rng: random.Random) -> int | None:
    return rng.randint(*part.k) if part.k else None


def _say(k: int | None, rng: random.Random) -> str:
    if k is None:
        return ""
    if 0 <= k <= 10 and rng.random() < 0.15:
        return _NUM_WORDS[k]
    return str(k)


def _nominal(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """Noun-phrase phrasings only, for use inside another phrase ("the square of ...")."""
    return tuple(p for p in phrases if not p.startswith("how many")) or phrases


def _intro(args: dict[str, str], rng: random.Random) -> str:
    parts = []
    for name, typ in args.items():
        if name == "b" and typ == "int[]":
            parts.append(rng.choice(ARR_B_PHRASES))
        else:
            parts.append(rng.choice(ARG_PHRASES[typ]).format(n=name))
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{rng.choice(LEADS)} {joined}"


def _sentence(args: dict[str, str], task: str, is_bool: bool, rng: random.Random) -> str:
    verb = rng.choice(BOOL_VERBS if is_bool else VERBS)
    intro = _intro(args, rng)
    if rng.random() < 0.3:
        return f"{verb} {task} , {intro.replace('you are given', 'given').replace('consider', 'given')} ."
    return f"{intro} , {verb} {task} ."


def _merge_args(parts: list[tuple[tuple[str, str], ...]]) -> dict[str, str] | None:
    out: dict[str, str] = {}
    for part in parts:
        for name, typ in part:
            if out.setdefault(name, typ) != typ:
                return None
    return out


def _arg_samplers(args: dict[str, str], source: Source | None) -> dict[str, str]:
    samplers = {}
    for name, typ in args.items():
        if source is not None and name == source.args[0][0]:
            samplers[name] = source.sampler
        elif name == "c":
            samplers[name] = "index"
        elif typ == "int[]":
            samplers[name] = "small_array" if name == "b" else "array"
        elif typ == "string":
            samplers[name] = "sentence"
        else:
            samplers[name] = "small" if source is not None else "int"
    return samplers


def _array_draft(rng: random.Random) -> Draft | None:
    src = rng.choice(SOURCES)
    preds = [p for p in PREDICATES if p.elem == src.elem]
    n_filters = rng.choices((0, 1, 2), (0.3, 0.55, 0.15))[0]
    filters: list[Part] = []
    for _ in range(n_filters):
        p = rng.choice(preds)
        if p.id in [f.id for f in filters] or p.group in [f.group for f in filters]:
            return None
        filters.append(p)
    maps = [m for m in MAPS if m.elem == src.elem]
    mp = rng.choice(maps) if rng.random() < 0.5 else None
    elem = mp.out if mp else src.elem
    reducers = [r for r in REDUCERS if r.elem in (elem, "int") and not (r.id in _NUMERIC_ONLY and elem != "int")]
    if elem == "string":
        reducers = [r for r in reducers if r.elem == "string" or r.id in ("count", "list", "sorted", "reversed",
                                                                           "first", "last", "any")]
    red = rng.choice(reducers)
    if red.group == "nomap" and mp is not None:
        return None
    ret = {"list": f"{elem}[]", "elem": elem}.get(red.out, red.out)
    post = rng.choice(POSTS) if ret == "int" and rng.random() < 0.25 else None
    args = _merge_args([src.args] + [f.args for f in filters] + ([mp.args] if mp else []) + ([post.args] if post else []))
    if args is None:
        return None
    # Filters are applied in a canonical order so one description has one program.
    filters.sort(key=lambda f: f.id)
    signature = ("array", src.id, tuple(f.id for f in filters), mp.id if mp else "-", red.id, post.id if post else "-")

    # program
    ks = {id(p): _k(p, rng) for p in filters + [mp, post] if p is not None}

    def build(skip: object = None) -> str:
        x = src.prog
        for f in filters:
            if f is not skip:
                x = f"(filter {x} {f.prog.replace('{k}', str(ks[id(f)]))})"
        if mp is not None and mp is not skip:
            x = f"(map {x} {mp.prog.replace('{k}', str(ks[id(mp)]))})"
        x = red.prog.replace("{x}", x)
        if post is not None and post is not skip:
            x = post.prog.replace("{x}", x).replace("{k}", str(ks[id(post)]))
        return x

    # text
    noun, where = rng.choice(src.nouns)
    adjs, rels = [], []
    for f in filters:
        kt = _say(ks[id(f)], rng)
        if f.adj and rng.random() < 0.6:
            adjs.append(rng.choice(f.adj))
        else:
            rels.append(rng.choice(f.phrases).replace("{k}", kt))
    np = " ".join(adjs + [noun, where])
    if rels:
        np += " " + " and ".join(rels)
    if mp is not None:
        mt = rng.choice(mp.phrases).replace("{k}", _say(ks[id(mp)], rng))
        if mp.suffix:
            np = f"{np} , each {mt}" if rels else f"{np} {mt}"
        else:
            np = f"{mt} {np}"
    task = rng.choice(_nominal(red.phrases) if post else red.phrases).replace("{x}", np)
    if post is not None:
        task = rng.choice(post.phrases).replace("{x}", task).replace("{k}", _say(ks[id(post)], rng))
    ret = post.out if post is not None else ret
    ordered = dict(sorted(args.items(), key=lambda kv: "abcs".index(kv[0]) if kv[0] in "abcs" else 9))
    if "s" in ordered:
        ordered = {"s": ordered.pop("s"), **ordered}
    text = _sentence(ordered, task, ret == "bool", rng)
    tags = ["array", f"source:{src.id}"] + [f"filter:{f.id}" for f in filters]
    tags += ([f"map:{mp.id}"] if mp else []) + [f"reduce:{red.id}"] + ([f"post:{post.id}"] if post else [])
    ablations = [build(f) for f in filters] + ([build(mp)] if mp else []) + ([build(post)] if post else [])
    return Draft("array", signature, text, build(), ordered, _arg_samplers(ordered, src), ret, tags, ablations)


# Arithmetic expressions: (arity, program, phrasings for any children, phrasings for leaf children).
ARITH_OPS: dict[str, tuple[int, str, tuple[str, ...], tuple[str, ...]]] = {
    "add": (2, "(+ {0} {1})", ("the sum of {0} and {1}",), ("{0} plus {1}",)),
    "sub": (2, "(- {0} {1})", ("the difference between {0} and {1}",), ("{0} minus {1}",)),
    "mul": (2, "(* {0} {1})", ("the product of {0} and {1}",), ("{0} times {1}", "{0} multiplied by {1}")),
    "div": (2, "(/ {0} {1})", ("the integer quotient of {0} divided by {1}",), ("{0} divided by {1}",)),
    "mod": (2, "(% {0} {1})", ("the remainder of {0} divided by {1}", "the remainder when {0} is divided by {1}"),
            ("{0} modulo {1}", "{0} mod {1}")),
    "max": (2, "(max {0} {1})", ("the maximum of {0} and {1}", "the larger of {0} and {1}"), ()),
    "min": (2, "(min {0} {1})", ("the minimum of {0} and {1}", "the smaller of {0} and {1}"), ()),
    "square": (1, "(square {0})", ("the square of {0}",), ("{0} squared",)),
    "abs": (1, "(abs {0})", ("the absolute value of {0}",), ()),
    "neg": (1, "(- 0 {0})", ("the negation of {0}", "the opposite of {0}"), ()),
    "digsum": (1, "(reduce (digits {0}) 0 +)", ("the sum of digits of {0}", "the digit sum of {0}"), ()),
    "ndig": (1, "(len (digits {0}))", ("the number of digits in {0}", "the count of digits of {0}"), ()),
    "maxdig": (1, "(reduce (digits {0}) 0 max)", ("the largest digit of {0}",), ()),
}
ARITH_TESTS: dict[str, tuple[int, str, tuple[str, ...]]] = {
    "gt": (2, "(> {0} {1})", ("whether {0} is greater than {1}", "if {0} is larger than {1}")),
    "le": (2, "(<= {0} {1})", ("whether {0} is at most {1}", "if {0} is less than or equal to {1}")),
    "eq": (2, "(== {0} {1})", ("whether {0} equals {1}", "if {0} is equal to {1}")),
    "even": (1, "(is_even {0})", ("whether {0} is even",)),
    "odd": (1, "(is_odd {0})", ("whether {0} is odd",)),
    "prime": (1, "(is_prime {0})", ("whether {0} is prime", "if {0} is a prime number")),
    "divisible": (2, "(== (% {0} {1}) 0)", ("whether {0} is divisible by {1}",)),
}


def _arith_expr(rng: random.Random, depth: int, names: list[str], top: bool = False) -> tuple[str, str, Any, bool]:
    """Returns (program, phrase, signature, is_leaf). Infix phrasings ("a plus b") only at the top,
    where they cannot be read with another grouping."""
    if depth == 0 or rng.random() < 0.3:
        if rng.random() < 0.78:
            name = rng.choice(names)
            return name, name, "L", True
        k = rng.choice((1, 2, 3, 4, 5, 6, 7, 8, 9, 10))
        return str(k), _say(k, rng), "L", True
    op = rng.choice(list(ARITH_OPS))
    arity, prog, phrases, leaf_phrases = ARITH_OPS[op]
    kids = [_arith_expr(rng, depth - 1, names) for _ in range(arity)]
    if arity == 2 and kids[0][0] == kids[1][0]:
        return _arith_expr(rng, depth, names, top)  # (- b b), (min a a): degenerate
    all_leaves = top and all(k[3] for k in kids)
    phrase = rng.choice(phrases + (leaf_phrases if all_leaves else ()))
    return (prog.format(*[k[0] for k in kids]), phrase.format(*[k[1] for k in kids]),
            (op, *[k[2] for k in kids]), False)


def _arith_draft(rng: random.Random) -> Draft | None:
    names = ["a", "b", "c"][: rng.choice((1, 2, 2, 3))]
    max_depth = rng.choice((1, 2, 2, 3))
    if rng.random() < 0.3:
        test = rng.choice(list(ARITH_TESTS))
        arity, prog, phrases = ARITH_TESTS[test]
        kids = [_arith_expr(rng, max_depth - 1, names, top=True) for _ in range(arity)]
        if arity == 2 and kids[0][0] == kids[1][0]:
            return None
        program = prog.format(*[k[0] for k in kids])
        task = rng.choice(phrases).format(*[k[1] for k in kids])
        signature: tuple = ("arith", test, *[k[2] for k in kids])
        ret = "bool"
    else:
        program, task, sig, leaf = _arith_expr(rng, max_depth, names, top=True)
        if leaf:
            return None
        signature, ret = ("arith", sig), "int"
    used = [n for n in names if re.search(rf"(?<![\w-]){n}(?![\w-])", program)]
    if not used:
        return None
    args = {n: "int" for n in used}
    text = _sentence(args, task, ret == "bool", rng)
    tags = ["arith"] + sorted({f"op:{t}" for t in re.findall(r"'(\w+)'", repr(signature)) if t not in ("arith", "L")})
    return Draft("arith", signature, text, program, args, {n: "int" for n in used}, ret, tags)


# Number functions of one argument {0}: (program, phrasings, input kind).
SEQ_FUNCS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "factorial": ("(invoke1 (lambda1 (if (<= arg1 1) 1 (* arg1 (self (- arg1 1))))) {0})",
                  ("the factorial of {0}", "{0} factorial"), "range:0:12"),
    "fibonacci": ("(invoke1 (lambda1 (if (<= arg1 1) arg1 (+ (self (- arg1 1)) (self (- arg1 2))))) {0})",
                  ("the {0}-th fibonacci number", "the fibonacci number at position {0}"), "range:0:12"),
    "pow2": ("(pow 2 {0})", ("2 to the power of {0}", "two raised to the power {0}"), "range:0:30"),
    "collatz": ("(invoke1 (lambda1 (if (<= arg1 1) 0 (+ 1 (self (if (is_even arg1) (/ arg1 2) "
                "(+ (* 3 arg1) 1)))))) {0})",
                ("the number of collatz steps needed to reach 1 from {0}",
                 "how many steps the collatz process takes to get from {0} to 1"), "range:1:40"),
    "digital_root": ("(invoke1 (lambda1 (if (< arg1 10) arg1 (self (reduce (digits arg1) 0 +)))) {0})",
                     ("the digital root of {0}",
                      "the result of repeatedly summing the digits of {0} until one digit remains"), "bignum"),
    "num_divisors": ("(len (filter (range 1 (+ {0} 1)) (lambda1 (== (% {0} arg1) 0))))",
                     ("the number of divisors of {0}", "how many divisors {0} has"), "range:1:200"),
    "sum_proper_divisors": ("(reduce (filter (range 1 {0}) (lambda1 (== (% {0} arg1) 0))) 0 +)",
                            ("the sum of proper divisors of {0}", "the sum of all divisors of {0} smaller than {0}"),
                            "range:1:200"),
    "isqrt": ("(floor (sqrt {0}))", ("the integer square root of {0}", "the square root of {0} rounded down"),
              "range:0:500"),
    "is_square": ("(== (square (floor (sqrt {0}))) {0})", ("whether {0} is a perfect square",), "range:0:100"),
    "sum_squares": ("(reduce (map (range 1 (+ {0} 1)) square) 0 +)",
                    ("the sum of squares of all numbers from 1 to {0}",), "range:0:40"),
}
SEQ_ARG_NAMES = ("a", "n", "x", "k")


def _seq_draft(rng: random.Random) -> Draft | None:
    fn = rng.choice(list(SEQ_FUNCS))
    prog, phrases, kind = SEQ_FUNCS[fn]
    name = rng.choice(SEQ_ARG_NAMES)
    ret = "bool" if fn.startswith("is_") else "int"
    post = rng.choice(POSTS) if ret == "int" and rng.random() < 0.5 else None
    args = {name: "int"}
    if post is not None and post.args:
        if name == "b":
            return None
        args["b"] = "int"
    k = _k(post, rng) if post else None
    program = prog.format(name)
    task = rng.choice(_nominal(phrases) if post else phrases).format(name)
    ablations = []
    if post is not None:
        ablations.append(program)
        program = post.prog.replace("{x}", program).replace("{k}", str(k))
        task = rng.choice(post.phrases).replace("{x}", task).replace("{k}", _say(k, rng))
        ret = post.out
    text = _sentence(args, task, ret == "bool", rng)
    signature = ("seq", fn, post.id if post else "-")
    samplers = {name: kind, **({"b": "small"} if "b" in args else {})}
    tags = ["seq", f"func:{fn}"] + ([f"post:{post.id}"] if post else [])
    return Draft("seq", signature, text, program, args, samplers, ret, tags, ablations)


FAMILIES: dict[str, tuple[float, Callable[[random.Random], Draft | None]]] = {
    "array": (0.6, _array_draft),
    "arith": (0.3, _arith_draft),
    "seq": (0.1, _seq_draft),
}


def _has_float(v: Any) -> bool:
    if isinstance(v, float):
        return True
    if isinstance(v, list):
        return any(_has_float(x) for x in v)
    return False


def _make_tests(draft: Draft, rng: random.Random) -> list[dict] | None:
    prog = compile_program(draft.program, tuple(draft.args))
    tests = []
    for _ in range(N_TESTS):
        inputs = {n: sample_input(draft.samplers[n], rng) for n in draft.args}
        try:
            out = prog.run(inputs)
        except AlgoLispError:
            continue
        if _has_float(out) or (isinstance(out, int) and not isinstance(out, bool) and abs(out) > 10**15):
            continue
        tests.append({"input": inputs, "output": out})
    if len(tests) < MIN_TESTS:
        return None
    outs = [t["output"] for t in tests]
    if all(values_equal(o, outs[0]) for o in outs[1:]):
        return None  # a constant answer: the description would not matter
    for alt in draft.ablations:
        alt_prog = compile_program(alt, tuple(draft.args))
        same = True
        for t in tests:
            try:
                if not values_equal(alt_prog.run(t["input"]), t["output"]):
                    same = False
                    break
            except AlgoLispError:
                same = False
                break
        if same:
            return None  # the tests cannot tell this part of the description is needed
    return tests


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
