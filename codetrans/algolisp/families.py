"""Drawing one composition of templates per family: a :class:`Draft` (description, program, argument
types, input samplers, ablations) before its tests are computed.

A builder returns None when a draw does not make a sensible problem (clashing filters, a degenerate
expression...) and the caller draws again; every rng call here is part of the seeded output.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from codetrans.algolisp.phrasing import _nominal, _say, _sentence
from codetrans.algolisp.templates import (
    _NUMERIC_ONLY,
    ARITH_OPS,
    ARITH_TESTS,
    MAPS,
    POSTS,
    PREDICATES,
    REDUCERS,
    SEQ_ARG_NAMES,
    SEQ_FUNCS,
    SOURCES,
    Part,
    Source,
)


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
