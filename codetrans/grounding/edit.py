"""Adapt a neighbour's documentation to the function being documented: its name words and parameters.

A repository documents alike functions alike: the nearest documented neighbour of ``addItem`` may be
``addColumn``, documented "Add column to Dataset.". Aligning the two names (``add | column`` vs
``add | item``: shared head and tail kept, the differing middle swapped) gives "Add item to Dataset.".
Parameters are aligned by position (``$column`` -> ``$item`` in PHP, ``columnName`` -> ``itemName``).

Works on tokenized code (tree-sitter tokens joined by spaces, the model's input format), so it serves
both the pipelines and the evaluation harness, whose records hold only tokens::

    src = signature("public void addColumn ( String name ) {", "java")   # Signature("addColumn", ("name",))
    adapt("Add column to Dataset.", src, signature("public void addItem ( String name ) {", "java"))
    # Edit(text="Add item to Dataset.", changes=1)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from codetrans.retrieval.bm25 import split_identifier

_IDENT = re.compile(r"^\$?[A-Za-z_][A-Za-z0-9_]*[?!]?$")
_KEYWORDS = frozenset(
    "def func function fn public private protected static final abstract synchronized native async await "
    "export default const let var void return new class self this if for while switch catch".split())


@dataclass(frozen=True)
class Signature:
    """A function's name (unqualified) and parameter names, in order."""

    name: str
    params: tuple[str, ...] = ()
    owner: str = ""  # the class (or Go receiver type) when known from a qualified name


@dataclass(frozen=True)
class Edit:
    """The adapted text and how many substitutions made it."""

    text: str
    changes: int


def _close(words: list[str], i: int) -> int:
    """Index of the bracket closing the one at ``words[i]`` (or the end)."""
    depth = 0
    for j in range(i, len(words)):
        if words[j] in ("(", "[", "{", "<"):
            depth += 1
        elif words[j] in (")", "]", "}", ">"):
            depth -= 1
            if depth == 0:
                return j
    return len(words)


def _param_name(group: list[str], lang: str) -> str | None:
    """The parameter name of one comma-separated group of tokens."""
    group = [w for w in group if w not in ("final", "...", "&", "*", "**", "readonly")]
    # a default value or a type annotation follows the name; a Java/C# type precedes it
    for stop in ("=", ":"):
        if stop in group:
            group = group[:group.index(stop)]
    if lang == "php":
        named = [w for w in group if w.startswith("$")]
        return named[-1] if named else None
    idents = [w for w in group if _IDENT.match(w) and w not in _KEYWORDS]
    if not idents:
        return None
    return idents[-1] if lang in ("java", "csharp") else idents[0]


def signature(tokens: str, lang: str = "", name: str = "") -> Signature:
    """Name and parameters of a function from its tokens (``name``, when known, is used as given;
    a qualified ``Stack.peek`` is the name ``peek`` of the owner ``Stack``)."""
    words = tokens.split()[:200]
    start = 0
    if lang == "go" and len(words) > 1 and words[0] == "func" and words[1] == "(":
        start = _close(words, 1) + 1  # skip the receiver
    paren = next((i for i in range(start, len(words)) if words[i] == "("), None)
    found = ""
    if paren is not None and paren > 0 and _IDENT.match(words[paren - 1]) and words[paren - 1] not in _KEYWORDS:
        found = words[paren - 1]
    elif lang == "ruby" and len(words) > 1 and words[0] == "def":
        found = words[3] if len(words) > 3 and words[2] == "." else words[1]  # def self . name
    params: list[str] = []
    if paren is not None:
        end = _close(words, paren)
        group: list[str] = []
        depth = 0
        for w in words[paren + 1:end] + [","]:
            if w in ("(", "[", "{", "<"):
                depth += 1
            elif w in (")", "]", "}", ">"):
                depth -= 1
            if w == "," and depth == 0:
                p = _param_name(group, lang)
                if p and p not in ("self", "cls"):
                    params.append(p)
                group = []
            else:
                group.append(w)
    owner, _, short = name.rpartition(".") if name else ("", "", found)
    return Signature(short, tuple(params), owner.rsplit(".", 1)[-1])


