"""The GUI reaches the library only through the Library facade: no store, no SQL, and it
never writes a setting into the environment (settings are resolved once and passed down)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import mmdesk.gui

GUI = Path(mmdesk.gui.__file__).parent
STORE_USE = re.compile(r"\.store\b|from mmdesk\.store|import mmdesk\.store|sqlite3")
SQL = re.compile(
    r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA)\b[^\n]*\b(FROM|INTO|SET|TABLE|\w+)"
)
ENV_WRITE = re.compile(r"os\.environ\s*\[[^\]]+\]\s*=|os\.environ\.(setdefault|update|pop)|putenv")


def _offenders(pattern: re.Pattern[str]) -> list[str]:
    return [
        f"{path.name}:{n}: {line.strip()}"
        for path in sorted(GUI.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]


@pytest.mark.parametrize(
    ("pattern", "caught"),
    [
        (STORE_USE, "window.library.store.folders()"),
        (STORE_USE, "from mmdesk.store import Store"),
        (SQL, '"SELECT COUNT(*) FROM files"'),
        (SQL, "'DELETE FROM labels WHERE id=?'"),
        (ENV_WRITE, 'os.environ["MMDESK_DEVICE"] = "cpu"'),
    ],
)
def test_the_checks_catch_what_they_look_for(pattern: re.Pattern[str], caught: str) -> None:
    assert pattern.search(caught)
    assert not pattern.search("Select all")  # menu text is not SQL


def test_no_gui_module_touches_the_store() -> None:
    assert _offenders(STORE_USE) == []


def test_no_gui_module_contains_sql() -> None:
    assert _offenders(SQL) == []


def test_no_gui_module_writes_the_environment() -> None:
    assert _offenders(ENV_WRITE) == []
