"""The package version: one place, read by ``pyproject.toml`` (dynamic version), the CLI and the LSP."""

__version__ = "0.1.0"
