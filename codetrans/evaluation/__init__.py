"""The evaluation harness: models and baselines scored on dataset splits, tables in the paper's layout.

``evaluate(model, data, out_dir, ...)`` is the runner (``codetrans evaluate`` on the command line);
:func:`render_table` / :func:`merge_tables` turn metrics JSONs into markdown tables. Baselines
(``baseline:bm25``, ``baseline:nngen``, ``baseline:funcname``, ``baseline:repo-bm25``) go through the same
runner; :func:`context_suite` compares a model with and without repository context.
"""

from codetrans.evaluation.grounded import context_suite
from codetrans.evaluation.predictors import (
    BASELINES,
    BaselinePredictor,
    DecodingOptions,
    ModelPredictor,
    Predictor,
    make_predictor,
    resolve_model,
)
from codetrans.evaluation.runner import (
    SCHEMA,
    EvaluateOptions,
    evaluate,
    load_split,
    package_versions,
    select_tasks,
)
from codetrans.metrics.table import (
    column_label,
    load_results,
    merge_tables,
    render_context_table,
    render_table,
)

__all__ = [
    "BASELINES", "SCHEMA", "BaselinePredictor", "DecodingOptions", "EvaluateOptions", "ModelPredictor",
    "Predictor", "column_label", "context_suite", "evaluate", "load_results", "load_split", "make_predictor", "merge_tables",
    "package_versions", "render_context_table", "render_table", "resolve_model", "select_tasks",
]
