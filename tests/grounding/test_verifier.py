"""The verifier: truth of a text for a function (or a diff), confidence on every answer, the grounded path
choosing by truth with a faithful fallback, and the pipeline's leave-one-out whatever form the pairs take."""

from __future__ import annotations

import gzip
import shutil

import pytest
from model_fixtures import CONSTANT_ANSWER, tiny_verifier
from retrieval.repos import commit, init

import codetrans
from codetrans.errors import CodeTransError
from codetrans.grounding.documentation import DESCRIBED, ground
from codetrans.grounding.verifier import VERIFIER_FILE, Verifier, load_verifier
from codetrans.serving.pipelines import pipeline

REMOVE = "def remove_coupon ( self , coupon ) : return self . coupons . pop ( coupon )"


@pytest.fixture(scope="module")
def verifier():
    return tiny_verifier()


@pytest.fixture
def verified_model(constant_model_dir, verifier, tmp_path):
    """The constant model with a verifier in its directory (as a shipped model carries one)."""
    dest = tmp_path / "verified"
    shutil.copytree(constant_model_dir, dest)
    verifier.save(dest / VERIFIER_FILE)
    return str(dest)


def test_the_true_text_outscores_a_neighbours_and_its_edit(verifier):
    true = verifier.probability(REMOVE, "Remove the coupon of the cart.", name="remove_coupon")
    neighbour = verifier.probability(REMOVE, "Add the coupon of the cart.", name="remove_coupon")
    other_object = verifier.probability(REMOVE, "Remove the item of the cart.", name="remove_coupon")
    assert true > 0.9 > 0.1 > max(neighbour, other_object)


def test_a_verifier_round_trips_and_a_broken_file_is_one_clear_error(verifier, tmp_path):
    path = verifier.save(tmp_path / VERIFIER_FILE)
    again = Verifier.load(path)
    assert again.probability(REMOVE, "Remove the coupon.") == pytest.approx(verifier.probability(REMOVE, "Remove the coupon."))
    assert load_verifier(tmp_path) is not None and load_verifier(tmp_path / "none") is None
    path.write_bytes(gzip.compress(b"{not json"))
    with pytest.raises(CodeTransError, match="cannot read the verifier .*refit it"):
        Verifier.load(path)


def test_grounding_chooses_by_truth_and_falls_back_to_a_description(verifier):
    neighbours = [("def shuffle ( self ) : return random . shuffle ( self . songs )",
                   "Play the songs in a random order.", 9.0, {"func_name": "shuffle"})]
    # the nearest neighbour's text is false for a removal and no edit fixes it: the fallback describes the code
    g = ground(REMOVE, "python", neighbours, "Compute the value", verifier=verifier, name="remove_coupon")
    assert g.provenance == DESCRIBED and g.text == "Remove the coupon."
    assert g.as_json()["confidence"] == pytest.approx(0.8)
    # a neighbour of the same shape, edited to this function, is true: it wins on the verifier's word
    added = [("def add_coupon ( self , coupon ) : return self . coupons . append ( coupon )",
              "Add the coupon of the cart.", 9.0, {"func_name": "add_coupon"})]
    g = ground(REMOVE, "python", added, "Compute the value", verifier=verifier, name="remove_coupon")
    assert (g.text, g.provenance) == ("Remove the coupon of the cart.", "adapted from add_coupon")
    # a true neighbour text wins with the verifier's confidence
    true = [("def pop_coupon ( self , coupon ) : return self . coupons . pop ( coupon )",
             "Remove the coupon of the cart.", 9.0, {"func_name": "pop_coupon"})]
    g = ground(REMOVE, "python", true, "Compute the value", verifier=verifier, name="remove_coupon")
    assert g.text == "Remove the coupon of the cart." and g.provenance.startswith("copied from pop_coupon")
    assert g.confidence > 0.9


def test_every_document_answer_carries_a_confidence(verified_model):
    pipe = pipeline("document", model=verified_model, backend="torch")
    code = "def total(self):\n    return sum(self.prices)\n\n\ndef restock(self):\n    self.stock.fill()\n"
    total, restock = pipe(code, lang="python")
    # outside a repository the model's text competes with a description of the code, chosen by truth
    assert (total["generated_text"], total["provenance"]) == ("Return the total.", DESCRIBED)
    assert total["model_text"] == CONSTANT_ANSWER and total["confidence"] == pytest.approx(0.8)
    # a name that says too little gives no description: the model's text stays, with how little it is trusted
    assert (restock["generated_text"], restock["provenance"]) == (CONSTANT_ANSWER, "generated")
    assert 0.0 <= restock["confidence"] < 0.7
    plain = pipe(code, lang="python", ground=False)  # the model's text alone, still with its confidence
    assert all(r["generated_text"] == CONSTANT_ANSWER and "confidence" in r for r in plain)
    pairs = [("def remove_item ( self , item ) : return self . items . pop ( item )", "Remove the item of the cart.")]
    r = pipe("def remove_coupon(self, coupon):\n    return self.coupons.pop(coupon)\n", lang="python", context=pairs)[0]
    assert r["confidence"] == pytest.approx(r["confidence"]) and "provenance" in r


