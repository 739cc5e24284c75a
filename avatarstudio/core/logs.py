"""Log lines that say which generation, team and provider task they are about.

Code that works on one of them wraps the work in ``log_context(...)``; a filter copies those
ids onto every record logged meanwhile, in this thread, so a JSON line carries them as fields.
Nothing else is added: keys are redacted by the provider client before they could reach a
message, and request or answer bodies are never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

_context: ContextVar[dict[str, str]] = ContextVar("log_context", default={})  # noqa: B039 (read only)


@contextmanager
def log_context(**ids: Any) -> Iterator[None]:
    """Tag every record logged inside the block with these ids (empty ones are left out)."""
    token = _context.set({**_context.get(), **{k: str(v) for k, v in ids.items() if v}})
    try:
        yield
    finally:
        _context.reset(token)


def add_to_log_context(**ids: Any) -> None:
    """Add ids learnt half way through a block (the provider's task id, once it answers)."""
    _context.set({**_context.get(), **{k: str(v) for k, v in ids.items() if v}})


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in _context.get().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


class JsonFormatter(BaseJsonFormatter):
    """One JSON object a line: time, level, logger, message, and the context ids."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        super().__init__(*args, **kwargs)
