"""Commit subjects grounded in the diff and the history: candidates, conventions, edits, provenance."""

import json

from codetrans.grounding.chooser import Chooser
from codetrans.grounding.commit import (
    COMMIT_FEATURES,
    adapt_subject,
    commit_candidates,
    follow_conventions,
    ground_commit,
    history_conventions,
    load_commit_chooser,
    rule_commit_chooser,
)
from codetrans.lang.diff import normalize_diff


def _diff(path: str, minus: str, plus: str) -> str:
    return normalize_diff(f"--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-{minus}\n+{plus}\n")


OURS = _diff("src/main/java/org/x/StrTokenizer.java", "return null;", "return EMPTY;")
THEIRS = _diff("src/main/java/org/x/CharSet.java", "return null;", "return EMPTY;")
WITH_ENTRY = normalize_diff(
    "--- a/CHANGES.md\n+++ b/CHANGES.md\n@@ -1,1 +1,2 @@\n ## 2.0\n+- Return an empty tokenizer instead of null.\n"
    "--- a/src/main/java/org/x/StrTokenizer.java\n+++ b/src/main/java/org/x/StrTokenizer.java\n"
    "@@ -1 +1 @@\n-return null;\n+return EMPTY;\n")
HISTORY = [(THEIRS, "Fix NPE in CharSet", 12.0, {"sha": "1a2b3c4d5e6f7a8b"}),
           (OURS, "Update site docs", 3.0, {"sha": "ffffeeee00001111"})]


def test_an_earlier_commit_is_edited_to_the_class_this_diff_changes():
    assert adapt_subject("Fix NPE in CharSet", THEIRS, OURS) == ("Fix NPE in StrTokenizer", 1)
    # a class that is only part of another name is not touched
    assert adapt_subject("Fix CharSetUtils", THEIRS, OURS) == ("Fix CharSetUtils", 0)
    assert adapt_subject("Fix NPE", THEIRS, OURS) == ("Fix NPE", 0)


def test_provenance_names_the_commit_it_was_adapted_from():
    g = ground_commit(OURS, HISTORY, "Updated 3.x to 3.0.0.")
    assert g.text == "Fix NPE in StrTokenizer"
    assert g.provenance == "adapted from commit 1a2b3c4d5e (Fix NPE in CharSet)"
    assert g.origin == {"commit": "1a2b3c4d5e6f7a8b", "subject": "Fix NPE in CharSet"}
    assert g.as_json()["provenance"].startswith("adapted from commit")


def test_the_changelog_entry_the_diff_adds_wins_over_history():
    g = ground_commit(WITH_ENTRY, HISTORY, "Updated 3.x to 3.0.0.")
    assert g.text == "Return an empty tokenizer instead of null."
    assert g.provenance == "from the changelog entry in CHANGES.md"
    assert g.origin == {"changelog": "CHANGES.md"}


def test_no_history_and_no_entry_is_the_model_with_generated_provenance():
    g = ground_commit(OURS, [], "Return EMPTY from StrTokenizer")
    assert (g.text, g.provenance, g.origin) == ("Return EMPTY from StrTokenizer", "generated", None)


def test_every_candidate_has_the_full_feature_vector():
    cands = commit_candidates(WITH_ENTRY, HISTORY, "Something")
    assert [c.kind for c in cands] == ["changelog", "history", "history", "history", "generated"]
    assert all(len(c.features) == len(COMMIT_FEATURES) for c in cands)


def test_conventions_of_the_history_are_followed():
    conv = history_conventions(["fix(io): close streams", "feat: add tee", "fix: NPE in Tailer"])
    assert conv == {"prefix": "fix(io):"}
    assert follow_conventions("Return an empty tokenizer", conv) == "fix(io): return an empty tokenizer"
    assert follow_conventions("feat: keep mine", conv) == "feat: keep mine"
    past = history_conventions(["Added tee", "Fixed NPE", "Removed dead code", "Add x"])
    assert past == {"tense": "past"}
    assert follow_conventions("Fix the reader", past) == "Fixed the reader"
    # no dominant convention: nothing changes
    assert history_conventions(["Add a", "Fixed b"]) == {}
    assert follow_conventions("Fix the reader", {}) == "Fix the reader"


def test_a_fitted_chooser_round_trips_and_falls_back_to_the_rule(tmp_path):
    rule = rule_commit_chooser()
    path = tmp_path / "commit_chooser.json"
    path.write_text(json.dumps(rule.as_json()), encoding="utf-8")
    again = Chooser.load(path, COMMIT_FEATURES)
    assert again.features == COMMIT_FEATURES and again.weights == rule.weights
    assert load_commit_chooser(tmp_path).weights == rule.weights
    assert load_commit_chooser(tmp_path / "nowhere").features == COMMIT_FEATURES
