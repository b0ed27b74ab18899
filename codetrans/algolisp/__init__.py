"""AlgoLisp, the program-synthesis DSL of Polosukhin & Skidanov (2018): parser, interpreter with hard
limits, problem generator, dataset loader and execution-based scoring.

>>> from codetrans.algolisp import run
>>> run("(reduce (filter a is_odd) 0 +)", {"a": [1, 2, 3]})
4
"""

from codetrans.algolisp.dataset import load_jsonl, statistics, to_records, write_jsonl
from codetrans.algolisp.errors import AlgoLispError, CompileError, ExecutionError, LimitError, ParseError
from codetrans.algolisp.generator import generate, iter_problems
from codetrans.algolisp.interpreter import (
    BUILTINS,
    CONSTANTS,
    LIBRARY_SOURCE,
    Limits,
    Program,
    compile_program,
    run,
    values_equal,
)
from codetrans.algolisp.parser import as_tree, depth, flatten, normalize, parse, to_str
from codetrans.algolisp.scoring import (
    exact_match,
    exact_match_accuracy,
    execute_matches,
    execution_accuracy,
)

__all__ = [
    "AlgoLispError", "BUILTINS", "CONSTANTS", "CompileError", "ExecutionError", "LIBRARY_SOURCE",
    "LimitError", "Limits", "ParseError", "Program", "as_tree", "compile_program", "depth", "exact_match",
    "exact_match_accuracy", "execute_matches", "execution_accuracy", "flatten", "generate", "iter_problems",
    "load_jsonl", "normalize", "parse", "run", "statistics", "to_records", "to_str", "values_equal",
    "write_jsonl",
]
