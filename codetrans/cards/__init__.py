"""Model cards: ``card`` renders one from a model directory and measured results into ``model_card.md``,
the template (Hugging Face style: YAML metadata, intended use, training, evaluation, limitations)."""
