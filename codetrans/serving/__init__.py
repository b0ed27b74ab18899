"""Serving: everything between a trained model directory and a pipeline call.

``logic`` (backend-free task logic) · ``torch_pipelines`` and ``ct2`` (the two backends) ·
``backends`` (choosing one) · ``pipelines`` (the ``pipeline()`` factory and ``verify()``) · ``export``
(CTranslate2 conversion) · ``zoo`` (model ids -> directories) · ``context``, ``context_policy``,
``exemplars`` (the pools a call draws from). Choosing among candidates is :mod:`codetrans.grounding`;
what users run on top is :mod:`codetrans.apps`; model cards are :mod:`codetrans.cards`.

Modules import torch, transformers or gradio only where they need them.
"""
