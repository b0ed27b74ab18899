"""The grounded documentation path on real git repositories the tests create, with a tiny real model:
provenance everywhere, the unit never its own exemplar, on/off, fallback, and a --write that loses nothing."""

from __future__ import annotations

import json

import pytest
from model_fixtures import CONSTANT_ANSWER
from retrieval.repos import commit, init

from codetrans.cli import main
from codetrans.errors import CodeTransError
from codetrans.grounding.chooser import Chooser, load_chooser, rule_chooser
from codetrans.grounding.documentation import candidates, ground
from codetrans.serving.pipelines import pipeline

CART = '''class Cart:
    def add_item(self, item, quantity=1):
        """Add an item to the cart."""
        self.items[item] = quantity

    def remove_item(self, item):
        """Remove an item from the cart."""
        self.items.pop(item, None)

    def item_count(self):
        """Return the number of items in the cart."""
        return sum(self.items.values())

    def coupon_count(self):
        return len(self.coupons)
'''


@pytest.fixture
def shop(tmp_path, monkeypatch):
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    root = init(tmp_path / "shop")
    commit(root, {"cart.py": CART, "util.py": "def clamp(x, lo, hi):\n    return max(lo, min(x, hi))\n"}, "Add the cart")
    return root


def test_provenance_in_the_pipeline_output(shop, constant_model_dir):
    pipe = pipeline("document", model=constant_model_dir, backend="torch")
    results = pipe((shop / "cart.py").read_text(), lang="python", context=str(shop))
    by_name = {r["func_name"]: r for r in results}
    counted = by_name["Cart.coupon_count"]
    # the edited neighbour (item_count, the same shape) beats the model's constant answer
    assert counted["generated_text"] == "Return the number of coupons in the cart."
    assert counted["provenance"] == "adapted from Cart.item_count (cart.py:10)"
    assert counted["origin"] == {"function": "Cart.item_count", "path": "cart.py", "line": 10}
    assert counted["model_text"] == CONSTANT_ANSWER
    for r in results:  # every result says where its text came from
        assert r["provenance"] == "generated" or r["provenance"].startswith(("adapted from", "copied from"))


def test_the_unit_itself_is_never_its_own_exemplar(shop, constant_model_dir):
    pipe = pipeline("document", model=constant_model_dir, backend="torch")
    for r in pipe((shop / "cart.py").read_text(), lang="python", context=str(shop)):
        if r.get("origin"):
            assert r["origin"]["function"] != r["func_name"]
            assert r["origin"]["line"] != r["start_line"]


def test_context_off_keeps_the_model_text(shop, constant_model_dir):
    pipe = pipeline("document", model=constant_model_dir, backend="torch")
    code = (shop / "cart.py").read_text()
    plain = pipe(code, lang="python")
    assert all("provenance" not in r and r["generated_text"] == CONSTANT_ANSWER for r in plain)
    assert all("provenance" not in r for r in pipe(code, lang="python", context=str(shop), ground=False))
    with pytest.raises(CodeTransError, match="context=PATH"):
        pipe(code, lang="python", context=True)


def test_pairs_are_a_pool_too(constant_model_dir):
    pipe = pipeline("document", model=constant_model_dir, backend="torch")
    pairs = [("def get_name ( self ) : return self . name", "Returns the name of the store.")]
    r = pipe("def get_address(self):\n    return self.address\n", lang="python", context=pairs)[0]
    assert r["generated_text"] == "Returns the address of the store."
    assert r["provenance"] == "adapted from get_name"


