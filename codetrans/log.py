"""The package's messages go through :mod:`logging`; library code never prints.

Modules log to ``codetrans.<module>`` loggers. A Python caller sees warnings (logging's last-resort
handler) and can route the rest as it likes; the command line calls :func:`configure_cli_logging`, which
shows warnings from everywhere and the progress of the long jobs (training, the harvest) as bare lines
on stderr, so stdout keeps only results.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

#: loggers whose INFO records (progress of long jobs) the command line shows
PROGRESS_LOGGERS = ("codetrans.train", "codetrans.data.harvest", "codetrans.retrieval.pools")


class _StderrHandler(logging.Handler):
    """Writes to the ``sys.stderr`` of the moment (a test's capture, a redirected stream), not the one at setup."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # noqa: BLE001  (logging's own contract: a failing handler never raises)
            self.handleError(record)


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        return f"{record.levelname.lower()}: {text}" if record.levelno >= logging.WARNING else text


def configure_cli_logging() -> None:
    """Route the package's records to stderr for the command line; calling it again changes nothing."""
    package = logging.getLogger("codetrans")
    if not any(isinstance(h, _StderrHandler) for h in package.handlers):
        handler = _StderrHandler()
        handler.setFormatter(_Formatter())
        package.addHandler(handler)
    package.setLevel(logging.WARNING)
    for name in PROGRESS_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)


def progress_bar(iterable: Any = None, **kwargs: Any) -> Any:
    """A progress bar of a long job on stderr (tqdm; its keywords: ``total``, ``desc``, ``unit``, ``disable``
    ...): the one place library code draws one, so what it shows and where is decided here."""
    from tqdm.auto import tqdm

    kwargs.setdefault("file", sys.stderr)
    return tqdm(iterable, **kwargs)
