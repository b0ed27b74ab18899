"""The templates that problems are composed of: program fragments and their phrasings, by family.

``array``: a ``Source`` -> ``PREDICATES`` (filters) -> ``MAPS`` -> ``REDUCERS`` -> ``POSTS``;
``arith``: expression trees of ``ARITH_OPS``, optionally tested by one of ``ARITH_TESTS``; ``seq``: a
``SEQ_FUNCS`` number function with an optional post-op. The generator draws from these tables by
position, so adding, removing or reordering an entry changes the datasets generated from a seed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    """One template: a program fragment plus phrasings.

    ``prog`` and phrasings are format strings over ``{k}`` (a sampled constant) and, for the
    pieces that wrap another expression, ``{x}``. ``args`` are the program arguments it reads.
    """

    id: str
    prog: str
    phrases: tuple[str, ...]
    adj: tuple[str, ...] = ()  # adjective phrasings of a predicate ("odd"), usable before the noun
    k: tuple[int, int] | None = None  # range of the constant {k}
    args: tuple[tuple[str, str], ...] = ()
    elem: str = "int"  # element type it accepts
    out: str = "int"  # element type (map) or return type (reducer, post)
    group: str = ""  # predicates of one group exclude each other (odd / even)
    suffix: bool = False  # map phrasings follow the noun phrase ("doubled") instead of leading it


@dataclass(frozen=True)
class Source:
    id: str
    prog: str
    elem: str
    nouns: tuple[tuple[str, str], ...]  # (noun, location) e.g. ("elements", "of a")
    args: tuple[tuple[str, str], ...]
    sampler: str  # input sampler for its main argument


P = Part
B_INT = (("b", "int"),)
B_ARR = (("b", "int[]"),)

SOURCES = (
    Source("a", "a", "int", (("elements", "of a"), ("numbers", "in a"), ("values", "in a"),
                             ("elements", "in a"), ("numbers", "of a")), (("a", "int[]"),), "array"),
    Source("words", '(str_split s " ")', "string", (("words", "in s"), ("words", "of s"),
                                                    ("words", "of the string s")), (("s", "string"),), "sentence"),
    Source("digits", "(digits a)", "int", (("digits", "of a"), ("digits", "in a"),
                                           ("digits", "of the number a")), (("a", "int"),), "bignum"),
    Source("range", "(range 1 (+ a 1))", "int", (("numbers", "from 1 to a"),
                                                 ("integers", "between 1 and a inclusive")), (("a", "int"),), "count"),
    Source("even_pos", "(map (filter (range 0 (len a)) is_even) (partial0 a deref))", "int",
           (("elements", "of a at even positions"), ("elements", "at even indices of a")), (("a", "int[]"),), "array"),
    Source("prefix", "(slice a 0 c)", "int", (("elements", "among the first c elements of a"),
                                              ("elements", "among the first c of a")), (("a", "int[]"), ("c", "int")), "array"),
)

PREDICATES = (
    P("odd", "is_odd", ("that are odd", "which are odd"), adj=("odd",), group="parity"),
    P("even", "is_even", ("that are even", "which are even"), adj=("even",), group="parity"),
    P("prime", "is_prime", ("that are prime", "which are prime numbers"), adj=("prime",), group="prime"),
    P("not_prime", "(combine ! is_prime)", ("that are not prime", "which are not prime numbers"),
      adj=("non prime",), group="prime"),
    P("positive", "(partial1 0 >)", ("that are positive", "greater than 0", "greater than zero"),
      adj=("positive",), group="sign"),
    P("negative", "(partial1 0 <)", ("that are negative", "less than 0", "smaller than zero"),
      adj=("negative",), group="sign"),
    P("gt_k", "(partial1 {k} >)", ("greater than {k}", "that are greater than {k}", "larger than {k}",
                                   "exceeding {k}"), k=(1, 20), group="gt"),
    P("lt_k", "(partial1 {k} <)", ("less than {k}", "smaller than {k}", "that are below {k}"), k=(1, 20), group="lt"),
    P("gt_b", "(partial1 b >)", ("greater than b", "larger than b", "that exceed b"), args=B_INT, group="gt"),
    P("lt_b", "(partial1 b <)", ("less than b", "smaller than b", "that are below b"), args=B_INT, group="lt"),
    P("div_k", "(lambda1 (== (% arg1 {k}) 0))", ("divisible by {k}", "that are multiples of {k}",
                                                  "that are divisible by {k}"), k=(3, 9), group="div"),
    P("ndiv_k", "(lambda1 (!= (% arg1 {k}) 0))", ("not divisible by {k}", "that are not multiples of {k}"),
      k=(3, 9), group="div"),
    P("div_b", "(lambda1 (== (% arg1 b) 0))", ("divisible by b", "that are multiples of b"), args=B_INT, group="div"),
    P("eq_b", "(partial0 b ==)", ("equal to b", "that are equal to b"), args=B_INT, group="eq"),
    P("ne_b", "(partial0 b !=)", ("different from b", "not equal to b"), args=B_INT, group="eq"),
    P("in_b", "(partial0 b contains)", ("that also appear in b", "contained in b", "that occur in b"),
      args=B_ARR, group="in"),
    P("notin_b", "(combine ! (partial0 b contains))", ("that do not appear in b", "not contained in b"),
      args=B_ARR, group="in"),
    P("sq_gt_k", "(lambda1 (> (square arg1) {k}))", ("whose square is greater than {k}",
                                                     "whose square exceeds {k}"), k=(10, 100), group="sq"),
    P("len_gt_k", "(lambda1 (> (strlen arg1) {k}))", ("longer than {k} characters", "with more than {k} letters",
                                                      "that have more than {k} characters"),
      k=(2, 6), elem="string", group="len"),
    P("len_lt_k", "(lambda1 (< (strlen arg1) {k}))", ("shorter than {k} characters", "with fewer than {k} letters"),
      k=(3, 7), elem="string", group="len"),
    P("len_eq_k", "(lambda1 (== (strlen arg1) {k}))", ("of length {k}", "with exactly {k} letters"),
      k=(2, 6), elem="string", group="len"),
    P("len_odd", "(combine is_odd strlen)", ("of odd length", "with an odd number of letters"),
      elem="string", group="lenpar"),
    P("len_even", "(combine is_even strlen)", ("of even length", "with an even number of letters"),
      elem="string", group="lenpar"),
)

MAPS = (
    P("square", "square", ("squares of", "the squares of")),
    P("cube", "(lambda1 (* arg1 (* arg1 arg1)))", ("cubed", "raised to the third power"), suffix=True),
    P("double", "(partial0 2 *)", ("doubled", "multiplied by 2", "times two"), suffix=True),
    P("mul_k", "(partial0 {k} *)", ("multiplied by {k}", "times {k}"), k=(3, 9), suffix=True),
    P("add_k", "(partial0 {k} +)", ("plus {k}", "increased by {k}", "with {k} added"), k=(1, 9), suffix=True),
    P("sub_k", "(partial1 {k} -)", ("minus {k}", "decreased by {k}"), k=(1, 9), suffix=True),
    P("mod_k", "(partial1 {k} %)", ("modulo {k}", "mod {k}"), k=(2, 9), suffix=True),
    P("div_k", "(partial1 {k} /)", ("divided by {k}", "integer divided by {k}"), k=(2, 5), suffix=True),
    P("neg", "(partial0 0 -)", ("negations of", "the negated values of")),
    P("abs", "abs", ("absolute values of", "the absolute values of")),
    P("digit_sum", "(lambda1 (reduce (digits arg1) 0 +))", ("digit sums of", "sums of digits of")),
    P("num_digits", "(combine len digits)", ("numbers of digits of", "digit counts of")),
    P("mul_b", "(partial0 b *)", ("multiplied by b", "times b"), args=B_INT, suffix=True),
    P("add_b", "(partial0 b +)", ("plus b", "increased by b"), args=B_INT, suffix=True),
    P("strlen", "strlen", ("lengths of", "the lengths of", "numbers of letters in"), elem="string"),
    P("dup", "(lambda1 (str_concat arg1 arg1))", ("repeated twice", "concatenated with themselves"),
      elem="string", out="string", suffix=True),
    P("add_z", '(lambda1 (str_concat arg1 "z"))', ("followed by the letter z", "with z appended"),
      elem="string", out="string", suffix=True),
)

# Reducers: {x} is the element expression. `out` is the return type; "list" = array of the elements.
REDUCERS = (
    P("sum", "(reduce {x} 0 +)", ("the sum of {x}", "the total of {x}", "the sum of all {x}")),
    P("product", "(reduce {x} 1 *)", ("the product of {x}", "the product of all {x}")),
    P("max", "(reduce {x} (- 0 inf) max)", ("the maximum of {x}", "the largest of {x}", "the biggest among {x}",
                                            "the maximal value among {x}")),
    P("min", "(reduce {x} inf min)", ("the minimum of {x}", "the smallest of {x}", "the minimal value among {x}")),
    P("count", "(len {x})", ("the number of {x}", "how many {x} there are", "the count of {x}"), group="nomap"),
    P("list", "{x}", ("{x}", "all {x}", "an array of {x}", "the list of {x}"), out="list"),
    P("sorted", "(sort {x})", ("{x} in ascending order", "{x} sorted", "{x} sorted from smallest to largest"),
      out="list"),
    P("sorted_desc", "(reverse (sort {x}))", ("{x} in descending order", "{x} sorted from largest to smallest"),
      out="list"),
    P("reversed", "(reverse {x})", ("{x} in reverse order", "{x} from last to first"), out="list"),
    P("first", "(head {x})", ("the first of the {x}", "the first one of the {x}"), out="elem"),
    P("last", "(head (reverse {x}))", ("the last of the {x}", "the last one of the {x}"), out="elem"),
    P("any", "(> (len {x}) 0)", ("whether there are any {x}", "if there is at least one of the {x}"),
      out="bool", group="nomap"),
    P("concat", '(reduce {x} "" str_concat)', ("the concatenation of {x}", "{x} joined together"),
      elem="string", out="string"),
    P("str_smallest", "(head (sort {x}))", ("the alphabetically first of the {x}",
                                            "the lexicographically smallest of the {x}"), elem="string", out="string"),
    P("str_largest", "(head (reverse (sort {x})))", ("the alphabetically last of the {x}",
                                                     "the lexicographically largest of the {x}"),
      elem="string", out="string"),
)
_NUMERIC_ONLY = {"sum", "product", "max", "min"}

POSTS = (
    P("square", "(square {x})", ("the square of {x}",)),
    P("plus_k", "(+ {x} {k})", ("{x} plus {k}", "{x} increased by {k}"), k=(1, 9)),
    P("mod_k", "(% {x} {k})", ("{x} modulo {k}", "the remainder of {x} divided by {k}"), k=(2, 9)),
    P("times_b", "(* {x} b)", ("{x} multiplied by b", "{x} times b"), args=B_INT),
    P("is_even", "(is_even {x})", ("whether {x} is even", "if {x} is an even number"), out="bool"),
    P("is_odd", "(is_odd {x})", ("whether {x} is odd", "if {x} is an odd number"), out="bool"),
    P("gt_b", "(> {x} b)", ("whether {x} is greater than b", "if {x} exceeds b"), args=B_INT, out="bool"),
    P("is_prime", "(is_prime {x})", ("whether {x} is prime", "if {x} is a prime number"), out="bool"),
)


# Arithmetic expressions: (arity, program, phrasings for any children, phrasings for leaf children).
ARITH_OPS: dict[str, tuple[int, str, tuple[str, ...], tuple[str, ...]]] = {
    "add": (2, "(+ {0} {1})", ("the sum of {0} and {1}",), ("{0} plus {1}",)),
    "sub": (2, "(- {0} {1})", ("the difference between {0} and {1}",), ("{0} minus {1}",)),
    "mul": (2, "(* {0} {1})", ("the product of {0} and {1}",), ("{0} times {1}", "{0} multiplied by {1}")),
    "div": (2, "(/ {0} {1})", ("the integer quotient of {0} divided by {1}",), ("{0} divided by {1}",)),
    "mod": (2, "(% {0} {1})", ("the remainder of {0} divided by {1}", "the remainder when {0} is divided by {1}"),
            ("{0} modulo {1}", "{0} mod {1}")),
    "max": (2, "(max {0} {1})", ("the maximum of {0} and {1}", "the larger of {0} and {1}"), ()),
    "min": (2, "(min {0} {1})", ("the minimum of {0} and {1}", "the smaller of {0} and {1}"), ()),
    "square": (1, "(square {0})", ("the square of {0}",), ("{0} squared",)),
    "abs": (1, "(abs {0})", ("the absolute value of {0}",), ()),
    "neg": (1, "(- 0 {0})", ("the negation of {0}", "the opposite of {0}"), ()),
    "digsum": (1, "(reduce (digits {0}) 0 +)", ("the sum of digits of {0}", "the digit sum of {0}"), ()),
    "ndig": (1, "(len (digits {0}))", ("the number of digits in {0}", "the count of digits of {0}"), ()),
    "maxdig": (1, "(reduce (digits {0}) 0 max)", ("the largest digit of {0}",), ()),
}
ARITH_TESTS: dict[str, tuple[int, str, tuple[str, ...]]] = {
    "gt": (2, "(> {0} {1})", ("whether {0} is greater than {1}", "if {0} is larger than {1}")),
    "le": (2, "(<= {0} {1})", ("whether {0} is at most {1}", "if {0} is less than or equal to {1}")),
    "eq": (2, "(== {0} {1})", ("whether {0} equals {1}", "if {0} is equal to {1}")),
    "even": (1, "(is_even {0})", ("whether {0} is even",)),
    "odd": (1, "(is_odd {0})", ("whether {0} is odd",)),
    "prime": (1, "(is_prime {0})", ("whether {0} is prime", "if {0} is a prime number")),
    "divisible": (2, "(== (% {0} {1}) 0)", ("whether {0} is divisible by {1}",)),
}


# Number functions of one argument {0}: (program, phrasings, input kind).
SEQ_FUNCS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "factorial": ("(invoke1 (lambda1 (if (<= arg1 1) 1 (* arg1 (self (- arg1 1))))) {0})",
                  ("the factorial of {0}", "{0} factorial"), "range:0:12"),
    "fibonacci": ("(invoke1 (lambda1 (if (<= arg1 1) arg1 (+ (self (- arg1 1)) (self (- arg1 2))))) {0})",
                  ("the {0}-th fibonacci number", "the fibonacci number at position {0}"), "range:0:12"),
    "pow2": ("(pow 2 {0})", ("2 to the power of {0}", "two raised to the power {0}"), "range:0:30"),
    "collatz": ("(invoke1 (lambda1 (if (<= arg1 1) 0 (+ 1 (self (if (is_even arg1) (/ arg1 2) "
                "(+ (* 3 arg1) 1)))))) {0})",
                ("the number of collatz steps needed to reach 1 from {0}",
                 "how many steps the collatz process takes to get from {0} to 1"), "range:1:40"),
    "digital_root": ("(invoke1 (lambda1 (if (< arg1 10) arg1 (self (reduce (digits arg1) 0 +)))) {0})",
                     ("the digital root of {0}",
                      "the result of repeatedly summing the digits of {0} until one digit remains"), "bignum"),
    "num_divisors": ("(len (filter (range 1 (+ {0} 1)) (lambda1 (== (% {0} arg1) 0))))",
                     ("the number of divisors of {0}", "how many divisors {0} has"), "range:1:200"),
    "sum_proper_divisors": ("(reduce (filter (range 1 {0}) (lambda1 (== (% {0} arg1) 0))) 0 +)",
                            ("the sum of proper divisors of {0}", "the sum of all divisors of {0} smaller than {0}"),
                            "range:1:200"),
    "isqrt": ("(floor (sqrt {0}))", ("the integer square root of {0}", "the square root of {0} rounded down"),
              "range:0:500"),
    "is_square": ("(== (square (floor (sqrt {0}))) {0})", ("whether {0} is a perfect square",), "range:0:100"),
    "sum_squares": ("(reduce (map (range 1 (+ {0} 1)) square) 0 +)",
                    ("the sum of squares of all numbers from 1 to {0}",), "range:0:40"),
}
SEQ_ARG_NAMES = ("a", "n", "x", "k")