def test_cli_document_is_grounded_by_default_inside_a_repository(shop, constant_model_dir, capsys):
    assert main(["document", str(shop / "cart.py"), "--model", constant_model_dir, "--backend", "torch"]) == 0
    cap = capsys.readouterr()
    assert "grounded in" in cap.err and "(3 documented functions)" in cap.err
    line = next(x for x in cap.out.splitlines() if "coupon_count" in x)
    assert line.endswith("Return the number of coupons in the cart.  [adapted from Cart.item_count (cart.py:10)]")
    assert main(["document", str(shop / "cart.py"), "--model", constant_model_dir, "--backend", "torch",
                 "--json"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert all("provenance" in r for r in rows)
    assert main(["document", str(shop / "cart.py"), "--model", constant_model_dir, "--backend", "torch",
                 "--no-context"]) == 0
    out = capsys.readouterr().out
    assert "[" not in out and CONSTANT_ANSWER in out


def test_no_documented_function_falls_back_with_a_note(tmp_path, constant_model_dir, capsys, monkeypatch):
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    root = init(tmp_path / "bare")
    commit(root, {"m.py": "def clamp(x, lo, hi):\n    return max(lo, min(x, hi))\n"}, "Add m")
    assert main(["document", str(root / "m.py"), "--model", constant_model_dir, "--backend", "torch"]) == 0
    cap = capsys.readouterr()
    assert "no documented functions found" in cap.err and "generating without context" in cap.err
    assert cap.out.strip().endswith(CONSTANT_ANSWER)


def test_write_inserts_text_and_prints_provenance_outside_the_file(shop, constant_model_dir, capsys):
    target = shop / "cart.py"
    assert main(["document", str(target), "--write", "--model", constant_model_dir, "--backend", "torch"]) == 0
    out = capsys.readouterr().out
    assert "[adapted from Cart.item_count (cart.py:10)]" in out
    text = target.read_text()
    assert '"""Return the number of coupons in the cart."""' in text
    assert "adapted from" not in text and "cart.py:10" not in text


def test_write_refuses_a_file_edited_while_it_was_documented(shop, constant_model_dir):
    from codetrans.apps.docwriter import write_docs

    pipe = pipeline("document", model=constant_model_dir, backend="torch")
    target = shop / "cart.py"
    text = target.read_text()
    edited = text + "\n\ndef added_meanwhile():\n    return 1\n"

    def document(todo):  # the user saves the file while the model runs
        results = pipe.document_file(text, todo, lang="python")
        target.write_text(edited)
        return results

    with pytest.raises(CodeTransError, match="changed while it was being documented; left untouched"):
        write_docs(pipe, target, text, "python", document=document)
    assert target.read_text() == edited  # the edit survives ...
    assert not list(shop.glob("cart.py.orig*"))  # ... and no backup of a stale state was made
    with pytest.raises(CodeTransError, match="changed since it was read"):
        write_docs(pipe, target, text, "python")  # stale text handed in: refused before any work


def test_chooser_round_trips_and_rule_chooser_takes_the_nearest():
    cands = candidates("def coupon_count ( self ) : return len ( self . coupons )", "python",
                       [("def item_count ( self ) : return sum ( self . items )", "Return the number of items.", 3.0),
                        ("def clamp ( x , lo , hi ) : return x", "Clamp x.", 0.5)], "Generated text.")
    # each neighbour as it is and, where the edit changes it, edited (clamp shares no word with coupon_count:
    # left as it is); then the model's text
    assert [(c.kind, c.rank, c.changes > 0) for c in cands] == [
        ("neighbour", 0, False), ("neighbour", 0, True), ("neighbour", 1, False), ("generated", -1, False)]
    assert cands[1].text == "Return the number of coupons."
    assert ground("def coupon_count ( self ) : return 1", "python", [], "Generated.").provenance == "generated"
    rule = rule_chooser()
    assert rule.choose(cands) is cands[1]  # the nearest, edited
    assert load_chooser(None).choose(cands) in cands[:2]  # the fitted chooser: the near neighbour too
    again = Chooser.from_json(json.loads(json.dumps(rule.as_json())))
    assert [again.estimate(c) for c in cands] == [rule.estimate(c) for c in cands]
    assert isinstance(load_chooser(None), Chooser)
