"""CodeTrans: T5 encoder-decoder models for code.

Importing the package is cheap: heavy modules (torch, transformers, tree-sitter) load on first use.
"""

__version__ = "0.1.0"

from codetrans.errors import CodeTransError  # noqa: E402

__all__ = ["CodeTransError", "__version__"]
