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


def changed_files(source: str) -> list[ChangedFile]:
    """The files a (token-format) diff changes, in order."""
    out: list[ChangedFile] = []
    old = None
    for line in diff_lines(source):
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


__all__ = ["ChangedFile", "changed_files", "changelog_entries", "code_stems", "detokenize", "diff_lines"]
