"""Grounding: choosing an answer among candidates, and saying where it came from and how sure it is.

The candidates of one input are its nearest neighbours' texts (a repository's documented functions, its
earlier commits, a model's index of training pairs), edited to it (``edit``), a description built from the
code or diff (``describe``, ``codetrans.lang.diff_facts``) and the model's own text. A **grounder** per task
type turns them into one :class:`~codetrans.grounding.candidate.Grounded` answer:

- ``documentation`` (documentation and Java comments): the verifier's most probable candidate, else the
  ``chooser``'s (a linear estimate of BLEU);
- ``commit`` (commit subjects): the diff's changelog entry, earlier subjects the verifier trusts, a subject
  described from the diff;
- ``api`` (API sequences): the consensus of the index's nearest pairs and the model's text.

``verifier`` scores how likely a text describes the code (``confidence``). :data:`GROUNDERS` is the one
registry by task type: the pipelines (:mod:`codetrans.serving.logic`) and the evaluation harness
(:mod:`codetrans.evaluation.predictors`) both ground through it. Fitted files (``verifier.json.gz``,
``chooser.json``) live in the model's folder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Grounder:
    """How one task type is grounded: its neighbours per input, its candidates, its answer, its chooser."""

    k: Callable[[], int]
    candidates: Callable[..., list]  # (source, lang, exemplars, generated, name) -> [Candidate]
    ground: Callable[..., Any]  # (source, lang, exemplars, generated, chooser, verifier, name, **extra) -> Grounded
    load_chooser: Callable[[Any], Any]  # model directory -> chooser (None: nothing fitted)


def _documentation() -> Grounder:
    from codetrans.grounding import chooser, documentation

    return Grounder(
        k=lambda: documentation.GROUND_K,
        candidates=lambda source, lang, exs, gen, name="": documentation.candidates(source, lang, exs, gen, name=name),
        ground=lambda source, lang, exs, gen, chooser=None, verifier=None, name="", **_: documentation.ground(
            source, lang, exs, gen, chooser=chooser, verifier=verifier, name=name),
        load_chooser=chooser.load_chooser)


def _commit() -> Grounder:
    from codetrans.grounding import commit

    return Grounder(
        k=lambda: commit.COMMIT_K,
        candidates=lambda source, lang, exs, gen, name="": commit.commit_candidates(source, exs, gen),
        ground=lambda source, lang, exs, gen, chooser=None, verifier=None, name="", reference=None, **_:
            commit.ground_commit(source, exs, gen, chooser=chooser, verifier=verifier, reference=reference),
        load_chooser=commit.load_commit_chooser)


def _api() -> Grounder:
    from codetrans.grounding import api

    return Grounder(
        k=lambda: api.API_K,
        candidates=lambda source, lang, exs, gen, name="": api.api_candidates(exs, gen),
        ground=lambda source, lang, exs, gen, chooser=None, verifier=None, name="", **_: api.ground_api(
            exs, gen, query=source),
        load_chooser=lambda model_dir: None)  # a consensus: nothing fitted


#: Task type -> its grounder (built on first use: the modules behind them load only when grounding runs).
_FACTORIES: dict[str, Callable[[], Grounder]] = {"document": _documentation, "comment": _documentation,
                                                 "commit": _commit, "api": _api}
_BUILT: dict[str, Grounder] = {}


def grounder(task_type: str) -> Grounder:
    """The grounder of a task type (``document``, ``comment``, ``commit``, ``api``); KeyError for others."""
    if task_type not in _BUILT:
        _BUILT[task_type] = _FACTORIES[task_type]()
    return _BUILT[task_type]


GROUNDERS: Sequence[str] = tuple(_FACTORIES)

__all__ = ["GROUNDERS", "Grounder", "grounder"]
