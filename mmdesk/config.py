"""Paths and settings. Every setting can come from the environment with the ``MMDESK_`` prefix."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_cache_dir, user_data_dir

APP = "mmdesk"
REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_PLUGINS = REPO_ROOT / "plugins"
RESOURCES = REPO_ROOT / "resources"


def default_data_dir() -> Path:
    """The data folder: ``MMDESK_DATA_DIR`` or the platform's user data folder."""
    env = os.environ.get("MMDESK_DATA_DIR")
    return Path(env).expanduser() if env else Path(user_data_dir(APP, appauthor=False))


def default_cache_dir() -> Path:
    """Thumbnails and other rebuildable files."""
    env = os.environ.get("MMDESK_CACHE_DIR")
    return Path(env).expanduser() if env else Path(user_cache_dir(APP, appauthor=False))


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value and value.strip().isdigit() else default


@dataclass
class Settings:
    """Runtime settings shared by the CLI and the GUI."""

    data_dir: Path = field(default_factory=default_data_dir)
    device: str = field(default_factory=lambda: os.environ.get("MMDESK_DEVICE", "auto"))
    threads: int = field(default_factory=lambda: _env_int("MMDESK_THREADS", 0))
    batch_size: int = field(default_factory=lambda: _env_int("MMDESK_BATCH", 32))
    extra_plugin_dirs: list[Path] = field(default_factory=list)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "library.db"

    @property
    def user_plugin_dir(self) -> Path:
        return self.data_dir / "plugins"

    @property
    def cache_dir(self) -> Path:
        env = os.environ.get("MMDESK_CACHE_DIR")
        return Path(env).expanduser() if env else self.data_dir / "cache"

    def plugin_dirs(self) -> list[Path]:
        """Folders searched for plugins: bundled, user, ``MMDESK_PLUGIN_PATH``, extra."""
        dirs = [BUNDLED_PLUGINS, self.user_plugin_dir]
        env = os.environ.get("MMDESK_PLUGIN_PATH", "")
        dirs += [Path(p).expanduser() for p in env.split(os.pathsep) if p]
        return dirs + list(self.extra_plugin_dirs)
