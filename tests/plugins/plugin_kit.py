"""Helpers for the plugin tests: copies of the toy plugin, edited one manifest line at a time."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

_T = TypeVar("_T")

CAPTIONER_CODE = """
class Cap:
    def __init__(self, spec, options):
        self.spec = spec

    def caption(self, images):
        return [f"a picture by {self.spec.id}" for _ in images]
"""


def copy_toy(toy_plugin_dir: Path, root: Path, name: str, *, space: str | None = None) -> Path:
    """A copy of the toy plugin as ``root/name``: plugin id ``name``, encoders ``name/...``."""
    target = root / name
    shutil.copytree(toy_plugin_dir / "toy", target)
    text = (target / "plugin.toml").read_text().replace('"toy', f'"{name}')
    if space:
        text = text.replace(f'space = "{name}-colours"', f'space = "{space}"')
    (target / "plugin.toml").write_text(text)
    return target


def edit(folder: Path, old: str, new: str) -> Path:
    """Replace ``old`` (which must be there) by ``new`` in the folder's plugin.toml."""
    path = folder / "plugin.toml"
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1))
    return folder


def append(folder: Path, text: str) -> Path:
    """Add tables at the end of the folder's plugin.toml."""
    path = folder / "plugin.toml"
    path.write_text(path.read_text() + "\n" + text)
    return folder


def with_code(folder: Path, code: str, encoder: str = "image", attr: str = "Enc") -> Path:
    """Write plugin.py and point one of the toy's encoders at ``plugin:<attr>``."""
    (folder / "plugin.py").write_text(code)
    eid = f'id = "{folder.name}/{encoder}"'
    return edit(folder, eid, f'{eid}\nentry = "plugin:{attr}"')


def within(seconds: float, call: Callable[[], _T]) -> _T:
    """Run ``call`` in a thread and fail (instead of hanging the run) if it takes too long."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # re-raised in the test's thread
            box["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds}s: it hangs"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]
