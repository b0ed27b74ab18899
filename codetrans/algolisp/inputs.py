"""Random inputs for the tests of generated problems, by sampler kind (chosen by the ``Source`` of a
composition or by an argument's type and role)."""

from __future__ import annotations

import random
import re
from typing import Any

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
