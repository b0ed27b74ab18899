"""A faithful short description of a function built from its own code: the candidate of last resort.

When no neighbour's docstring and no model text can be trusted, the function still says what it is: its
name (``item_count``, ``setClosingHour``, ``is_open``), what it returns, what it raises or throws. This
module turns those facts into one plain sentence in the language's usual style —
``Return the item count.`` (Python), ``Sets the closing hour.`` (Java), ``IsOpen reports whether it is
open.`` (Go) — and says nothing it cannot see: a name it cannot read as an action or a value gives no
description (None), never a guess. Works on the model's token format, like :mod:`codetrans.grounding.edit`.
"""

from __future__ import annotations

import re

from codetrans.grounding.edit import signature
from codetrans.retrieval.bm25 import split_identifier

#: name verbs read as "Return the <rest>" / "Return whether ..."
_GETTERS = {"get", "fetch", "retrieve", "obtain"}
_PREDICATES = {"is": "is", "has": "has", "can": "can", "should": "should", "contains": "contains",
               "exists": "exists", "equals": "equals", "supports": "supports", "needs": "needs", "was": "was"}
_VERBS = frozenset(
    "add append insert remove delete drop pop push clear reset set put update create make build new init initialize "
    "load save read write open close start stop run execute handle process parse format render print log emit send "
    "receive find search lookup resolve compute calculate count convert encode decode serialize deserialize "
    "validate check verify ensure apply register unregister install uninstall connect disconnect merge split "
    "sort filter map reduce copy clone move rename replace sync flush wait notify dispatch publish subscribe "
    "enable disable show hide toggle draw refresh reload restore store cache fill match normalize escape "
    "unescape wrap unwrap attach detach bind unbind mark select invoke call generate evaluate transform "
    "configure setup close cancel commit rollback begin finish release acquire lock unlock allocate free "
    "destroy dispose mount unmount download upload fetch import export trim strip split join extract "
    "assert test describe list collect increment decrement advance skip next peek".split())
_ES = ("s", "sh", "ch", "x", "z", "o")
_RAISE = {"python": r"\braise ([A-Z]\w*)", "ruby": r"\braise ([A-Z]\w*)", "java": r"\bthrow new ([A-Z]\w*)",
          "javascript": r"\bthrow new ([A-Z]\w*)", "php": r"\bthrow new \\?([A-Z][\w\\]*)"}
_THIRD_PERSON = {"java", "go", "php", "javascript", "ruby", "csharp"}


def _third(verb: str) -> str:
    if verb.endswith("y") and len(verb) > 2 and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + ("es" if verb.endswith(_ES) else "s")


def _phrase(words: list[str]) -> str:
    return " ".join(words)


def describe(tokens: str, lang: str, name: str = "") -> str | None:
    """One faithful sentence about the function in ``tokens`` (model format), or None when its name says
    too little to describe it without guessing."""
    sig = signature(tokens, lang, name)
    raw = (name or sig.name).rsplit(".", 1)[-1].rsplit("::", 1)[-1].lstrip("$")
    words = [w for w in split_identifier(raw) if w]
    if not words:
        return None
    third = lang in _THIRD_PERSON
    returns = re.search(r"\breturn\s+[^;\s}]", tokens) is not None or (lang == "ruby" and "return" not in tokens)
    qualified = (name or sig.name).replace("::", ".").split(".")
    owner = sig.owner or (qualified[-2] if len(qualified) > 1 else "")
    head, rest = words[0], words[1:]
    if raw in ("__init__", "initialize", "constructor", "__construct") or (owner and raw == owner):
        sentence = f"{'Creates' if third else 'Create'} a new {owner or 'instance'}"
        if sig.params:
            sentence += f" from {_join(sig.params)}"
    elif head in _GETTERS and rest:
        sentence = f"{'Returns' if third else 'Return'} the {_phrase(rest)}"
    elif head in _PREDICATES and rest:
        verb = "Returns" if third else "Return"
        sentence = f"{verb} whether it {_PREDICATES[head]} {_phrase(rest)}"
    elif head == "to" and rest:
        sentence = f"{'Converts' if third else 'Convert'} it to {_phrase(rest)}"
    elif head in _VERBS and (rest or _join(sig.params)):  # a bare verb ("Pops.") tells nothing: no description
        obj = _phrase(rest) if rest else _join(sig.params)
        verb = _third(head) if third else head
        sentence = f"{verb.capitalize()} {('the ' + obj) if rest else obj}".rstrip()
    elif returns and len(words) <= 4 and not sig.params:
        sentence = f"{'Returns' if third else 'Return'} the {_phrase(words)}"
    else:
        return None
    raised = list(dict.fromkeys(re.findall(_RAISE.get(lang, r"$^"), tokens)))[:2]
    if raised:
        what = " or ".join(x.rsplit("\\", 1)[-1] for x in raised)
        sentence += f". May {'throw' if lang in ('java', 'javascript', 'php') else 'raise'} {what}"
    if lang == "go" and sig.name:
        sentence = f"{sig.name.rsplit('.', 1)[-1]} {sentence[:1].lower()}{sentence[1:]}"
    return sentence + "."


def _join(params: tuple[str, ...]) -> str:
    ps = [p.lstrip("$") for p in params if p.lstrip("$") not in ("self", "cls", "this")]
    if not ps:
        return ""
    return ps[0] if len(ps) == 1 else ", ".join(ps[:-1]) + " and " + ps[-1]


__all__ = ["describe"]
