"""The CLI reaches the library only through ``Library``: no store, no SQL, no environment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import mmdesk.cli

CLI = Path(mmdesk.cli.__file__).parent
SOURCES = sorted(CLI.glob("*.py"))

BANNED = {
    "the store behind the library": re.compile(r"(?<!mmdesk)\.store\.|\bStore\("),
    "SQL": re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b.*\b(FROM|INTO|SET|WHERE)\b"),
    "a raw connection": re.compile(r"\.conn\.|\bsqlite3\b"),
    "writing the environment": re.compile(
        r"os\.environ\[[^]]+\]\s*=|os\.environ\.(update|setdefault)|putenv"
    ),
}


@pytest.mark.parametrize("what", sorted(BANNED))
def test_cli_sources_do_not_use(what: str) -> None:
    pattern = BANNED[what]
    found = [
        f"{path.name}:{n}: {line.strip()}"
        for path in SOURCES
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == [], f"the CLI uses {what}"


def test_the_patterns_catch_what_they_are_for() -> None:
    examples = {
        "the store behind the library": "lib.store.add_label(items, name)",
        "SQL": 'run("DELETE FROM embeddings WHERE encoder=?", (e,))',
        "a raw connection": "conn = sqlite3.connect(path)",
        "writing the environment": 'os.environ["MMDESK_DATA_DIR"] = str(path)',
    }
    assert examples.keys() == BANNED.keys()
    for what, line in examples.items():
        assert BANNED[what].search(line), what
