"""Exceptions users see. The CLI turns a :class:`CodeTransError` into one clear line and exit 2."""


class CodeTransError(ValueError):
    """An error caused by the user's input or environment, with a message that says what to do.

    A ``ValueError``: a caller's ``except ValueError`` around a pipeline call catches a bad argument too.
    (Inside the package, an ``except ValueError`` that guards a parse must let these through first.)"""


class ConfigError(CodeTransError):
    """A recipe or option is invalid (unknown key, wrong type, missing file)."""


class DataError(CodeTransError):
    """A dataset or source is missing, empty or malformed."""