def test_a_model_without_a_verifier_answers_without_confidence(constant_model_dir):
    pipe = pipeline("document", model=constant_model_dir, backend="torch")
    assert "confidence" not in pipe("def f(x):\n    return x\n", lang="python")[0]


RAW = '''def add_item(self, item, quantity=1):
    """Add an item to the cart, keyed by its name."""
    self.items[item] = quantity
'''


@pytest.mark.parametrize("pairs", [
    [(RAW, "Add an item to the cart, keyed by its name.")],  # raw code with its own docstring
    [("import os\n\n\n" + RAW + "\n\ndef other():\n    pass\n", "Add an item to the cart, keyed by its name.")],  # a whole file
    [{"input": RAW, "target": "Add an item to the cart, keyed by its name."}],
])
def test_raw_pairs_holding_the_function_never_return_its_own_docstring(constant_model_dir, pairs):
    pipe = pipeline("document", model=constant_model_dir, backend="torch")
    r = pipe(RAW, lang="python", context=pairs)[0]
    assert r["generated_text"] != "Add an item to the cart, keyed by its name."
    assert r["provenance"] == "generated"


def test_verify_scores_raw_code_and_diffs(verified_model):
    code = "def remove_coupon(self, coupon):\n    return self.coupons.pop(coupon)\n"
    good, bad = codetrans.verify(code, ["Remove the coupon of the cart.", "Add the coupon of the cart."],
                                 lang="python", model=verified_model)
    assert good > 0.5 > bad
    diff = ("--- a/src/Coupon.java\n+++ b/src/Coupon.java\n@@ -1 +1 @@\n-return coupons;\n"
            "+return coupons.pop();\n")
    right, wrong = codetrans.verify(diff, ["Use pop in Coupon", "Use append in Song"], kind="commit", model=verified_model)
    assert right > wrong
    with pytest.raises(CodeTransError, match="kind must be one of"):
        codetrans.verify(code, "x", kind="api", model=verified_model)


def test_a_model_without_a_verifier_is_a_clear_error_for_verify(constant_model_dir):
    with pytest.raises(CodeTransError, match="has no verifier"):
        codetrans.verify("def f(x):\n    return x\n", "Return x.", model=constant_model_dir)


def test_commit_subjects_in_a_real_repository_are_described_from_the_diff(tmp_path, verified_model, monkeypatch):
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    repo = init(tmp_path / "r")
    commit(repo, {"src/Cart.java": "class Cart {\n  int size() { return 0; }\n}\n"}, "Add Cart (#1142)")
    commit(repo, {"src/Cart.java": "class Cart {\n  int size() { return 1; }\n}\n"}, "fixup! Add Cart")
    (repo / "src" / "Cart.java").write_text("class Cart {\n  int size() { return 1; }\n  void clear() { items = 0; }\n}\n")
    import subprocess

    diff = subprocess.run(["git", "diff"], cwd=repo, capture_output=True, text=True, check=True).stdout
    pipe = pipeline("commit", model=verified_model, backend="torch")
    r = pipe(diff, context=str(repo))[0]
    assert r["generated_text"] == "Add clear to Cart"
    assert r["provenance"] == "described from the diff" and 0 < r["confidence"] <= 1
    assert "#1142" not in r["generated_text"] and not r["generated_text"].startswith("fixup!")


SHOP_FILE = '''def remove_coupon(self, coupon):
    return self.coupons.pop(coupon)


def restock(self):
    self.stock.fill()
'''


