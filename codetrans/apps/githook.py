"""The ``prepare-commit-msg`` hook behind ``codetrans commit --install-hook``.

The hook proposes a subject for the staged diff and never blocks a commit: if the model fails, or the
user gave a message (-m, -F, merge, amend...), it leaves the message alone.
"""

from __future__ import annotations

import logging
import os
import shlex
import stat
import sys
from pathlib import Path

from codetrans.errors import CodeTransError

logger = logging.getLogger(__name__)

MARKER = "# installed by codetrans"
HOOK_TEMPLATE = """#!/bin/sh
{marker}: proposes a commit subject for the staged diff; never blocks a commit.
case "$2" in message|template|merge|squash|commit) exit 0 ;; esac
msg=$(git diff --cached --no-color --no-ext-diff | {python} -m codetrans.cli commit --message {model_args} 2>/dev/null) || exit 0
[ -n "$msg" ] || exit 0
{{ printf '%s\\n' "$msg"; cat "$1"; }} > "$1.codetrans" && mv "$1.codetrans" "$1"
exit 0
"""


def hooks_dir(repo: str | os.PathLike = ".") -> Path:
    from codetrans.data.git import run_git
    from codetrans.errors import DataError

    try:
        out = run_git(repo, "rev-parse", "--git-path", "hooks").decode().strip()
    except DataError:
        raise CodeTransError(f"{os.path.abspath(repo)} is not inside a git repository") from None
    path = Path(out)
    return path if path.is_absolute() else Path(repo) / path


def _ours(path: Path) -> bool:
    try:
        return MARKER in path.read_text(errors="replace")
    except OSError:
        return False


def _free_backup(hook: Path) -> Path:
    """Where the user's hook goes: ``.backup``, or ``.backup.N`` when that already holds another hook of
    theirs (a backup of our own hook, or an empty name, may be overwritten; a user's hook never is)."""
    for n in range(1000):
        cand = hook.with_name(f"{hook.name}.backup" + (f".{n}" if n else ""))
        if not (cand.exists() or cand.is_symlink()) or _ours(cand):
            return cand
    raise CodeTransError(f"{hook.parent} holds 1000 backups of {hook.name}; remove some and retry")


def install_hook(repo: str | os.PathLike = ".", model: str | None = None, force: bool = False) -> Path:
    """Write the hook; an existing hook that is not ours is kept unless ``force`` (then backed up)."""
    hooks = hooks_dir(repo)
    hooks.mkdir(parents=True, exist_ok=True)
    hook = hooks / "prepare-commit-msg"
    if (hook.exists() or hook.is_symlink()) and not _ours(hook):
        if not force:
            raise CodeTransError(f"{hook} exists and was not installed by codetrans; use --force to replace it "
                                 "(the old hook is kept as prepare-commit-msg.backup, or .backup.N if that exists)")
        backup = _free_backup(hook)
        hook.replace(backup)
        logger.info("kept the previous %s as %s", hook.name, backup)
    model_args = f"--model {shlex.quote(str(Path(model).resolve()) if Path(model).exists() else model)}" if model else ""
    from codetrans.safeio import safe_write

    safe_write(hook, HOOK_TEMPLATE.format(marker=MARKER, python=shlex.quote(sys.executable), model_args=model_args))
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return hook
