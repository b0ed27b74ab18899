"""describe(): a faithful sentence from a function's own name and code, or nothing at all."""

from __future__ import annotations

import pytest

from codetrans.grounding.describe import describe
from codetrans.lang.extract import list_functions

SHOP = '''class Cart:
    def __init__(self, owner):
        self.owner = owner

    def item_count(self):
        return len(self.items)

    def is_empty(self):
        return not self.items

    def get_owner(self):
        return self.owner

    def remove_item(self, item):
        if item not in self.items:
            raise KeyError(item)
        self.items.remove(item)

    def restock(self):
        pass
'''

STORE = '''public class Store {
    public Store(String name) { this.name = name; }
    public String getName() { return name; }
    public void setClosingHour(int hour) {
        if (hour > 24) { throw new IllegalArgumentException("hour"); }
        this.closingHour = hour;
    }
}
'''


def _described(code: str, lang: str) -> dict[str, str | None]:
    return {f["func_name"]: describe(" ".join(f["code_tokens"]), lang, f["func_name"])
            for f in list_functions(code, lang)}


def test_python_names_become_imperative_sentences_and_raises_are_told():
    got = _described(SHOP, "python")
    assert got["Cart.__init__"] == "Create a new Cart from owner."
    assert got["Cart.item_count"] == "Return the item count."
    assert got["Cart.is_empty"] == "Return whether it is empty."
    assert got["Cart.get_owner"] == "Return the owner."
    assert got["Cart.remove_item"] == "Remove the item. May raise KeyError."


def test_a_name_that_says_too_little_gives_no_description_rather_than_a_guess():
    assert _described(SHOP, "python")["Cart.restock"] is None


def test_java_takes_the_third_person_and_throws():
    got = _described(STORE, "java")
    assert got["Store.Store"] == "Creates a new Store from name."
    assert got["Store.getName"] == "Returns the name."
    assert got["Store.setClosingHour"] == "Sets the closing hour. May throw IllegalArgumentException."


@pytest.mark.parametrize("tokens,lang,expected", [
    ("func ( s * Server ) IsRunning ( ) bool { return s . running }", "go", "IsRunning returns whether it is running."),
    ("function toJson ( ) { return JSON . stringify ( this ) ; }", "javascript", "Converts it to json."),
])
def test_other_languages(tokens, lang, expected):
    assert describe(tokens, lang) == expected
