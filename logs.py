"""The explorer's structured log: one JSON object per line on standard error, through the standard logging module,
configured once per process. Events carry fixed names and fields the server chose (ids, versions, exception types,
code locations); never an answer, a query string, an exception's message or anything a person typed.

Events: ``start`` (once per process), ``content_loaded`` (id, version, fingerprint; once per file version),
``content_refused`` (the file's name and the number of problems), ``unexpected_error`` (error id, exception type,
location, traceback as code locations only) and ``streamlit_error`` (Streamlit's own uncaught-exception log, reduced
to the same). README "Logs" says what to watch.
"""

from __future__ import annotations

import datetime
import json
import logging
import sys
import traceback
from types import TracebackType
from typing import Any

__all__ = ["INFO", "WARNING", "ERROR", "LOGGER_NAME", "JsonFormatter", "configure", "event", "frames", "where", "STREAMLIT_ERROR_LOGGER"]

#: The logger every event goes to (its own handler; it does not propagate to the root logger).
LOGGER_NAME = "pathways.app"
#: Where Streamlit logs an exception that reached it ("Uncaught app execution", with the exception's message).
STREAMLIT_ERROR_LOGGER = "streamlit.error_util"
#: Levels, for callers that do not import logging themselves.
INFO, WARNING, ERROR = logging.INFO, logging.WARNING, logging.ERROR
#: Field values an event may carry: what a server chooses, never free text.
_SCALARS = (str, int, float, bool, type(None))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, event, then the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc).isoformat(
                timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        return json.dumps(line, ensure_ascii=False, sort_keys=False, default=str)


class _StreamlitErrorFilter(logging.Filter):
    """Streamlit's own log of an exception that reached it carries the exception's message (which may quote an
    answer): the record is rewritten to our event, with the exception's type and code locations only."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        record.msg, record.args, record.exc_info, record.exc_text, record.stack_info = "streamlit_error", (), None, \
            None, None
        if exc is not None:
            record.fields = {"type": type(exc).__name__, "where": where(exc.__traceback__),  # type: ignore[attr-defined]
                             "traceback": frames(exc.__traceback__)}
        logging.getLogger(LOGGER_NAME).handle(record)
        return False  # shown once, by our handler, in our format


_configured = False


def configure(stream: Any = None) -> logging.Logger:
    """Set the app's logger up once per process (later calls return it unchanged)."""
    global _configured
    logger = logging.getLogger(LOGGER_NAME)
    if _configured:
        return logger
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logging.getLogger(STREAMLIT_ERROR_LOGGER).addFilter(_StreamlitErrorFilter())
    _configured = True
    return logger


def event(name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event; every field must be a scalar or a list of scalars the server chose (checked here)."""
    for key, value in fields.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        if not all(isinstance(v, _SCALARS) for v in values):
            raise TypeError(f"log field {key!r} must be a scalar or a list of scalars")
    configure().log(level, name, extra={"fields": fields})


def frames(tb: TracebackType | None) -> list[str]:
    """A traceback as code locations only (``file:line in function``), innermost last: no message, no value."""
    return [f"{_short(f.filename)}:{f.lineno} in {f.name}" for f in traceback.extract_tb(tb)]


def where(tb: TracebackType | None) -> str:
    """The innermost code location of a traceback."""
    found = frames(tb)
    return found[-1] if found else "unknown"


def _short(filename: str) -> str:
    """A file's path from the project or site-packages on, not the server's whole path."""
    parts = filename.replace("\\", "/").split("/")
    for anchor in ("site-packages", "pathways"):
        if anchor in parts:
            index = len(parts) - 1 - parts[::-1].index(anchor)
            return "/".join(parts[index + (anchor == "site-packages"):])
    return parts[-1]
