"""The edit that adapts a neighbour's documentation to the function at hand, in each language's naming."""

from __future__ import annotations

import pytest

from codetrans.grounding.edit import Signature, adapt, signature


@pytest.mark.parametrize("tokens, lang, expected", [
    ("def add_item ( self , item , quantity = 1 ) :", "python", Signature("add_item", ("item", "quantity"))),
    ("def load ( cls , * args , ** kwargs ) :", "python", Signature("load", ("args", "kwargs"))),
    ("public void addColumn ( final String columnName , int [ ] widths ) {", "java",
     Signature("addColumn", ("columnName", "widths"))),
    ("public function setTitle ( string $title = null , $force ) {", "php", Signature("setTitle", ("$title", "$force"))),
    ("func ( s * Stack ) Push ( v int , w string ) error {", "go", Signature("Push", ("v", "w"))),
    ("def self . find_by ( name , opts = { } )", "ruby", Signature("find_by", ("name", "opts"))),
    ("def each_pair", "ruby", Signature("each_pair", ())),
    ("async function loadUser ( uid , cb ) {", "javascript", Signature("loadUser", ("uid", "cb"))),
])
def test_signature_in_each_language(tokens, lang, expected):
    assert signature(tokens, lang) == expected


def test_a_known_qualified_name_wins():
    assert signature("def x ( a ) :", "python", name="Stack.peek").name == "peek"


def test_camel_case_java_names_and_parameters():
    src = signature("public void addColumn ( String columnName , int width ) {", "java")
    dst = signature("public void addItem ( String itemName , int size ) {", "java")
    edit = adapt("Adds a column to the table. The columnName must be unique; width in pixels. Columns grow.", src, dst)
    # compound identifiers swap whole; a one-word parameter in prose is a word ("width in pixels") and stays
    assert edit.text == "Adds an item to the table. The itemName must be unique; width in pixels. Items grow."
    assert edit.changes == 3


def test_snake_case_python_verbs_and_plurals():
    src = signature("def get_value ( self , key ) :", "python")
    dst = signature("def set_value ( self , key , value ) :", "python")
    assert adapt("Gets the value stored under key.", src, dst).text == "Sets the value stored under key."
    src = signature("def add_item ( self , item , quantity = 1 ) :", "python")
    dst = signature("def add_coupon ( self , coupon ) :", "python")
    assert adapt("Add an item to the cart.", src, dst).text == "Add a coupon to the cart."


def test_a_swapped_verb_takes_its_preposition():
    src = signature("def remove_item ( self , item ) :", "python")
    dst = signature("def add_item ( self , item ) :", "python")
    assert adapt("Remove an item from the cart.", src, dst).text == "Add an item to the cart."
    java = adapt("Removes the listener from this list.", signature("void removeListener ( Listener l ) {", "java"),
                 signature("void addListener ( Listener l ) {", "java"))
    assert java.text == "Adds the listener to this list."
    # verbs taking the same preposition, or a preposition far from the verb, are left alone
    assert adapt("Add an item to the cart.", signature("def add_item ( x ) :", "python"),
                 signature("def append_item ( x ) :", "python")).text == "Append an item to the cart."
    assert adapt("Get the value from the store.", signature("def get_value ( k ) :", "python"),
                 signature("def add_value ( k ) :", "python")).text == "Add the value from the store."


def test_php_dollar_variables():
    src = signature("public function setTitle ( $title )", "php")
    dst = signature("public function setName ( $name )", "php")
    edit = adapt("Set the title of the page to $title.", src, dst)
    assert edit.text == "Set the name of the page to $name." and edit.changes == 2


def test_whole_identifiers_and_go_style():
    src = signature("func ( s * Stack ) Peek ( ) int {", "go")
    dst = signature("func ( s * Stack ) Pop ( ) int {", "go")
    assert adapt("Peek returns the top of the stack without removing it.", src, dst).text.startswith("Pop returns")


def test_the_name_word_in_prose_follows_the_name():
    src, dst = Signature("parse", ("text",)), Signature("render", ("text",))
    assert adapt("Parses the configuration.", src, dst).text == "Renders the configuration."


def test_nothing_to_align_no_change():
    edit = adapt("Reads the configuration file.", Signature("load_config", ("path",)), Signature("load", ("path",)))
    assert edit.text == "Reads the configuration file." and edit.changes == 0
