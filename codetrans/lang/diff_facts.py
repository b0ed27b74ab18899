"""What a diff says about itself: the files it changes and the changelog entries it adds, as readable text.

Commit-message models read diffs in the NNGen token format (:func:`codetrans.lang.diff.normalize_diff`),
and so do the evaluation records; everything here works on that format, so the pipelines (which normalize
the user's ``git diff`` first) and the harness see the same facts.

Many projects write the change's description into the diff itself: Apache projects add an ``<action>`` to
``src/changes/changes.xml``, others a bullet to ``CHANGES.rst`` / ``CHANGELOG.md`` or a towncrier fragment
(``changelog/1234.bugfix.rst``). On commons-lang, 22% of commits carry one, and it is usually the subject
itself. :func:`changelog_entries` reads them back; :func:`detokenize` undoes the format's spacing so that the
text can be compared with (and read as) a commit subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from codetrans.lang.diff import NL
from codetrans.lang.extract import is_test_path

# a changelog file or a file in a changelog fragment folder (towncrier's changelog/, newsfragments/, ...)
_CHANGELOG = re.compile(
    r"(?:^|/)(?:changes|changelog|history|news|release[-_]?notes|whatsnew)(?:\.[a-z]+)?$"
    r"|(?:^|/)(?:changelog|changes|newsfragments|changelog\.d|\.changes|\.changeset)/", re.I)
_XML_ACTION = re.compile(r"< action\b[^>]*> (.*?)(?: < / action >|$)")
_BULLET = re.compile(r"^(?:[-*+]|\d+ \.)\s+(.*)$")
_RST_ROLE = re.compile(r"\s*: \w+ : ` [^`]*? `")  # :issue:`123`: a link, not words of the entry
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_CONTRACTION = re.compile(r"(\w) ' (s|t|ll|re|ve|d|m)\b")
_NO_SPACE_BEFORE = frozenset(".,;:!?)]}")
_NO_SPACE_AFTER = frozenset("([{#@")
_JOINERS = frozenset("./-_")
_OPERATOR = frozenset("<>=!")
_SENTENCE_END = re.compile(r"(?<=\w)[.!?](?=\s|$)")
_MAX_WORDS = 30


@dataclass(frozen=True)
class ChangedFile:
    """One file of a diff: its path (the new one; the old one for a deletion) and whether it is new or gone."""

    path: str
    added: bool = False
    deleted: bool = False

    @property
    def stem(self) -> str:
        """The file name without its extension (``StopWatch`` for ``.../StopWatch.java``)."""
        name = self.path.rsplit("/", 1)[-1]
        return name.split(".", 1)[0] if not name.startswith(".") else name

    @property
    def is_changelog(self) -> bool:
        return bool(_CHANGELOG.search(self.path))


def diff_lines(source: str) -> list[str]:
    """The lines of a diff in the token format."""
    return [line.strip() for line in source.split(NL) if line.strip()]


def _path(tokens: str) -> str:
    return tokens.replace(" ", "")


_BINARY = re.compile(r"^Binary files (.+?) and (.+?) differ$")


def changed_files(source: str) -> list[ChangedFile]:
    """The files a (token-format) diff changes, in order (binary files too: ``Binary files a/x and b/x differ``)."""
    out: list[ChangedFile] = []
    old = None
    for line in diff_lines(source):
        binary = _BINARY.match(line)
        if binary:
            a, b = _path(binary.group(1)), _path(binary.group(2))
            added, deleted = a == "/dev/null", b == "/dev/null"
            path = a if deleted else b
            out.append(ChangedFile(path[2:] if path[:2] in ("a/", "b/") else path, added=added, deleted=deleted))
            continue
        if line.startswith("mmm "):
            old = _path(line[4:])
        elif line.startswith("ppp ") and old is not None:
            new = _path(line[4:])
            added, deleted = old == "/dev/null", new == "/dev/null"
            path = old if deleted else new
            path = path[2:] if path[:2] in ("a/", "b/") else path
            out.append(ChangedFile(path, added=added, deleted=deleted))
            old = None
    return out


def code_stems(source: str) -> list[str]:
    """Names of the changed source files (not changelogs, not build files), test suffixes dropped, first
    mention first: the classes or modules a subject would name (``StopWatchTest.java`` -> ``StopWatch``)."""
    seen: dict[str, None] = {}
    for f in changed_files(source):
        if f.is_changelog or "." not in f.path.rsplit("/", 1)[-1] or f.path.endswith((".xml", ".md", ".txt", ".yml",
                                                                                        ".yaml", ".json", ".rst")):
            continue
        stem = re.sub(r"(?:_?[Tt]ests?|Spec|_spec)$", "", f.stem) or f.stem
        stem = re.sub(r"^test_", "", stem)
        if stem:
            seen.setdefault(stem, None)
    return list(seen)


def _identifier(word: str) -> bool:
    """Whether a word looks like code (camelCase, dotted or snake_case), not an English word."""
    return bool(re.fullmatch(r"[A-Za-z_][\w.]*", word)) and (
        "." in word or "_" in word or any(c.isupper() for c in word[1:]))


def detokenize(tokens: str) -> str:
    """Readable text from the token format: ``ClassUtils . toCleanName ( ) ( # 1754 ) .`` ->
    ``ClassUtils.toCleanName() (#1754).`` (spacing is a guess: the format dropped it)."""
    text = re.sub(r"& (lt|gt|amp|quot|apos) ;", lambda m: _ENTITIES[m.group(1)], tokens)
    text = _CONTRACTION.sub(r"\1'\2", text)
    words = text.split()
    out: list[str] = []
    quote_open = False
    glue = False  # the next word attaches to the previous one
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        attach = glue
        glue = False
        if w in _NO_SPACE_BEFORE:
            attach = True
            # a dot, slash or dash between two words joins them (a.b, a/b, re-assert); a final dot ends
            if w == "." and nxt and (nxt[0].isalnum() or nxt[0] == "_") and out and out[-1][-1:].isalnum():
                glue = True
        elif w in _JOINERS and out and out[-1][-1:].isalnum() and nxt[:1].isalnum():
            attach, glue = True, True
        elif w == '"':
            attach = quote_open
            glue = not quote_open
            quote_open = not quote_open
        elif w == "(" and out and _identifier(out[-1]) and nxt != "#":
            attach = True  # a call or signature: toCleanName(), setName(String)
        elif w in _OPERATOR and out and out[-1][-1:] in _OPERATOR:
            attach = True  # <=, !=, ==
        if w in _NO_SPACE_AFTER:
            glue = True
        if attach and out:
            out[-1] += w
        else:
            out.append(w)
    return " ".join(out)


def _clean(text: str) -> str:
    """One entry as a subject: roles unwrapped, cut at its first sentence when long, at most 30 words."""
    text = _RST_ROLE.sub("", text)
    text = detokenize(text)
    words = text.split()
    if len(words) > 20:
        m = _SENTENCE_END.search(text, len(" ".join(words[:4])))
        if m:
            text = text[:m.end()]
    return " ".join(text.split()[:_MAX_WORDS])


def changelog_entries(source: str) -> list[tuple[str, str]]:
    """(changelog path, entry text) for every entry the diff **adds** to a changelog: an Apache
    ``<action>``, a Markdown/reST bullet (continued by the added lines after it), or a whole changelog
    fragment file. Entries of fewer than 3 words are left out (headings, version lines)."""
    out: list[tuple[str, str]] = []
    path = None
    current: list[str] | None = None
    fragment = False

    def flush() -> None:
        nonlocal current
        if current:
            text = _clean(" ".join(current))
            if len(text.split()) >= 3:
                out.append((path or "", text))
        current = None

    old_new: list[str] = []
    for line in diff_lines(source):
        if line.startswith("mmm "):
            flush()
            old_new = [_path(line[4:])]
            path = None
            continue
        if line.startswith("ppp "):
            new = _path(line[4:])
            new = new[2:] if new[:2] == "b/" else new
            path = new if _CHANGELOG.search(new) else None
            fragment = bool(path) and old_new[:1] == ["/dev/null"] and "/" in path
            continue
        if path is None:
            continue
        if not line.startswith("+ "):
            if not fragment:
                flush()
            continue
        body = line[2:].strip()
        if re.fullmatch(r"[=\-~^#*` ]+", body):  # reST underlines, Markdown rules
            # the line above an underline is a heading ("Version 3.0"), not the entry's continuation
            if current is not None and len(current) > 1:
                current.pop()
            flush()
            continue
        if body.startswith("#"):  # Markdown heading
            flush()
            continue
        action = _XML_ACTION.search(body)
        bullet = _BULLET.match(body)
        if action:
            flush()
            current = [action.group(1)]
            if "< / action >" in body:
                flush()
        elif bullet:
            flush()
            current = [bullet.group(1)]
        elif current is not None or fragment:
            current = (current or []) + [body]
    flush()
    return out


_BUILD = re.compile(r"(?:^|/)(?:pom\.xml|build\.gradle(?:\.kts)?|settings\.gradle|package(?:-lock)?\.json|yarn\.lock|"
                    r"setup\.(?:py|cfg)|pyproject\.toml|requirements[\w.-]*\.txt|go\.(?:mod|sum)|Gemfile(?:\.lock)?|"
                    r"[\w.-]+\.gemspec|composer\.(?:json|lock)|Makefile|\.travis\.yml|\.github/.*|tox\.ini|"
                    r"\.circleci/.*|Dockerfile)$")
_DOC_FILE = re.compile(r"\.(?:md|rst|txt|adoc|html?)$|(?:^|/)(?:docs?|site)/", re.I)
_CONTROL = frozenset("if for while switch catch return new else elif do try synchronized throw sizeof when".split())
# a definition line in the token format: def/func/function name (, or a Java/C#/PHP-style method header
_DEF = re.compile(r"^(?:(?:async )?def|func(?: \( [^)]* \))?|function|fun|fn|sub) (\w+) \(|"
                  r"^(?:class|interface|enum|struct|trait|module|type) (\w+)\b")
_METHOD = re.compile(r"^(?:[\w<>\[\],?.@]+ )+?(\w+) \( [^;{]*?\)(?: throws [\w., ]+)? \{")
_VERSION = re.compile(r"< version > ([\w.\-]+) < / version >|\" version \" : \" ([\w.\-]+) \"|"
                      r"\bversion = [\"'] ([\w.\-]+) [\"']")


def _definition(body: str) -> str | None:
    m = _DEF.match(body)
    if m:
        return m.group(1) or m.group(2)
    m = _METHOD.match(body)
    if m and m.group(1) not in _CONTROL and body.split()[0] not in _CONTROL:
        return m.group(1)
    return None


_ASSET = re.compile(r"\.(?:png|jpe?g|gif|svg|ico|webp|bmp|jar|zip|gz|apk|so|dll|bin|pdf|ttf|woff2?|mp[34]|wav)$", re.I)


def _kind(path: str) -> str:
    if _ASSET.search(path):
        return "asset"
    if _BUILD.search(path):
        return "build"
    if is_test_path(path):
        return "test"
    if _DOC_FILE.search(path) or ChangedFile(path).is_changelog:
        return "docs"
    return "source"


def diff_symbols(source: str) -> dict[str, list[str]]:
    """The definitions a diff adds, removes, and changes (the nearest definition line above a changed line,
    in the same file), first mention first: ``{"added": [...], "removed": [...], "changed": [...]}``."""
    out: dict[str, dict[str, None]] = {"added": {}, "removed": {}, "changed": {}}
    enclosing = None
    for line in diff_lines(source):
        if line.startswith(("mmm ", "ppp ")):
            enclosing = None
            continue
        sign, body = (line[0], line[2:].strip()) if line[:2] in ("+ ", "- ") else ("", line)
        name = _definition(body)
        if sign and name:
            out["added" if sign == "+" else "removed"].setdefault(name)
        elif name:
            enclosing = name
        elif sign and enclosing:
            out["changed"].setdefault(enclosing)
    both = set(out["added"]) & set(out["removed"])  # a header edited in place: a change, not add + remove
    result = {k: [n for n in v if n not in both] for k, v in out.items()}
    result["changed"] = list(dict.fromkeys([*[n for n in out["added"] if n in both], *result["changed"]]))
    result["changed"] = [n for n in result["changed"] if n not in result["added"] and n not in result["removed"]]
    return result


def _names(names: list[str], limit: int = 2) -> str:
    if len(names) <= limit:
        return " and ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit} more"


def describe_diff(source: str) -> str | None:
    """A faithful commit subject built from the diff's own facts — what kind of files changed (source, tests,
    docs, build), which definitions were added, removed or changed, a version bump — or None when the diff
    says too little (no file names). Never holds an issue number or anything the diff does not show."""
    files = changed_files(source)
    renames = re.findall(r"rename from (.+?) <nl> rename to (.+?) <nl>", source + " <nl>")
    if renames and not files:  # a pure rename (100 % similar): no hunks, only the two names
        old, new = (_path(x).rsplit("/", 1)[-1] for x in renames[0])
        more = f" and {len(renames) - 1} more" if len(renames) > 1 else ""
        return f"Rename {old} to {new}{more}"
    if not files:
        return None
    kinds = {f.path: _kind(f.path) for f in files}
    code = [f for f in files if kinds[f.path] == "source"]
    tests = [f for f in files if kinds[f.path] == "test"]
    stems = code_stems(source)
    versions = [v for m in _VERSION.finditer(source) for v in m.groups() if v]
    lines = diff_lines(source)
    bumped = [m for line in lines if line.startswith("+ ") for m in _VERSION.findall(line)]
    if set(kinds.values()) == {"build"}:
        new = next((v for g in bumped for v in g if v), None)
        if new and len(versions) >= 2:
            return f"Bump version to {new}" if len(files) == 1 and files[0].path.endswith(("pom.xml", "package.json",
                                                                                         "pyproject.toml")) \
                and not _dependency_context(lines) else f"Update dependency versions ({new})"
        return f"Update build configuration ({_names([f.path.rsplit('/', 1)[-1] for f in files])})"
    assets = [f for f in files if kinds[f.path] == "asset"]
    if assets and len(assets) == len(files):
        verb = "Add" if all(f.added for f in files) else "Remove" if all(f.deleted for f in files) else "Update"
        return f"{verb} {_names([f.path.rsplit('/', 1)[-1] for f in files])}"
    if set(kinds.values()) == {"docs"}:
        return f"Update documentation ({_names([f.path.rsplit('/', 1)[-1] for f in files])})"
    if not code and tests:
        added = [f for f in tests if f.added]
        what = _names(stems) if stems else "tests"
        return f"Add tests for {what}" if added and len(added) == len(tests) else f"Update tests for {what}"
    if not code:
        return None
    if all(f.added for f in code):
        subject = f"Add {_names([f.stem for f in code])}"
    elif all(f.deleted for f in code):
        subject = f"Remove {_names([f.stem for f in code])}"
    else:
        syms = diff_symbols(source)
        owner = stems[0] if len(stems) == 1 else ""
        where = f" to {owner}" if owner else ""
        if syms["added"] and not syms["removed"]:
            subject = f"Add {_names(syms['added'])}{where}"
        elif syms["removed"] and not syms["added"]:
            subject = f"Remove {_names(syms['removed'])}{' from ' + owner if owner else ''}"
        elif syms["changed"] and owner:
            subject = f"Change {_names([f'{owner}.{n}' if n != owner else n for n in syms['changed']])}"
        elif syms["changed"]:
            subject = f"Change {_names(syms['changed'])}"
        else:
            subject = f"Change {_names(stems or [f.stem for f in code])}"
    if tests:
        subject += " and tests" if len(subject) < 60 else ""
    return subject


_JIRA = re.compile(r"(?<![A-Za-z0-9])([A-Z][A-Z0-9]+-\d+)(?!\d)")  # an upper-case key: LANG-1234
_ISSUE_BRANCH = re.compile(r"(?:^|[/_-])(?:issues?|gh|bug|fix|feature|feat|pr)[/_-]?(\d+)(?!\d)|^(\d+)(?=[/_-])", re.I)


def branch_reference(branch: str | None) -> str | None:
    """The issue a branch name holds — ``LANG-1234`` from ``LANG-1234-fix-npe``, ``#1234`` from ``fix/1234-npe``
    or ``issue-1234`` — or None: a subject may carry a reference only when the change itself names one."""
    if not branch:
        return None
    name = branch.rsplit("/", 1)[-1] if "/" in branch and not _ISSUE_BRANCH.search(branch) else branch
    m = _ISSUE_BRANCH.search(name)
    if m:
        return f"#{m.group(1) or m.group(2)}"
    m = _JIRA.search(name)
    return m.group(1) if m else None


def _dependency_context(lines: list[str]) -> bool:
    """Whether a version change sits under a dependency (an artifactId line just above it)."""
    return any("artifactId" in line or "dependencies" in line for line in lines if not line.startswith(("+ ", "- ")))


__all__ = ["ChangedFile", "branch_reference", "changed_files", "changelog_entries", "code_stems", "describe_diff",
           "detokenize", "diff_lines", "diff_symbols"]
