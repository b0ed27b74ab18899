"""Export a Java project's sources out of a bare git snapshot and harvest its API pairs (issue #38).

    python scripts/api_export.py GITDIR OWNER/NAME --src /work/api_src --pool /work/corpora/api_pool [--clean]

Writes ``*.java`` files, the root licence files and the root ``pom.xml`` of HEAD to ``SRC/<name>`` (blobs the
snapshot lacks are skipped and counted: ``git archive`` stops at the first one), then runs
``codetrans data api-harvest`` into ``POOL/<owner>__<name>.jsonl``. ``--clean`` removes the exported tree and
the snapshot afterwards (disk: a few hundred projects do not fit otherwise). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_KEEP_ROOT = ("license", "licence", "copying", "notice", "pom.xml")


# The licence a root licence file names (first match wins; the data card lists it per project).
_LICENCES = (("Apache License", "Apache-2.0"), ("Eclipse Public License - v 2.0", "EPL-2.0"),
             ("Eclipse Public License", "EPL-1.0"), ("Eclipse Distribution License", "EDL-1.0"),
             ("GNU LESSER GENERAL PUBLIC LICENSE", "LGPL"), ("GNU GENERAL PUBLIC LICENSE", "GPL"),
             ("Mozilla Public License", "MPL-2.0"), ("MIT License", "MIT"),
             ("Permission is hereby granted, free of charge", "MIT"),
             ("Redistribution and use in source and binary forms", "BSD"))


def licence_of(root: Path) -> str:
    """The licence named by the root licence file (first 3 KB), or "unknown"."""
    for path in sorted(root.iterdir()):
        if path.is_file() and path.name.lower().startswith(("license", "licence", "copying")):
            head = path.read_bytes()[:3000].decode("utf-8", "replace")
            for needle, name in _LICENCES:
                if needle.lower() in head.lower():
                    return f"{name} ({path.name})"
    return "unknown"


def wanted(path: str) -> bool:
    if path.endswith(".java"):
        return True
    return "/" not in path and path.lower().startswith(_KEEP_ROOT)


def export(gitdir: Path, dest: Path) -> dict:
    git = ["git", f"--git-dir={gitdir}"]
    listing = subprocess.run(git + ["ls-tree", "-r", "-z", "HEAD"], capture_output=True, check=True).stdout
    blobs = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, path = entry.split(b"\t", 1)
        mode, kind, sha = meta.split()
        name = path.decode("utf-8", "replace")
        if kind == b"blob" and mode != b"120000" and wanted(name) and ".." not in name.split("/"):
            blobs.append((sha.decode(), name))
    # the object names from a file, not a pipe: writing them all before reading would deadlock on big trees
    with tempfile.TemporaryFile() as names:
        names.write("".join(f"{sha}\n" for sha, _ in blobs).encode())
        names.seek(0)
        proc = subprocess.Popen(git + ["cat-file", "--batch"], stdin=names, stdout=subprocess.PIPE)
    written = missing = 0
    for _sha, name in blobs:
        header = proc.stdout.readline().split()
        if len(header) < 3 or header[1] == b"missing":
            missing += 1
            continue
        data = proc.stdout.read(int(header[2]))
        proc.stdout.read(1)  # the newline after each object
        out = dest / name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        written += 1
    proc.wait()
    return {"listed": len(blobs), "written": written, "missing": missing}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gitdir", type=Path)
    ap.add_argument("name")
    ap.add_argument("--src", type=Path, default=Path("/work/api_src"))
    ap.add_argument("--pool", type=Path, default=Path("/work/corpora/api_pool"))
    ap.add_argument("--clean", action="store_true")
    args = ap.parse_args()
    owner, _, repo = args.name.partition("/")
    dest = args.src / repo
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    stats = {"project": args.name, **export(args.gitdir, dest)}
    stats["licence"] = licence_of(dest)
    args.pool.mkdir(parents=True, exist_ok=True)
    out = args.pool / f"{owner}__{repo}.jsonl"
    run = subprocess.run([str(Path(sys.executable).with_name("codetrans")), "data", "api-harvest", str(dest), "--name", args.name,
                          "--out", str(out)], capture_output=True, text=True)
    stats["harvest"] = (run.stdout.strip() or run.stderr.strip()).splitlines()[-1:] or [""]
    stats["rc"] = run.returncode
    if args.clean:
        shutil.rmtree(dest, ignore_errors=True)
        shutil.rmtree(args.gitdir.parent if args.gitdir.name == "repo" else args.gitdir, ignore_errors=True)
    print(json.dumps(stats))
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
