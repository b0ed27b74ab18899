"""Serving: everything between a trained model directory and its users.

``logic`` (backend-free task logic) · ``torch_pipelines`` and ``ct2`` (the two backends) ·
``backends`` (choosing one) · ``pipelines`` (the ``pipeline()`` factory) · ``export`` (CTranslate2
conversion) · ``zoo`` (model ids -> directories) · ``cards`` (model cards) · ``docwriter`` (inserting
generated docs into files) · ``githook`` (the commit-message hook) · ``demo`` (the Gradio app).

Modules import torch, transformers or gradio only where they need them.
"""