def test_write_inserts_only_confident_answers_and_lists_the_rest_as_not_sure(tmp_path, verified_model, capsys,
                                                                             monkeypatch):
    from codetrans.cli import main

    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    target = tmp_path / "loose" / "shop.py"  # outside any repository
    target.parent.mkdir()
    target.write_text(SHOP_FILE)
    assert main(["document", str(target), "--write", "--model", verified_model, "--backend", "torch"]) == 0
    cap = capsys.readouterr()
    text = target.read_text()
    assert '"""Remove the coupon."""' in text  # described from the code, confidence 0.8 >= 0.7
    assert CONSTANT_ANSWER not in text  # the model's untrusted text for restock is not written ...
    assert "restock: not sure (confidence" in cap.err and repr(CONSTANT_ANSWER) in cap.err  # ... but listed
    assert "[described from the code; confidence 0.80]" in cap.out
    # an explicit --min-confidence 0 writes it
    target.write_text(SHOP_FILE)
    assert main(["document", str(target), "--write", "--no-backup", "--min-confidence", "0", "--model", verified_model,
                 "--backend", "torch"]) == 0
    assert f'"""{CONSTANT_ANSWER}."""' in target.read_text()
    assert main(["document", str(target), "--min-confidence", "2", "--model", verified_model]) == 2


def test_the_hook_message_keeps_a_not_sure_subject_in_a_comment(tmp_path, verified_model, capsys, monkeypatch):
    from codetrans.cli import main

    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    diff = tmp_path / "change.diff"
    diff.write_text("@@ -1 +1 @@\n-a = 1\n+a = 2\n")  # no file names: nothing to describe it by
    assert main(["commit", str(diff), "--message", "--model", verified_model, "--backend", "torch"]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first == ""  # git takes the first non-comment line as the subject: none is offered
    assert "# codetrans: not sure" in out and f"# {CONSTANT_ANSWER}" in out
    assert main(["commit", str(diff), "--message", "--min-confidence", "0", "--model", verified_model,
                 "--backend", "torch"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == CONSTANT_ANSWER


def test_commit_subjects_never_carry_a_number_the_diff_lacks_nor_a_changelog_only_entry(verifier):
    from codetrans.grounding.commit import ground_commit
    from codetrans.lang.diff import normalize_diff

    binary = normalize_diff("diff --git a/app/icon.png b/app/icon.png\ndeleted file mode 100644\n"
                            "Binary files a/app/icon.png and /dev/null differ\n")
    g = ground_commit(binary, [], "Updated 2.0.0", verifier=verifier)
    assert (g.text, g.provenance) == ("Remove icon.png", "described from the diff")
    only_entry = normalize_diff("--- a/CHANGES.md\n+++ b/CHANGES.md\n@@ -1 +1,2 @@\n ## 2.0\n"
                                "+- Allow null to be parsed as null.\n")
    g = ground_commit(only_entry, [], "Compute the value", verifier=verifier)
    assert g.text == "Update documentation (CHANGES.md)"  # the entry records a change made elsewhere


def test_a_corrected_changelog_entry_is_not_the_subject(verifier):
    from codetrans.grounding.commit import ground_commit
    from codetrans.lang.diff import normalize_diff

    diff = normalize_diff("--- a/CHANGES.md\n+++ b/CHANGES.md\n@@ -1,2 +1,2 @@\n ## 2.0\n"
                          "-- Test may fail due to the order of fields returned by reflection.\n"
                          "+- Test may fail due to a different order of fields returned by reflection.\n"
                          "--- a/pom.xml\n+++ b/pom.xml\n@@ -1 +1 @@\n-<version>1.0</version>\n+<version>1.1</version>\n")
    g = ground_commit(diff, [], "Compute the value", verifier=verifier)
    assert g.provenance != "from the changelog entry in CHANGES.md"


def test_a_subject_carries_the_issue_its_branch_names_and_no_other(tmp_path, verified_model, monkeypatch):
    import subprocess

    from retrieval.repos import git

    from codetrans.lang.diff_facts import branch_reference

    assert [branch_reference(b) for b in ("fix/1234-npe", "LANG-12-x", "issue-7", "main", "python-3-support")] == \
        ["#1234", "LANG-12", "#7", None, None]
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    repo = init(tmp_path / "r")
    commit(repo, {"src/Cart.java": "class Cart {\n  int size() { return 0; }\n}\n"}, "Add Cart (#1142)")
    git(repo, "checkout", "-q", "-b", "fix/1234-clear-cart")
    (repo / "src" / "Cart.java").write_text("class Cart {\n  int size() { return 0; }\n  void clear() { items = 0; }\n}\n")
    diff = subprocess.run(["git", "diff"], cwd=repo, capture_output=True, text=True, check=True).stdout
    pipe = pipeline("commit", model=verified_model, backend="torch")
    r = pipe(diff, context=str(repo))[0]
    assert r["generated_text"] == "Add clear to Cart (#1234)"  # the branch's issue, placed as the history does
    assert pipe(diff)[0]["generated_text"] == "Add clear to Cart"  # no repository, no branch: no reference
