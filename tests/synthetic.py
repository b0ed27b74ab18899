"""A small learnable dataset in the contract's record shape (task/source/target[/references])."""

from __future__ import annotations

import random

VERBS = ["get", "set", "load", "save", "parse", "build", "find", "remove", "update", "check"]
NOUNS = ["user", "name", "file", "config", "path", "token", "cache", "record", "value", "list"]
FILES = ["Foo", "Bar", "Main", "Util", "Store"]


def doc_item(rng: random.Random) -> dict:
    v, n1, n2 = rng.choice(VERBS), rng.choice(NOUNS), rng.choice(NOUNS)
    fname = f"{v}_{n1}_{n2}"
    source = f"def {fname} ( self , {n2} ) : return self . {n1} [ {n2} ]"
    return {"task": "code_documentation_generation_python", "source": source,
            "target": f"{v} the {n1} {n2} .", "func_name": fname, "references": []}


def commit_item(rng: random.Random) -> dict:
    f, a, b = rng.choice(FILES), rng.choice(NOUNS), rng.choice(NOUNS)
    source = (f"mmm a / src / {f} . java <nl> ppp b / src / {f} . java <nl> - int {a} ; <nl> "
              f"+ int {b} ; <nl>")
    return {"task": "commit_generation", "source": source, "target": f"rename {a} to {b} in {f} .",
            "func_name": "", "references": []}


def build(n_train: int = 240, n_test: int = 24, seed: int = 0, multi_ref: bool = True) -> dict[str, list[dict]]:
    """{'train', 'validation', 'test'} lists of records for two sub-tasks."""
    rng = random.Random(seed)
    splits: dict[str, list[dict]] = {}
    for split, n in (("train", n_train), ("validation", n_test), ("test", n_test)):
        rows = [doc_item(rng) for _ in range(n)] + [commit_item(rng) for _ in range(n)]
        splits[split] = rows
    if multi_ref:  # a second reference for some test items, like CODE-NN's C# dev set
        for r in splits["test"][::3]:
            r["references"] = [r["target"], r["target"].replace(" the ", " a ")]
    return splits


def save(path, **kw) -> str:
    import datasets

    splits = build(**kw)
    dd = datasets.DatasetDict({k: datasets.Dataset.from_list(v) for k, v in splits.items()})
    dd.save_to_disk(str(path))
    return str(path)
