"""Git history -> (diff, subject) commit-message records.

Walks ``git log --no-merges`` of any local repository and applies the filters that
``../shared/data/commits/README.md`` documents for the shared commits corpus, in the same order:
bot authors, subject length (3-30 words), subject patterns (merges, reverts, bumps, release and
automation markers, ``[skip ci]``, version-only subjects), diff filters (not UTF-8, empty, binary-only,
more than 400 changed lines, longer than 12,000 characters), then exact (diff, subject) duplicates.
Every setting lives in :class:`CommitFilters`; every dropped commit is counted under its reason in a
:class:`~codetrans.data.report.SkipReport`.

Records come out in the commits schema (repo, sha, date, subject, body, diff, files, language), or as
supervised ``commit_generation`` records via :func:`load_git_history`.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from codetrans.data.loaders import commit_record
from codetrans.data.report import Records, SkipReport
from codetrans.errors import DataError
from codetrans.tasks import ALL_EXTENSIONS, LANGUAGE_TITLES

BOT_MARKERS: tuple[str, ...] = ("[bot]", "dependabot", "renovate", "github-actions", "pre-commit-ci",
                                "greenkeeper", "allcontributors", "release tools")
# "bot" as its own token: Abbott and Talbot stay.
_BOT_WORD = re.compile(r"(?<![a-z])bot(?![a-z])")

_SUBJECT_START = re.compile(
    r"""^(?:
      merg(?:e|ed|es|ing)\b | revert | bump
    | \[maven-release-plugin\] | \[gradle\ release\ plugin\] | back\ to\ snapshot
    | updates?\ for\ the\ next\ release
    | prepare\ (?:for\ )?(?:(?:releasing|release|version)\ )?v?\d
    | prepare\ release
    | prepare\ for\ (?:the\ )?(?:next\ )?(?:v?\d+(?:\.\d+)*\ )?release
    | prepare\ (?:for\ )?version[ ]
    | prepare\ (?:for\ )?(?:the\ )?next\ development\ (?:iteration|version)
    | chore\(deps | build\(deps | fix\(deps | update\ dependency[ ]
    | \[pre-commit\.ci\] | pre-commit\ autoupdate | \[create-pull-request\]
    | automated | auto-generated | apply\ automatic\ changes
    )""", re.I | re.X)
_SUBJECT_ANYWHERE = re.compile(r"\[skip ci\]|\[ci skip|updated by (?:travis )?ci build", re.I)
_VERSION_ONLY = re.compile(
    r"^(?:(?:release|version|tag(?:ged)?)\s+)?v?\d+(?:\.\d+)+(?:[-+.]?[0-9A-Za-z.]+)?(?:\s+(?:released|release))?\.?$",
    re.I)

# Extension -> language, for "the repository's main language by bytes of source files".
_EXT_LANG = {ext: LANGUAGE_TITLES[lang] for ext, lang in ALL_EXTENSIONS.items()}


@dataclass
class CommitFilters:
    """The commit filters of ``commits/README.md``; each can be loosened or switched off."""

    drop_bots: bool = True
    bot_markers: tuple[str, ...] = BOT_MARKERS
    min_subject_words: int = 3
    max_subject_words: int = 30
    drop_subject_patterns: bool = True
    max_changed_lines: int | None = 400  # added + deleted per --numstat
    max_diff_chars: int | None = 12_000
    drop_binary_only: bool = True
    drop_empty: bool = True
    dedup: bool = True  # exact (diff, subject) duplicates within one repository
    drop_secrets: bool = True  # commits touching secret files / private keys dropped, other secrets redacted
    max_records: int | None = None  # cap per repository, most recent first (the shared corpus used 6,000)
    context_lines: int = 3
    rev: str = "HEAD"
    extra_skip_subjects: tuple[str, ...] = field(default_factory=tuple)  # more regexes, case-insensitive


def is_bot(name: str, email: str, markers: tuple[str, ...] = BOT_MARKERS) -> bool:
    who = f"{name} {email}".lower()
    return any(m in who for m in markers) or bool(_BOT_WORD.search(who))


def subject_reason(subject: str, filters: CommitFilters | None = None) -> str | None:
    """Why a subject is dropped (``subject_length``, ``subject_pattern``, ``version_only``) or None."""
    f = filters or CommitFilters()
    words = len(subject.split())
    if words < f.min_subject_words or words > f.max_subject_words:
        return "subject_length"
    if f.drop_subject_patterns:
        if _SUBJECT_START.search(subject) or _SUBJECT_ANYWHERE.search(subject):
            return "subject_pattern"
        if _VERSION_ONLY.match(subject.strip()):
            return "version_only"
    for pat in f.extra_skip_subjects:
        if re.search(pat, subject, re.I):
            return "subject_pattern"
    return None


def _git(repo: str | Path, args: tuple[str, ...], timeout: float) -> subprocess.CompletedProcess:
    # the one place the git executable runs (quotepath=off: file names come back as UTF-8, not escaped)
    return subprocess.run(["git", "-C", str(repo), "-c", "core.quotepath=off", *args], capture_output=True,
                          timeout=timeout)


def git_succeeds(repo: str | Path, *args: str, timeout: float = 120) -> bool:
    """Whether ``git -C repo ARGS`` exits 0 (False when git is missing or hangs): for yes/no questions."""
    try:
        return _git(repo, args, timeout).returncode == 0
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return False


def run_git(repo: str | Path, *args: str, check: bool = True, timeout: float = 600) -> bytes:
    """``git -C repo ARGS`` -> stdout bytes; DataError when git is missing, hangs or (``check``) fails."""
    try:
        proc = _git(repo, args, timeout)
    except FileNotFoundError as exc:
        raise DataError("git is not installed (needed to read repository histories)") from exc
    except subprocess.TimeoutExpired as exc:
        raise DataError(f"git {' '.join(args[:2])} timed out in {repo}") from exc
    if check and proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DataError(f"git {args[0]} failed in {repo}: {msg[-1] if msg else proc.returncode}")
    return proc.stdout


def staged_diff(repo: str | Path = ".") -> str:
    """``git diff --staged`` of the repository holding ``repo`` (what a commit made now would record)."""
    from codetrans.errors import CodeTransError

    # outside a repository `git diff --staged` prints its usage text as the error: say what is wrong instead
    inside = run_git(repo, "rev-parse", "--is-inside-work-tree", check=False).strip() == b"true"
    if not inside:
        raise CodeTransError(f"{Path(repo).absolute()} is not a git repository (or not its work tree): "
                             "--staged reads a repository's staged changes")
    try:
        out = run_git(repo, "diff", "--staged", "--no-color", "--no-ext-diff").decode("utf-8", "replace")
    except DataError as exc:
        raise CodeTransError(f"cannot read the staged changes: {exc}") from None
    if not out.strip():
        raise CodeTransError("nothing is staged (git add the changes first)")
    return out


def repo_root(path: str | Path) -> Path:
    """The work tree root of the repository containing ``path``; DataError when it is none."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"no such directory: {p}")
    try:
        out = run_git(p if p.is_dir() else p.parent, "rev-parse", "--show-toplevel")
    except DataError:
        raise DataError(f"not a git repository: {p}") from None
    return Path(out.decode("utf-8", "surrogateescape").strip())


def head_commit(repo: str | Path, rev: str = "HEAD") -> str | None:
    """The commit ``rev`` names, or None in a repository without commits."""
    out = run_git(repo, "rev-parse", "--verify", "-q", rev + "^{commit}", check=False).decode().strip()
    return out or None


def current_branch(repo: str | Path) -> str | None:
    """The checked-out branch's name, or None (detached HEAD, not a repository)."""
    try:
        out = run_git(repo, "symbolic-ref", "--quiet", "--short", "HEAD", check=False, timeout=30)
    except DataError:
        return None
    return out.decode("utf-8", "replace").strip() or None


def listed_files(root: str | Path) -> set[str] | None:
    """Files git would track under ``root`` (tracked + untracked, minus ignored), relative to root;
    None when ``root`` is not inside a git work tree."""
    try:
        out = run_git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    except DataError:
        return None
    return {p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p}


def repo_name(repo: Path) -> str:
    """``owner/name`` from the ``origin`` remote URL, else the directory name."""
    url = run_git(repo, "config", "--get", "remote.origin.url", check=False).decode("utf-8", "replace").strip()
    m = re.search(r"[:/]([^/:]+)/([^/]+?)(?:\.git)?/?$", url)
    return f"{m.group(1)}/{m.group(2)}" if m else repo.resolve().name


def main_language(repo: Path, rev: str = "HEAD") -> str:
    """The language with the most bytes of source files at ``rev`` ("" when none is recognised)."""
    out = run_git(repo, "ls-tree", "-r", "-l", "-z", rev, check=False)
    size: Counter = Counter()
    for entry in out.split(b"\0"):
        meta, _, name = entry.partition(b"\t")
        parts = meta.split()
        if len(parts) != 4 or not parts[3].isdigit():
            continue
        lang = _EXT_LANG.get(Path(name.decode("utf-8", "replace")).suffix.lower())
        if lang:
            size[lang] += int(parts[3])
    return size.most_common(1)[0][0] if size else ""


def _numstat(repo: Path, sha: str) -> list[tuple[int | None, int | None, str]]:
    """(added, deleted, path) per changed file; None counts for binary files."""
    out = run_git(repo, "show", "--numstat", "--no-renames", "-z", "--format=", sha)
    rows = []
    for entry in out.split(b"\0"):
        entry = entry.lstrip(b"\n")
        if not entry:
            continue
        parts = entry.split(b"\t", 2)
        if len(parts) != 3:
            continue
        a, d, p = parts
        rows.append((int(a) if a.isdigit() else None, int(d) if d.isdigit() else None,
                     p.decode("utf-8", "replace")))
    return rows


def _commit_diff(repo: Path, sha: str, f: CommitFilters,
                 report: SkipReport) -> tuple[str, list[tuple[int | None, int | None, str]]] | None:
    """The commit's diff text (from its first ``diff --git``) and numstat rows; None when it cannot be read
    (counted in ``report``)."""
    try:
        stats = _numstat(repo, sha)
        diff_bytes = run_git(repo, "show", "--format=", "--no-color", "--no-ext-diff",
                             f"-U{f.context_lines}", "--no-renames", sha)
    except DataError:
        report.skip("git_error", sha)
        return None
    try:
        diff = diff_bytes.decode("utf-8")
    except UnicodeDecodeError:
        report.skip("non_utf8", sha)
        return None
    diff = diff[diff.find("diff --git"):] if "diff --git" in diff else diff.strip("\n")
    return diff, stats


def _size_reason(stats: list[tuple[int | None, int | None, str]], diff: str, f: CommitFilters) -> str | None:
    """Why the change is not a usable training diff (binary only, empty, too big), or None."""
    text_rows = [r for r in stats if r[0] is not None]
    changed = sum((a or 0) + (d or 0) for a, d, _ in text_rows)
    if stats and not text_rows and f.drop_binary_only:
        return "binary_only"
    if changed == 0 and len(text_rows) == len(stats) and f.drop_empty:
        return "empty_diff"
    if f.max_changed_lines is not None and changed > f.max_changed_lines:
        return "too_many_lines"
    if f.max_diff_chars is not None and len(diff) > f.max_diff_chars:
        return "too_long"
    return None


def _scrub_secrets(sha: str, files: list[str], diff: str, subject: str, body: str,
                   report: SkipReport) -> tuple[str, str, str] | None:
    """(diff, subject, body) with secrets redacted; None when the commit must be dropped (:mod:`codetrans.data.secrets`)."""
    from codetrans.data.secrets import commit_drop_reason, redact

    why_secret = commit_drop_reason(files, diff)
    if why_secret:
        report.skip("secret", f"{sha[:10]} ({why_secret})")
        return None
    diff, n_diff = redact(diff)
    subject, n_subject = redact(subject)
    body, n_body = redact(body)
    if n_diff or n_subject or n_body:
        report.skip("secret_redacted", sha[:10])  # kept, with the secrets replaced
    return diff, subject, body


def _examine_commit(repo: Path, raw: bytes, f: CommitFilters, report: SkipReport) -> dict | None:
    """One ``git log`` entry through every filter but deduplication: the record's sha, date, subject, body,
    diff and files, or None when a filter dropped it (counted in ``report``)."""
    fields = raw.decode("utf-8", "replace").split("\x1f", 4)
    if len(fields) != 5:
        report.skip("git_error", fields[0][:40])
        return None
    sha, author, email, date, message = fields
    sha = sha.strip()
    if f.drop_bots and is_bot(author, email, f.bot_markers):
        report.skip("bot_author", sha)
        return None
    lines = message.strip().split("\n", 1)
    subject = lines[0].strip()
    body = lines[1].strip() if len(lines) > 1 else ""
    why = subject_reason(subject, f)
    if why:
        report.skip(why, sha)
        return None
    got = _commit_diff(repo, sha, f, report)
    if got is None:
        return None
    diff, stats = got
    why = _size_reason(stats, diff, f)
    if why:
        report.skip(why, sha)
        return None
    files = [p for _, _, p in stats]
    if f.drop_secrets:
        scrubbed = _scrub_secrets(sha, files, diff, subject, body, report)
        if scrubbed is None:
            return None
        diff, subject, body = scrubbed
    return {"sha": sha, "date": date.strip(), "subject": subject, "body": body, "diff": diff, "files": files}


def iter_commits(path: str | Path, filters: CommitFilters | None = None,
                 report: SkipReport | None = None, progress: bool = False) -> Iterator[dict]:
    """Commit records (commits schema) of the repository at ``path``, most recent first.

    Raises :class:`DataError` when ``path`` is not a repository or has no commits; every filtered
    commit is counted in ``report`` (reasons: bot_author, subject_length, subject_pattern,
    version_only, git_error, non_utf8, empty_diff, binary_only, too_many_lines, too_long, secret, duplicate,
    not_examined_cap); ``secret_redacted`` counts commits kept with secrets replaced
    (:mod:`codetrans.data.secrets`).
    """
    f = filters or CommitFilters()
    repo = repo_root(path)
    report = report if report is not None else SkipReport()
    name = repo_name(repo)
    report.source = report.source or name
    if head_commit(repo, f.rev) is None:
        raise DataError(f"repository has no commits: {repo}")
    language = main_language(repo, f.rev)
    log = run_git(repo, "log", "--no-merges", "-z", "--format=%H%x1f%an%x1f%ae%x1f%aI%x1f%B", f.rev)
    entries = [e for e in log.split(b"\0") if e.strip()]
    seen: set[bytes] = set()
    kept = 0
    bar = None
    if progress:
        from codetrans.log import progress_bar

        bar = progress_bar(total=len(entries), desc=f"git {name}", unit="commit", leave=False)
    for i, raw in enumerate(entries):
        if bar is not None:
            bar.update(1)
        if f.max_records is not None and kept >= f.max_records:
            report.skip("not_examined_cap", n=len(entries) - i)
            break
        commit = _examine_commit(repo, raw, f, report)
        if commit is None:
            continue
        if f.dedup:
            key = hashlib.sha1(commit["diff"].encode() + b"\0" + commit["subject"].encode()).digest()
            if key in seen:
                report.skip("duplicate", commit["sha"])
                continue
            seen.add(key)
        kept += 1
        report.keep()
        yield {"repo": name, **commit, "language": language}
    if bar is not None:
        bar.close()


def load_git_history(path: str | Path, filters: CommitFilters | None = None, *, raw: bool = False,
                     normalize: bool = True, progress: bool = False) -> Records:
    """The filtered commits of a local repository as ``commit_generation`` records (``source`` =
    ``normalize_diff(diff)``, ``target`` = subject, ``repo``, ``id`` = sha, ``lang``), or the raw
    commits-schema dicts with ``raw=True``. ``.report`` holds the counts per filter."""
    report = SkipReport()
    out = Records(report=report)
    for c in iter_commits(path, filters, report, progress=progress):
        out.append(c if raw else commit_record(c, normalize=normalize))
    return out
