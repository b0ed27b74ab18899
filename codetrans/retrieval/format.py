"""The version of the exemplar-augmented input format (:mod:`codetrans.retrieval.augment`).

A model trained on it declares it (``codetrans.json`` -> ``context`` -> ``format``). Its own module, not
``augment``: serving and training read it without importing numpy, and ``augment`` reads it without
importing the package's lazy exports.
"""

FORMAT = 1
