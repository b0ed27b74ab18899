"""Commit subjects grounded in the diff and the repository's history: candidates, a chooser, provenance.

The same shape as documentation (:mod:`codetrans.grounding.documentation`). For a staged diff the candidates are

* **changelog**: every entry the diff adds to a changelog (:func:`codetrans.lang.diff_facts.changelog_entries`)
  — the author's own description of the change;
* **history**: the subjects of the :data:`COMMIT_K` BM25-nearest *earlier* commits of the repository, as
  they are and **edited** (:func:`adapt_subject`: the class or module they name swapped for the one this
  diff changes — ``Fix NPE in CharSet`` -> ``Fix NPE in StrTokenizer``);
* **generated**: the model's text.

Changelog and generated text follow the history's conventions (:func:`follow_conventions`): a
conventional-commit prefix (``fix:``, ``docs(api):``) when most earlier subjects have one, and the
history's tense (``Added`` vs ``Add``). A linear :class:`~codetrans.grounding.chooser.Chooser` over
:data:`COMMIT_FEATURES`, fit on the corpus's training repositories (``codetrans chooser fit --task commit``),
picks one. Every answer says where it came from: ``from the changelog entry in src/changes/changes.xml``,
``adapted from commit 1a2b3c4d (Fix NPE in CharSet)``, ``copied from commit ...`` or ``generated``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codetrans.grounding.candidate import Candidate, Grounded, exemplar_parts
from codetrans.grounding.chooser import Chooser
from codetrans.grounding.documentation import _f1, _words
from codetrans.lang.diff_facts import changelog_entries, code_stems, describe_diff, detokenize

#: Earlier commits considered per diff.
COMMIT_K = 8
COMMIT_KINDS = ("changelog", "history", "generated")
COMMIT_FEATURES = ("bias", "log_bm25", "bm25_ratio", "rank0", "rank", "edited", "log_words", "consensus",
                   "agrees_generated", "mentions_stem", "diff_overlap", "top_log_bm25", "changelog_entries",
                   "entry_rank", "code_files", "convention")
COMMIT_CHOOSER = Path(__file__).with_name("commit_chooser.json")
_PREFIX = re.compile(r"^([a-z]+(?:\([^)]*\))?!?:)\s")
# imperative <-> past forms of the verbs commit subjects start with
_VERBS = {v: p for v, p in (
    ("add", "added"), ("fix", "fixed"), ("remove", "removed"), ("update", "updated"), ("use", "used"),
    ("make", "made"), ("change", "changed"), ("improve", "improved"), ("move", "moved"), ("rename", "renamed"),
    ("refactor", "refactored"), ("document", "documented"), ("deprecate", "deprecated"), ("replace", "replaced"),
    ("support", "supported"), ("allow", "allowed"), ("drop", "dropped"), ("implement", "implemented"),
    ("clean", "cleaned"), ("avoid", "avoided"), ("simplify", "simplified"), ("reuse", "reused"),
    ("delete", "deleted"), ("upgrade", "upgraded"), ("correct", "corrected"), ("handle", "handled"))}
_PAST = {p: v for v, p in _VERBS.items()}


# git acts on these (rebase --autosquash folds the commit into another); an earlier merge/revert is no model
_GIT_DIRECTIVE = re.compile(r"^(?:fixup|squash|amend)!|^(?:Merge|Revert)\b|^Revert \"", re.I)
# a reference to an issue or pull request: (#1142), #12, GH-12, [LANG-1234], LANG-1234:, Fixes #3, closes gh-4
_REFERENCE = re.compile(
    r"\s*(?:\((?:#|gh-)\d+\)|\[[A-Z][A-Z0-9]+-\d+\]|(?:(?:fix(?:es|ed)?|close[sd]?|resolve[sd]?|see|refs?)\s+)?"
    r"(?:#|\bgh-|\bGH-)\d+\b|\b[A-Z][A-Z0-9]+-\d+\b:?)", re.I)


def clean_subject(subject: str) -> str | None:
    """An earlier commit's subject as a candidate for another change: without the issue/PR references it
    carried (they belong to that change), and never a git directive (``fixup!``, ``squash!``) or a
    merge/revert subject (None)."""
    text = subject.strip()
    if not text or _GIT_DIRECTIVE.match(text):
        return None
    text = _REFERENCE.sub("", text)
    text = re.sub(r"\s+([.,;:])", r"\1", re.sub(r"\s{2,}", " ", text)).strip(" -:,;")
    text = re.sub(r"(?<!\w)\(\s*\)|\[\s*\]", "", text).strip()
    return text if len(text.split()) >= 2 else None


def _tense(word: str) -> str | None:
    w = word.lower()
    return "imperative" if w in _VERBS else "past" if w in _PAST else None


def history_conventions(subjects: Sequence[str]) -> dict[str, str]:
    """What most of the history's subjects do: ``prefix`` (the nearest one's conventional-commit prefix,
    when over half have one) and ``tense`` (``imperative`` or ``past``, when one dominates 2:1)."""
    out: dict[str, str] = {}
    if not subjects:
        return out
    prefixed = [m.group(1) for s in subjects if (m := _PREFIX.match(s))]
    if len(prefixed) * 2 > len(subjects):
        out["prefix"] = prefixed[0]
    tenses = Counter(t for s in subjects if s.split() and (t := _tense(s.split()[0])))
    if tenses:
        (top, n), *rest = tenses.most_common()
        if n >= 2 * (rest[0][1] if rest else 0):
            out["tense"] = top
    return out


def follow_conventions(text: str, conventions: dict[str, str]) -> str:
    """``text`` with the history's prefix and tense (its own prefix, if any, is kept)."""
    words = text.split()
    if not words:
        return text
    first = words[0]
    tense = conventions.get("tense")
    now = _tense(first)
    if tense and now and now != tense:
        swapped = _VERBS[first.lower()] if tense == "past" else _PAST[first.lower()]
        words[0] = swapped.capitalize() if first[:1].isupper() else swapped
    text = " ".join(words)
    prefix = conventions.get("prefix")
    if prefix and not _PREFIX.match(text):
        text = f"{prefix} {text[:1].lower()}{text[1:]}" if text[1:2].islower() else f"{prefix} {text}"
    return text


