"""Sources (directory trees, archives, git histories, research corpora) -> supervised records and
``datasets.DatasetDict`` corpora. See :mod:`codetrans.data.loaders`, :mod:`codetrans.data.git`,
:mod:`codetrans.data.sources`, :mod:`codetrans.data.build` and :mod:`codetrans.data.harvest`."""

from codetrans.data.loaders import (
    load_algolisp,
    load_codenn,
    load_codesearchnet,
    load_commits,
    load_nngen,
    load_research_folder,
)
from codetrans.data.report import Records, SkipReport

__all__ = ["Records", "SkipReport", "load_algolisp", "load_codenn", "load_codesearchnet", "load_commits",
           "load_nngen", "load_research_folder"]
