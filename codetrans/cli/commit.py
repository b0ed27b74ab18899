"""`codetrans commit`: a commit subject for a diff, the staged changes (``--staged``), or the
prepare-commit-msg hook (``--install-hook``). The shared flags and loop: :mod:`codetrans.cli.generate`."""

from __future__ import annotations

import argparse

from codetrans.cli import generate as G
from codetrans.errors import CodeTransError


def _own_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--install-hook", action="store_true",
                        help="install a prepare-commit-msg hook in the current git repository")
    parser.add_argument("--force", action="store_true", help="with --install-hook: replace a foreign hook")
    parser.add_argument("--staged", action="store_true", help="suggest a subject for the staged changes of the "
                        "current repository (git diff --staged)")
    parser.add_argument("--message", action="store_true", help="print a commit message: the subject, then where "
                        "it came from as a '#' comment line (git drops it); what the hook writes")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    G.add_arguments(parser, _own_arguments)


def run(args: argparse.Namespace) -> int:
    G.quiet_transformers()
    if args.install_hook:
        return _install_hook(args)
    inputs = None
    if args.staged:
        from codetrans.data.git import staged_diff

        if args.files != ["-"]:
            raise CodeTransError("--staged reads the staged changes: give no diff files")
        inputs = [(None, staged_diff("."))]
    return G.run(args, inputs=inputs)


def _install_hook(args: argparse.Namespace) -> int:
    from codetrans.apps.githook import install_hook

    if args.model is None:
        from codetrans.serving.zoo import resolve

        resolve(None, task="commit")  # fail now, not at every commit
    hook = install_hook(".", model=args.model, force=args.force)
    print(f"installed {hook}")
    return 0