def adapt_subject(subject: str, neighbour_source: str, source: str) -> tuple[str, int]:
    """The neighbour's subject with the classes/modules it names (those its diff changes) swapped for the
    ones this diff changes, position by position; (text, substitutions)."""
    theirs, ours = code_stems(neighbour_source), code_stems(source)
    if not theirs or not ours:
        return subject, 0
    changes = 0
    for i, stem in enumerate(theirs):
        new = ours[min(i, len(ours) - 1)]
        if new == stem or new in subject:
            continue
        subject, n = re.subn(rf"(?<![\w.]){re.escape(stem)}(?!\w)", new, subject)
        changes += n
    return subject, changes


def commit_candidates(source: str, exemplars: Sequence[Any], generated: str | None) -> list[Candidate]:
    """Changelog entries, earlier commits' subjects (as they are and edited) and the model's text, each with
    its :data:`COMMIT_FEATURES` vector. ``source``: the diff in the token format (no prefix)."""
    exs = [exemplar_parts(e) for e in list(exemplars)[:COMMIT_K]]
    conventions = history_conventions([t for _, t, _, _ in exs])
    out: list[Candidate] = []
    entries = changelog_entries(source)
    for rank, (path, text) in enumerate(entries):
        out.append(Candidate(follow_conventions(text, conventions), "changelog", rank, {"path": path}))
    for rank, (inp, target, meta, score) in enumerate(exs):
        clean = clean_subject(target)
        if clean is None:
            continue
        out.append(Candidate(clean, "history", rank, (inp, target, score, meta), 0))
        edited, n = adapt_subject(clean, inp, source)
        if n:
            out.append(Candidate(edited, "history", rank, (inp, target, score, meta), n))
    if generated is not None and generated.strip():
        out.append(Candidate(follow_conventions(generated, conventions), "generated"))
    scores = [s for _, _, _, s in exs]
    top = max(scores) if scores else 0.0
    stems = {s.lower() for s in code_stems(source)}
    diff_words = _words(detokenize(source.replace("<nl>", " ")))
    texts = [_words(c.text) for c in out]
    gen_words = texts[-1] if out and out[-1].kind == "generated" else set()
    for i, c in enumerate(out):
        others = [texts[j] for j in range(len(out)) if j != i]
        consensus = sum(_f1(texts[i], o) for o in others) / len(others) if others else 0.0
        words = texts[i]
        history = c.kind == "history"
        score = scores[c.rank] if history else 0.0
        c.features = [1.0, math.log1p(max(score, 0.0)), score / top if history and top > 0 else 0.0,
                      float(history and c.rank == 0), float(c.rank) if history else 0.0, float(c.changes > 0),
                      math.log1p(len(c.text.split())), consensus,
                      _f1(words, gen_words) if c.kind != "generated" else 1.0,
                      float(bool(stems & words)), len(words & diff_words) / len(words) if words else 0.0,
                      math.log1p(max(top, 0.0)), math.log1p(len(entries)),
                      float(c.rank) if c.kind == "changelog" else 0.0, math.log1p(len(stems)),
                      float(bool(conventions.get("prefix")) and c.text.startswith(conventions["prefix"]))]
    return out


