"""Settings, resolved once: command-line flags, then the environment (``MMDESK_*``), then the
settings saved in the data folder, then defaults. The result is passed down; nothing below the
front ends reads ``os.environ`` for a setting.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from mmdesk.errors import ConfigError

APP = "mmdesk"
REPO_ROOT = Path(__file__).resolve().parent.parent
SAVED = "settings.json"  # beside library.db: device, threads, batch_size
SAVED_KEYS = ("device", "threads", "batch_size")
DEVICES = ("auto", "cpu", "cuda")
log = logging.getLogger(__name__)


def _shipped(name: str) -> Path:
    """A folder shipped with mmdesk: packaged as ``mmdesk/_data/<name>`` in an installed wheel,
    the top-level folder of the same name in a checkout."""
    packaged = resources.files("mmdesk") / "_data" / name
    if packaged.is_dir():
        return Path(str(packaged))
    return REPO_ROOT / name


BUNDLED_PLUGINS = _shipped("plugins")
RESOURCES = _shipped("resources")


def default_data_dir() -> Path:
    """The platform's user data folder (``~/.local/share/mmdesk`` on Linux)."""
    return Path(user_data_dir(APP, appauthor=False))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass
class Settings:
    """Runtime settings shared by the CLI and the GUI. Build with :meth:`resolve`; plain
    construction resolves from the environment alone (what tests and benches want)."""

    data_dir: Path = field(default_factory=lambda: _env_path("MMDESK_DATA_DIR"))
    device: str = field(default_factory=lambda: os.environ.get("MMDESK_DEVICE", "auto"))
    threads: int = field(default_factory=lambda: _env_int("MMDESK_THREADS", 0))
    batch_size: int = field(default_factory=lambda: _env_int("MMDESK_BATCH", 32))
    extra_plugin_dirs: list[Path] = field(default_factory=list)
    plugin_path: list[Path] = field(default_factory=lambda: _env_paths("MMDESK_PLUGIN_PATH"))
    cache_override: Path | None = field(default_factory=lambda: _env_opt("MMDESK_CACHE_DIR"))
    bundled_plugins: Path = field(default_factory=lambda: BUNDLED_PLUGINS)
    notes: list[str] = field(default_factory=list)  # what resolution adjusted, said to the user

    def __post_init__(self) -> None:
        self.data_dir = _check_dir(self.data_dir, "data folder")
        if self.device not in DEVICES:
            raise ConfigError(f"unknown device {self.device!r}: choose {', '.join(DEVICES)}")
        if self.threads < 0:
            raise ConfigError("--threads must be 0 (automatic) or more")
        if self.threads > _cores():
            self.notes.append(
                f"--threads {self.threads} is more than this machine's "
                f"{_cores()} cores; using {_cores()}"
            )
            self.threads = _cores()
        if self.batch_size <= 0:
            raise ConfigError("the batch size must be at least 1")

    @classmethod
    def resolve(cls, flags: Mapping[str, Any] | None = None) -> Settings:
        """Flags (None = not given) win over the environment, which wins over saved values."""
        given = {k: v for k, v in (flags or {}).items() if v is not None}
        data_dir = given.pop("data_dir", None)
        if data_dir is None and not os.environ.get("MMDESK_DATA_DIR"):
            data_dir = moved_data_dir()  # chosen in the app's Settings, for the next start
        probe = cls(data_dir=data_dir) if data_dir is not None else cls()
        saved = load_saved(probe.data_dir)
        env_names = {
            "device": "MMDESK_DEVICE",
            "threads": "MMDESK_THREADS",
            "batch_size": "MMDESK_BATCH",
        }
        values: dict[str, Any] = {}
        for key in SAVED_KEYS:
            if key in given:
                values[key] = given.pop(key)
            elif env_names[key] not in os.environ and key in saved:
                values[key] = saved[key]
        return cls(data_dir=probe.data_dir, **values, **given)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "library.db"

    @property
    def user_plugin_dir(self) -> Path:
        return self.data_dir / "plugins"

    @property
    def cache_dir(self) -> Path:
        return self.cache_override or self.data_dir / "cache"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    def plugin_dirs(self) -> list[Path]:
        """Folders searched for plugins, in order: bundled, user, ``MMDESK_PLUGIN_PATH``, extra."""
        return [
            self.bundled_plugins,
            self.user_plugin_dir,
            *self.plugin_path,
            *self.extra_plugin_dirs,
        ]

    def save(self) -> None:
        """Keep device, threads and batch size for the next start (CLI and GUI alike); a
        data folder chosen for the next start (``data_dir`` in the file) is kept."""
        path = self.data_dir / SAVED
        kept = {k: v for k, v in load_saved(self.data_dir).items() if k == "data_dir"}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            values = {**kept, **{k: getattr(self, k) for k in SAVED_KEYS}}
            path.write_text(json.dumps(values, indent=1))
        except OSError as exc:
            raise ConfigError(f"cannot save settings to {path}: {exc.strerror}") from exc


def moved_data_dir() -> Path | None:
    """The data folder a person chose in the app's Settings (saved as ``data_dir`` in the
    default data folder's settings file), or None."""
    chosen = load_saved(default_data_dir()).get("data_dir")
    if isinstance(chosen, str) and chosen.strip():
        return Path(chosen).expanduser()
    return None


def load_saved(data_dir: Path) -> dict[str, Any]:
    """Saved settings; an unreadable or hand-broken file is ignored with a warning."""
    path = data_dir / SAVED
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s: %s", path, exc)
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if k in SAVED_KEYS or k == "data_dir"}


def _check_dir(path: Path | str, what: str) -> Path:
    if not str(path).strip():
        raise ConfigError(f"the {what} must not be empty")
    return Path(path).expanduser().absolute()


def _env_path(name: str) -> Path:
    value = os.environ.get(name)
    if value is not None and not value.strip():
        raise ConfigError(f"{name} is set but empty")
    return Path(value).expanduser() if value else default_data_dir()


def _env_opt(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser() if value else None


def _env_paths(name: str) -> list[Path]:
    return [Path(p).expanduser() for p in os.environ.get(name, "").split(os.pathsep) if p]


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name}={value!r} is not a whole number") from exc
