"""What users run beside the CLI, on top of the pipelines: ``lsp`` (the language server; ``lsp_io`` its
JSON-RPC framing), ``demo`` (the Gradio app), ``docwriter`` (inserting documentation into files), ``doccheck``
(``document --check``), ``stale`` (docstrings that no longer describe their function), ``githook`` (the
commit-message hook)."""
