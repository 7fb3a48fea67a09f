"""Printing for the CLI: JSON that never fails on odd file names, text that never splits a line."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from mmdesk.core.paths import display


def emit_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout, readable where it can be and exact always.

    Non-ASCII names stay readable (``ensure_ascii=False``) unless the text cannot be encoded for
    stdout, e.g. a file name that is not valid UTF-8 and so holds lone surrogates; then the JSON
    escapes them (``"\\udce9"``), which ``json.loads`` turns back into the exact same path.
    """
    text = json.dumps(data, indent=2, ensure_ascii=False, default=_plain)
    try:
        text.encode(sys.stdout.encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        text = json.dumps(data, indent=2, ensure_ascii=True, default=_plain)
    sys.stdout.write(text + "\n")


def _plain(value: Any) -> Any:
    """JSON for the few non-JSON values commands hand over (paths, times)."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def say(text: str) -> None:
    """One line on stdout for a person (results, summaries)."""
    print(text)


def note(text: str) -> None:
    """One line on stderr that is not an error: what happened, what to do next."""
    print(text, file=sys.stderr)


def shown(path: str | Path) -> str:
    """A path as a person reads it: one line, undecodable bytes as U+FFFD."""
    return display(path)


def when(value: float | datetime | str | None) -> str | None:
    """A time as ISO text (seconds), from a Unix time, a datetime or text; None stays None."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        value = datetime.fromtimestamp(value).astimezone()
    return value.isoformat(timespec="seconds")
