"""Writing ``plugin.toml`` files: one small TOML writer for every exporter and for the
classifiers training writes (plugins sits below both, so both can use it).

A dozen lines instead of a dependency: mmdesk only reads TOML elsewhere (``tomllib``).
"""

from __future__ import annotations

import json
import re
from typing import Any

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def dumps(doc: dict[str, Any]) -> str:
    """Write a manifest as TOML (tables, arrays of tables, strings, numbers, lists, bools)."""
    lines: list[str] = []
    _emit(lines, doc, "")
    return "\n".join(lines).lstrip("\n") + "\n"


def _emit(lines: list[str], table: dict[str, Any], prefix: str) -> None:
    nested = {k: v for k, v in table.items() if isinstance(v, dict) or _is_table_list(v)}
    for key, value in table.items():
        if key not in nested and value is not None:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in nested.items():
        name = f"{prefix}.{_key(key)}" if prefix else _key(key)
        for item in value if isinstance(value, list) else [value]:
            lines += ["", f"[[{name}]]" if isinstance(value, list) else f"[{name}]"]
            _emit(lines, item, name)


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")
