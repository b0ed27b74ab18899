"""Exceptions users see. The CLI turns a :class:`CodeTransError` into one clear line and exit 2."""


class CodeTransError(Exception):
    """An error caused by the user's input or environment, with a message that says what to do."""


class ConfigError(CodeTransError):
    """A recipe or option is invalid (unknown key, wrong type, missing file)."""


class DataError(CodeTransError):
    """A dataset or source is missing, empty or malformed."""
