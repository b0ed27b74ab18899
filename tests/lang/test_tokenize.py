import pytest

from codetrans.errors import CodeTransError
from codetrans.lang import detect_language, language_of, tokenize_code

# Goldens: leaf tokens joined by spaces, string literals whole, comments dropped (the original's format).
GOLDENS = {
    "python": ('def e(message, exit_code=None):\n    print_log(message, "a b")  # note\n',
               'def e ( message , exit_code = None ) : print_log ( message , "a b" )'),
    "java": ('public int f(String s) { /* c */ return s.length() + "a b".length(); } // x',
             'public int f ( String s ) { return s . length ( ) + "a b" . length ( ) ; }'),
    "go": ('package m\n// doc\nfunc f() string { return "a" + `b c` }\n',
           'package m func f ( ) string { return "a" + `b c` }'),
    "javascript": ("const f = (x) => `a ${x}` + 'q' + /re/g; // c",
                   "const f = ( x ) => `a ${x}` + 'q' + /re/g ;"),
    "php": ("<?php\nfunction f($x) { /** d */ return \"a $x\" . 'b'; }",
            "<?php function f ( $x ) { return \"a $x\" . 'b' ; }"),
    "ruby": ('def f(x)\n  # c\n  puts "a #{x} b", :sym\nend\n', 'def f ( x ) puts "a #{x} b" , :sym end'),
    "c_sharp": ('class A { void F() { /// d\n var s = $"a {x}"; var t = @"v w"; } }',
                'class A { void F ( ) { var s = $"a {x}" ; var t = @"v w" ; } }'),
    "sql": ("SELECT a, 'x y' FROM t WHERE b >= 2 -- c", "SELECT a , 'x y' FROM t WHERE b >= 2"),
}


@pytest.mark.parametrize("lang", sorted(GOLDENS))
def test_tokenization_goldens(lang):
    code, expected = GOLDENS[lang]
    result = tokenize_code(code, lang)
    assert result.text == expected
    assert result.lang == lang and not result.partial


def test_the_original_example():
    code = "def e(message, exit_code=None):\n    print_log(message, YELLOW, BOLD)\n"
    assert tokenize_code(code, "python").text == "def e ( message , exit_code = None ) : print_log ( message , YELLOW , BOLD )"


def test_python_docstrings_dropped_on_request():
    code = 'def f(x):\n    """Doc string."""\n    return x\n'
    assert tokenize_code(code, "python").tokens[6] == '"""Doc string."""'
    assert tokenize_code(code, "python", drop_docstrings=True).text == "def f ( x ) : return x"


@pytest.mark.parametrize("lang,code", [
    ("python", "def f(x:\n    return g(x, 'k')\n"),
    ("java", "class A { void f( { int x = 1; }"),
    ("go", "func f( { x := 1 "),
])
def test_unparsable_code_keeps_every_token_and_says_partial(lang, code):
    result = tokenize_code(code, lang)
    assert result.partial
    joined = "".join(result.tokens)
    assert joined == "".join(code.split()) or set(joined) <= set("".join(code.split()))
    # every identifier of the input survives
    for word in ("f", "x"):
        assert word in result.tokens


def test_lexical_fallback_when_language_unknown():
    result = tokenize_code("frob ~> bar(1, 'a b')", lang=None)
    assert result.lang is None and result.partial
    assert result.tokens == ["frob", "~", ">", "bar", "(", "1", ",", "'a b'", ")"]


def test_language_by_extension_and_detection():
    assert detect_language(path="x/y/Foo.java") == "java"
    assert detect_language(path="a.rb") == "ruby"
    assert detect_language(code="package main\n\nfunc main() {\n\tx := 1\n}\n") == "go"
    assert detect_language(code="<?php echo $x;") == "php"
    assert detect_language(code="def f(x):\n    return x\n") == "python"
    assert detect_language(code="SELECT name FROM users WHERE id = 3") == "sql"
    assert detect_language(code="using System;\nnamespace N { class A {} }") == "c_sharp"
    assert detect_language(code="const x = require('fs');\nconsole.log(x);") == "javascript"
    assert detect_language(code="class Foo\n  def bar\n    puts 1\n  end\nend\n") == "ruby"
    assert tokenize_code("int x = 1;", path="A.java").lang == "java"


def test_unknown_language_is_a_clear_error():
    with pytest.raises(CodeTransError, match="unsupported language 'cobol'"):
        tokenize_code("x", "cobol")
    with pytest.raises(CodeTransError, match="could not tell the language"):
        language_of(None, None, "   ")


def test_aliases_and_bytes_input():
    assert tokenize_code(b"var x = 1;", "js").lang == "javascript"
    assert tokenize_code("x = 1", "py").text == "x = 1"
    # undecodable bytes never crash
    assert tokenize_code(b"x = '\xff\xfe'\n", "python").tokens[0] == "x"