def _case_like(word: str, model: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _replace_words(text: str, old: list[str], new: list[str]) -> tuple[str, int]:
    """Replace the word run ``old`` (lower-case sub-tokens) by ``new`` in prose, keeping the first word's
    case and a plural ``s``; also the joined spellings (``columnName``, ``column_name``)."""
    if not old or not new:
        return text, 0
    pattern = re.compile(r"\b" + r"[\s_-]?".join(re.escape(w) for w in old) + r"(s|es)?\b", re.IGNORECASE)
    count = 0

    def sub(m: re.Match) -> str:
        nonlocal count
        count += 1
        found = m.group(0)
        plural = m.group(1) or ""
        body = found[: len(found) - len(plural)] if plural else found
        if "_" in body:
            out = "_".join(new)
        elif " " not in body and len(old) > 1:  # camelCase spelling
            out = new[0] + "".join(w[:1].upper() + w[1:] for w in new[1:])
        else:
            out = " ".join(new)
        return _case_like(out, body) + plural

    return pattern.sub(sub, text), count


_ARTICLE = re.compile(r"\b(a|an|A|An)(\s+)([A-Za-z]+)")


def _fix_article(m: re.Match) -> str:
    """'a' / 'an' agreeing with the word after it (by its first letter: a heuristic, 'an hour' aside)."""
    article, space, word = m.groups()
    want = "an" if word[:1].lower() in "aeiou" else "a"
    return (want.capitalize() if article[0].isupper() else want) + space + word


# The preposition a verb takes for its object's place ("add X to", "remove X from"): swapped with the verb.
_VERB_PREP = {"add": "to", "append": "to", "insert": "into", "put": "into", "push": "onto", "attach": "to",
              "send": "to", "write": "to", "save": "to", "register": "with", "remove": "from", "delete": "from",
              "pop": "from", "detach": "from", "unregister": "from", "read": "from", "load": "from",
              "drop": "from"}


def _verb(word: str) -> str | None:
    """The base form of a leading verb we know (``Removes`` -> ``remove``), else None."""
    w = word.lower()
    return next((c for c in (w, w[:-1], w[:-2]) if c in _VERB_PREP), None)  # add, adds / removed, pushes


def _fix_preposition(text: str, old_verb: str, new_verb: str) -> str:
    """After a verb swap, its preposition too, within the verb's first few words ("Add an item from the
    cart" -> "Add an item to the cart")."""
    a, b = _verb(old_verb), _verb(new_verb)
    words = text.split(" ")
    if not a or not b or _VERB_PREP[a] == _VERB_PREP[b] or not words or _verb(words[0]) != b:
        return text
    for i in range(1, min(len(words), 6)):
        if words[i].lower() == _VERB_PREP[a]:
            words[i] = _case_like(_VERB_PREP[b], words[i])
            break
    return " ".join(words)


def _swap_identifier(text: str, old: str, new: str) -> tuple[str, int]:
    """Replace an exact identifier (``$var`` included) where it stands as a word."""
    if not old or not new or old == new:
        return text, 0
    pattern = re.compile(r"(?<![\w$])" + re.escape(old) + r"(?!\w)")
    return pattern.subn(new.replace("\\", "\\\\"), text)


def _name_alignment(old: str, new: str) -> tuple[list[str], list[str]]:
    """The differing middle of two names' sub-tokens, their shared head and tail removed; nothing when
    they share neither (``arrays`` vs ``coupon_count``: no word of one stands for a word of the other),
    except two one-word names (``parse`` vs ``render``: the verb)."""
    a, b = split_identifier(old.lstrip("$")), split_identifier(new.lstrip("$"))
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[len(a) - 1 - tail] == b[len(b) - 1 - tail]:
        tail += 1
    if head == 0 and tail == 0 and not (len(a) == 1 and len(b) == 1):
        return [], []
    return a[head:len(a) - tail], b[head:len(b) - tail]


def _compound(name: str) -> bool:
    """A name that cannot be an ordinary prose word (``addItem``, ``add_item``, ``$item``)."""
    return name.startswith("$") or len(split_identifier(name)) > 1 or "_" in name.strip("_")


def adapt(doc: str, source: Signature, target: Signature) -> Edit:
    """``doc`` (written for ``source``) rewritten for ``target``: whole identifiers first (the name,
    then parameters by position), then the differing name words in prose."""
    text, changes = doc, 0
    if _compound(source.name):  # a one-word name in prose is a word, handled with the name's words below
        text, n = _swap_identifier(text, source.name, target.name)
        changes += n
    for old, new in zip(source.params, target.params):
        if old != new and _compound(old):  # a one-word parameter in prose is mostly a word ("the product")
            text, n = _swap_identifier(text, old, new)
            changes += n
            if not old.startswith("$"):
                mid_old, mid_new = _name_alignment(old, new)
                if len(split_identifier(old)) > 1 or len(split_identifier(new)) > 1:
                    text, n = _replace_words(text, mid_old, mid_new) if mid_old and mid_new else (text, 0)
                    changes += n
    mid_old, mid_new = _name_alignment(source.name, target.name)
    if mid_old and mid_new:
        text, n = _replace_words(text, mid_old, mid_new)
        changes += n
        if n and len(mid_old) == 1 and len(mid_new) == 1:
            text = _fix_preposition(text, mid_old[0], mid_new[0])
    if source.owner and target.owner and source.owner != target.owner:  # ClosureLoader.load vs FileLoader.load
        text, n = _swap_identifier(text, source.owner, target.owner)
        changes += n
        mid_old, mid_new = _name_alignment(source.owner, target.owner)
        if mid_old and mid_new:
            text, n = _replace_words(text, mid_old, mid_new)
            changes += n
    if changes:
        text = _ARTICLE.sub(_fix_article, text)
    return Edit(text, changes)


__all__ = ["Edit", "Signature", "adapt", "signature"]