def rule_commit_chooser() -> Chooser:
    """No fitted file: the first changelog entry, else the nearest earlier commit (edited when it can be),
    else the model."""
    n = len(COMMIT_FEATURES)

    def one(bias: float, **w: float) -> list[float]:
        v = [0.0] * n
        v[0] = bias
        for k, x in w.items():
            v[COMMIT_FEATURES.index(k)] = x
        return v

    return Chooser({"changelog": one(2.0, entry_rank=-0.1), "history": one(1.0, rank0=0.5, edited=0.1), "generated": one(0.5)},
                   [0.0] * n, [1.0] * n, {"rule": "changelog entry, else top-1 history"}, COMMIT_FEATURES)


def load_commit_chooser(model_dir: str | Path | None = None) -> Chooser:
    """The model's own ``commit_chooser.json``, else the package's, else :func:`rule_commit_chooser`."""
    own = Path(model_dir) / "commit_chooser.json" if model_dir else None
    if own is not None and own.is_file():
        return Chooser.load(own, COMMIT_FEATURES)
    return Chooser.load(COMMIT_CHOOSER, COMMIT_FEATURES) if COMMIT_CHOOSER.is_file() else rule_commit_chooser()


def _where(cand: Candidate) -> tuple[str, dict]:
    if cand.kind == "changelog":
        path = str(cand.origin.get("path") or "")
        return f"from the changelog entry in {path}", {"changelog": path}
    _, target, meta, _ = exemplar_parts(cand.origin)
    sha = str(meta.get("sha") or meta.get("id") or "")
    origin = {"commit": sha, "subject": target} if sha else {"subject": target}
    what = f"commit {sha[:10]}" if sha else "an earlier commit"
    verb = "adapted from" if cand.changes else "copied from"
    return f"{verb} {what} ({target})", origin


DESCRIBED = "described from the diff"


def with_reference(text: str, reference: str | None, subjects: Sequence[str]) -> str:
    """``text`` carrying the issue ``reference`` the branch names (``#1234``, ``LANG-1234``), placed as the history
    places its references (a ``KEY-1: `` prefix, a ``[KEY-1]`` prefix, else a `` (#1234)`` suffix); unchanged when
    there is none or the text already holds one."""
    if not reference or not text or _REFERENCE.search(text):
        return text
    prefixed = sum(bool(re.match(r"^\[?[A-Z][A-Z0-9]+-\d+\]?:?\s", t)) for t in subjects)
    if reference[0] != "#" and prefixed * 2 > len(subjects) > 0:
        bracket = sum(t.startswith("[") for t in subjects) * 2 > len(subjects)
        return f"[{reference}] {text}" if bracket else f"{reference}: {text}"
    return f"{text} ({reference})"


