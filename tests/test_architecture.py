"""The core never imports Qt; heavy libraries stay out of start-up; the layer contracts bite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import mmdesk

PACKAGE = Path(mmdesk.__file__).parent
ROOT = PACKAGE.parent
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "contracts"
]
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


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` over the package in ``root`` with this project's contracts."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [lint, "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("module", "bad_import", "contract"),
    [
        ("store/_probe_layers.py", "import mmdesk.core.library", "Layers"),
        ("core/_probe_layers.py", "import mmdesk.cli", "Layers"),
        ("plugins/_probe_layers.py", "import mmdesk.export.default_model", "Layers"),
        ("core/_probe_qt.py", "import PySide6.QtCore", "Below the front ends"),
    ],
)
def test_the_import_contracts_catch_a_wrong_import(
    tmp_path: Path, module: str, bad_import: str, contract: str
) -> None:
    """The contracts in pyproject bite: one wrong import in a copy of the package breaks one."""
    shutil.copytree(PACKAGE, tmp_path / "mmdesk", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "mmdesk" / module).write_text(bad_import + "\n")
    run = _lint_imports(tmp_path)
    assert run.returncode != 0, run.stdout
    report = " ".join(run.stdout.split())  # contract names wrap over lines
    name = next(c["name"] for c in CONTRACTS if c["name"].startswith(contract))
    assert f"{name} BROKEN" in report, run.stdout
