"""AlgoLisp, the program-synthesis DSL of Polosukhin & Skidanov (2018): parser, interpreter with hard
limits, problem generator, dataset loader and execution-based scoring.

>>> from codetrans.algolisp import run
>>> run("(reduce (filter a is_odd) 0 +)", {"a": [1, 2, 3]})
4
"""

from codetrans.algolisp.errors import AlgoLispError, CompileError, ExecutionError, LimitError, ParseError
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

__all__ = [
    "AlgoLispError", "BUILTINS", "CONSTANTS", "CompileError", "ExecutionError", "LIBRARY_SOURCE",
    "LimitError", "Limits", "ParseError", "Program", "as_tree", "compile_program", "depth", "flatten",
    "normalize", "parse", "run", "to_str", "values_equal",
]
