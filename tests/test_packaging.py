"""An installed wheel works outside a checkout: it carries its plugins and resources."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _declared_packages() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return set(config["packages"])


def test_every_package_under_mmdesk_is_in_the_wheel() -> None:
    """pyproject lists packages by hand (for mmdesk._data); a new sub-package must join it."""
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "mmdesk").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    missing = found - _declared_packages()
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {missing}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """mmdesk built as a wheel and installed into a bare folder (no checkout on the path)."""
    wheels, target = tmp_path_factory.mktemp("wheels"), tmp_path_factory.mktemp("site")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(ROOT)]
    subprocess.run(build, check=True, capture_output=True, timeout=600)
    (wheel,) = wheels.glob("mmdesk-*.whl")
    install = [*pip, "install", "--no-deps", "--target", str(target), str(wheel)]
    subprocess.run(install, check=True, capture_output=True, timeout=600)
    return target


def _run_installed(target: Path, tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MMDESK_")}
    env.update(PYTHONPATH=str(target), MMDESK_DATA_DIR=str(tmp_path / "data"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True
    )


@pytest.mark.slow
def test_the_installed_wheel_finds_its_data_inside_itself(installed: Path, tmp_path: Path) -> None:
    code = (
        "import mmdesk, mmdesk.config as c\n"
        "print(mmdesk.__file__); print(c.RESOURCES); print(c.BUNDLED_PLUGINS)\n"
    )
    run = _run_installed(installed, tmp_path, code)
    assert run.returncode == 0, run.stderr
    module, resources, plugins = (Path(line) for line in run.stdout.splitlines())
    for path in (module, resources, plugins):
        assert installed in path.parents, f"{path} is not inside the installed wheel"
    assert (resources / "style.qss").is_file() and (resources / "sample_library.toml").is_file()
    assert (plugins / "README.md").is_file()
    if (ROOT / "plugins" / "default" / "plugin.toml").is_file():
        assert (plugins / "default" / "plugin.toml").is_file()


@pytest.mark.slow
def test_the_installed_cli_runs_status(installed: Path, tmp_path: Path) -> None:
    code = "import sys\nfrom mmdesk.cli import main\nsys.exit(main(['status', '--json']))\n"
    run = _run_installed(installed, tmp_path, code)
    assert run.returncode == 0, run.stderr
    assert '"files": 0' in run.stdout
    assert (tmp_path / "data" / "library.db").is_file()
