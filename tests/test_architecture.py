"""The core never imports Qt; heavy libraries stay out of start-up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mmdesk

PACKAGE = Path(mmdesk.__file__).parent
CORE_MODULES = sorted(
    "mmdesk." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)
    for p in PACKAGE.rglob("*.py")
    if "gui" not in p.relative_to(PACKAGE).parts and p.name != "__main__.py"
)


def _imported_after(modules: list[str]) -> set[str]:
    code = (
        "import sys\n"
        + "".join(f"import {m.removesuffix('.__init__')}\n" for m in modules)
        + "print('\\n'.join(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_core_modules_import_no_qt() -> None:
    loaded = _imported_after(CORE_MODULES)
    qt = sorted(m for m in loaded if m.split(".")[0] in {"PySide6", "PyQt5", "PyQt6", "shiboken6"})
    assert qt == [], f"the core imported Qt: {qt}"


def test_no_qt_import_statement_outside_gui() -> None:
    offenders = [
        str(p)
        for p in PACKAGE.rglob("*.py")
        if "gui" not in p.parts
        and any(
            w in p.read_text()
            for w in ("import PySide6", "from PySide6", "import PyQt", "from PyQt")
        )
    ]
    assert offenders == []


def test_cli_start_up_imports_neither_torch_nor_onnxruntime() -> None:
    loaded = _imported_after(["mmdesk.cli", "mmdesk.core.library"])
    assert "torch" not in loaded and "onnxruntime" not in loaded and "open_clip" not in loaded
