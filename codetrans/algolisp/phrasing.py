"""The English side of generated problems: tokenisation of descriptions, the word lists of a problem
sentence (argument introductions, verbs, leads) and the helpers that assemble it."""

from __future__ import annotations

import random
import re

_NUM_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
_TOKEN_RE = re.compile(r"[a-z0-9_]+|[^\sa-z0-9_]")


ARG_PHRASES = {
    "int[]": ("an array of numbers {n}", "an array of integers {n}", "a list of numbers {n}", "an integer array {n}"),
    "int": ("a number {n}", "an integer {n}"),
    "string": ("a string {n}", "a sentence {n}", "a string of words {n}"),
}
ARR_B_PHRASES = ("another array of numbers b", "a second array b", "an array b")
VERBS = ("find", "compute", "return", "calculate", "what is", "determine", "output", "get")
BOOL_VERBS = ("check", "determine", "find out", "return")
LEADS = ("given", "you are given", "consider", "for")


def tokenize_text(text: str) -> list[str]:
    """Lower-case word and punctuation tokens, as in the original ``text`` field."""
    return _TOKEN_RE.findall(text.lower())


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
