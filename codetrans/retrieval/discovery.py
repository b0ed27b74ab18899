"""Which folder a file is grounded in when the user names none (issue #37, item 4).

Its git work tree; outside git, its folder only when that folder is small: a folder such as ``/tmp``, a
download folder beside an unpacked library or a home directory is no project, and walking it costs seconds
and memory for exemplars of someone else's code. ``--context DIR`` (or ``context=DIR``) still grounds in any
folder, within :data:`codetrans.retrieval.pools.EXPLICIT_TREE`'s budget.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from codetrans.errors import DataError
from codetrans.retrieval.pools import _root_and_head

#: A file outside any git repository is grounded in its folder only when the folder holds at most this many
#: source files (virtualenvs, node_modules, caches and hidden folders not counted): a folder such as /tmp or a
#: home directory is no project, and walking it costs seconds and memory for exemplars of someone else's code.
SMALL_FOLDER_FILES = 2_000
_SMALL_FOLDER_SECONDS = 5.0  # counting stops here too: a folder that slow to list is not small


def count_source_files(folder: str | Path, limit: int = SMALL_FOLDER_FILES,
                       max_seconds: float = _SMALL_FOLDER_SECONDS) -> int:
    """Files of a known language under ``folder``, counting stopped past ``limit`` (then ``limit + 1``) or
    ``max_seconds``; links are not followed; virtualenvs, vendored/build folders (node_modules, caches ...),
    hidden folders and unreadable entries are left out."""
    from codetrans.data.sources import EXT_LANG, SKIP_DIRS

    start, n = time.monotonic(), 0
    stack = [Path(folder)]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for e in entries:
            try:
                if e.is_symlink():
                    continue
                if e.is_dir():
                    if e.name not in SKIP_DIRS and not e.name.startswith(".") \
                            and not os.path.exists(os.path.join(e.path, "pyvenv.cfg")):
                        stack.append(Path(e.path))
                elif os.path.splitext(e.name)[1].lower() in EXT_LANG:
                    n += 1
            except OSError:
                continue
            if n > limit or time.monotonic() - start > max_seconds:
                return limit + 1
    return n


def grounding_root(path: str | Path) -> Path:
    """The folder a file is grounded in when no ``--context`` is given: its git work tree; outside git, its
    folder when that is small (:data:`SMALL_FOLDER_FILES`). A folder itself is its own root.

    Raises :class:`DataError` (the caller generates without context, saying why) for a large folder."""
    root, head = _root_and_head(path)
    if head is not None or Path(path).is_dir():
        return root
    if count_source_files(root) > SMALL_FOLDER_FILES:
        raise DataError(f"{root} is not in a git repository and holds more than {SMALL_FOLDER_FILES:,} source "
                        f"files, too many to ground in (--context {root} grounds in it anyway)")
    return root


__all__ = ["SMALL_FOLDER_FILES", "count_source_files", "grounding_root"]