def verify_commit(verifier: Any, source: str, cands: list[Candidate], conventions: dict[str, str]) -> Grounded:
    """Choose by truth: the diff's own changelog entry (the author's words), else an earlier subject the
    verifier says describes *this* diff, else a subject described from the diff's facts
    (:func:`codetrans.lang.diff_facts.describe_diff`), else the model's text; each with its confidence."""
    for c in cands:  # the model's subjects: their judged share of correct, not the (uncalibrated) raw probability
        c.confidence = (verifier.serving("changelog_confidence") if c.kind == "changelog" else
                        verifier.serving("generated_commit_confidence") if c.kind == "generated" else
                        verifier.probability(source, c.text, kind="commit"))
    # a diff that only adds a changelog entry records a change made elsewhere: the entry is not its subject;
    # nor is an entry that rewrites a removed one (a corrected entry, not a new change)
    changelog = [c for c in cands if c.kind == "changelog" and not _rewrites_removed(c.text, source)] \
        if not _changelog_only(source) else []
    if changelog:
        best = changelog[0]
        return Grounded(best.text, _where(best)[0], _where(best)[1], tuple(cands), best.confidence)
    history = max((c for c in cands if c.kind == "history"), key=lambda c: c.confidence or 0.0, default=None)
    if history is not None and (history.confidence or 0.0) >= verifier.serving("history_above"):
        return Grounded(history.text, *_where(history), tuple(cands), history.confidence)
    text = describe_diff(source)
    if text:
        described = Candidate(follow_conventions(text, conventions), "described",
                              confidence=verifier.serving("described_commit_confidence"))
        return Grounded(described.text, DESCRIBED, None, (*cands, described), described.confidence)
    gen = next((c for c in cands if c.kind == "generated" and _numbers_seen(c.text, source)), None)
    if gen is not None:  # never a version or issue number the diff does not hold ("Updated 2.0.0")
        return Grounded(gen.text, "generated", None, tuple(cands), gen.confidence)
    if history is not None:
        return Grounded(history.text, *_where(history), tuple(cands), history.confidence)
    return Grounded("", "generated", None, tuple(cands), 0.0)


def _changelog_only(source: str) -> bool:
    from codetrans.lang.diff_facts import changed_files

    files = changed_files(source)
    return bool(files) and all(f.is_changelog for f in files)


def _rewrites_removed(text: str, source: str) -> bool:
    """Whether a changelog entry the diff adds mostly repeats a line it removes (an edited entry)."""
    from codetrans.lang.diff_facts import diff_lines

    words = _words(text)
    for line in diff_lines(source):
        if line.startswith("- "):
            old = _words(detokenize(line[2:]))
            if words and old and len(words & old) / len(words | old) >= 0.5:
                return True
    return False


def _numbers_seen(text: str, source: str) -> bool:
    """Whether every number the text holds (a version, an issue) is in the diff too."""
    return set(re.findall(r"\d+", text)) <= set(re.findall(r"\d+", source))


def ground_commit(source: str, exemplars: Sequence[Any], generated: str | None, *,
                  chooser: Chooser | None = None, verifier: Any = None, reference: str | None = None) -> Grounded:
    """The grounded subject for one diff: see the module doc (with a verifier: :func:`verify_commit`).
    ``reference``: the issue the branch names (:func:`codetrans.lang.diff_facts.branch_reference`), the only
    reference a subject may carry besides those the diff's own changelog entry holds."""
    cands = commit_candidates(source, exemplars, generated)
    if verifier is not None:
        subjects = [exemplar_parts(e)[1] for e in list(exemplars)[:COMMIT_K]]
        g = verify_commit(verifier, source, cands, history_conventions(subjects))
        text = with_reference(g.text, reference, subjects)
        return g if text == g.text else Grounded(text, g.provenance, g.origin, g.candidates, g.confidence)
    best = (chooser or rule_commit_chooser()).choose(cands)
    if best is None or best.kind == "generated":
        return Grounded(best.text if best else (generated or ""), "generated", None, tuple(cands))
    provenance, origin = _where(best)
    return Grounded(best.text, provenance, origin, tuple(cands))


__all__ = ["COMMIT_CHOOSER", "COMMIT_FEATURES", "COMMIT_K", "COMMIT_KINDS", "DESCRIBED", "adapt_subject",
           "clean_subject", "commit_candidates", "verify_commit", "with_reference",
           "follow_conventions", "ground_commit", "history_conventions", "load_commit_chooser",
           "rule_commit_chooser"]
