"""Dates as people type them in filters: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

A bound is the start of the period typed: ``after:2024`` keeps what was taken from 1 January
2024 on, ``before:2024-06`` what was taken before June 2024, so ``after:2023 before:2024`` is
the year 2023. Bounds compare with the ISO dates the store keeps (EXIF local time).
"""

from __future__ import annotations

import datetime as dt
import re

_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def period_start(text: str) -> str:
    """The ISO date (``YYYY-MM-DD``) a typed period starts on; ValueError when it is none."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"a date is YYYY, YYYY-MM or YYYY-MM-DD (not {text!r})")
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a date: {exc}") from None


def is_date(text: str) -> bool:
    """Whether ``text`` is a date a filter takes."""
    try:
        period_start(text)
    except ValueError:
        return False
    return True
