"""Recover per-project API pool files from a shipped index (issue #38).

    python scripts/api_pool_from_index.py INDEX.npz --out /work/corpora/api_pool [--skip-prefix openjdk]

The shipped ``context_index.npz`` holds every training pair of the API pool it was built from (the description as
the pipeline reads a query, cut to 64 words; the call sequence; ``project:method``). When the harvested
``<owner>__<name>.jsonl`` files are gone (a new machine), this writes them back in the harvest's record shape, so
``codetrans data api-pool`` can rebuild the corpus with newly harvested projects beside them without fetching the
old ones again. What cannot come back: the file path, the original sentence (``meta.description``) and the words
past the 64th of a long description. Pairs whose project starts with a ``--skip-prefix`` (the JDK's own source
pool, which is another corpus) are left out. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from codetrans.retrieval.index import load_shipped_index
from codetrans.tasks import API


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("index", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--skip-prefix", action="append", default=[])
    args = ap.parse_args()
    pool = load_shipped_index(args.index)[API]
    by_project: dict[str, list[dict]] = defaultdict(list)
    skipped = 0
    for source, target, meta in zip(pool.inputs, pool.targets, pool.metas, strict=True):
        project, _, method = str((meta or {}).get("id", "")).partition(":")
        if "/" not in project or any(project.startswith(p) for p in args.skip_prefix):
            skipped += 1
            continue
        by_project[project].append({
            "task": API, "source": source, "target": target, "lang": "java", "repo": project, "path": "",
            "func_name": method, "id": f"{project}:{method}", "group": project, "references": [],
            "meta": {"recovered_from": args.index.name}})
    args.out.mkdir(parents=True, exist_ok=True)
    for project, rows in by_project.items():
        owner, _, name = project.partition("/")
        with open(args.out / f"{owner}__{name}.jsonl", "w", encoding="utf-8") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    print(json.dumps({"projects": len(by_project), "pairs": sum(map(len, by_project.values())),
                      "skipped": skipped, "out": str(args.out)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
