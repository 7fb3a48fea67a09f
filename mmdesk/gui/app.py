"""Starting the desktop app: QApplication, style, error hook, the window, the first folder.

Settings are resolved once here (flags > environment > saved, :meth:`Settings.resolve`) and
passed down; the app never writes ``os.environ``.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import cast

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from mmdesk.config import RESOURCES, SAVED, Settings
from mmdesk.core.paths import canonical
from mmdesk.errors import ConfigError
from mmdesk.gui import main_gc
from mmdesk.gui.window import MainWindow, setting_int

log = logging.getLogger(__name__)


def install_excepthook(window: MainWindow) -> None:
    """Unexpected errors in slots become a dialog and a log line, not a terminal traceback."""
    from mmdesk.gui.dialogs import show_unexpected

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        log.error("unhandled: %s", "".join(traceback.format_exception(kind, exc, tb)))
        try:
            show_unexpected(exc.with_traceback(tb), window)
        except Exception:  # never let the hook itself crash the app
            sys.__excepthook__(kind, exc, tb)

    sys.excepthook = hook


def make_app(argv: list[str] | None = None) -> QApplication:
    # instance() is typed as the QCoreApplication base; in this widgets app it is a QApplication
    existing = cast("QApplication | None", QApplication.instance())
    app = existing or QApplication(argv or sys.argv[:1])
    app.setApplicationName("mmdesk")
    app.setOrganizationName("mmdesk")
    app.setWindowIcon(QIcon(str(RESOURCES / "icons" / "mmdesk.svg")))
    style = RESOURCES / "style.qss"
    if style.exists():
        app.setStyleSheet(style.read_text())
    main_gc.install(app)  # Qt objects are never freed by a collection in a worker thread
    return app


def gui_settings(data_dir: Path) -> QSettings:
    """The window's own state (geometry, last query), beside the database."""
    return QSettings(str(data_dir / "gui.ini"), QSettings.Format.IniFormat)


def migrate_runtime(data_dir: Path, qsettings: QSettings) -> bool:
    """Device and threads used to live in gui.ini; take them once into ``settings.json``
    (shared with the CLI) when there is none yet. Returns whether anything was taken."""
    found = {k: qsettings.value(f"runtime/{k}") for k in ("device", "threads")}
    found = {k: v for k, v in found.items() if v is not None}
    if not found:
        return False
    qsettings.remove("runtime")
    qsettings.sync()
    if (data_dir / SAVED).exists():
        return False
    try:
        threads = setting_int(found.get("threads", 0))
        Settings(data_dir=data_dir, device=str(found.get("device", "auto")), threads=threads).save()
    except (ConfigError, TypeError, ValueError) as exc:
        log.warning("not keeping the old runtime settings of gui.ini: %s", exc)
        return False
    return True


def resolve_settings(flags: dict[str, object] | None = None) -> Settings:
    """Settings for the app, after taking over what an older version kept in gui.ini."""
    settings = Settings.resolve(flags)
    if migrate_runtime(settings.data_dir, gui_settings(settings.data_dir)):
        settings = Settings.resolve(flags)  # the taken values now count as saved
    return settings


# Extension modules that the first search or index run loads (onnxruntime's is ~20 MB).
# Loading one holds the GIL, and from a cold disk it froze the shown window for 133 ms as the
# first index run started (bench/gui_stall.py --why: ``create_module``); loaded before the
# window shows, they cost start-up a little instead.
PRELOAD = ("onnxruntime", "tokenizers", "numpy.fft", "decimal")


def preload() -> None:
    """Load :data:`PRELOAD` (each one that is installed) and Pillow's image plugins."""
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            log.info("not preloaded: %s is not installed", name)
    from PIL import Image

    Image.init()


def open_window(settings: Settings, initial_folder: Path | None = None) -> MainWindow:
    preload()
    window = MainWindow(settings, gui_settings(settings.data_dir))
    if initial_folder is not None:
        start_folder(window, initial_folder)
    return window


def start_folder(window: MainWindow, folder: Path) -> None:
    """Add ``folder`` and index it unless the library already holds it fully indexed."""
    path = canonical(folder)
    known = {f["path"]: f for f in window.library.folders()}
    if known.get(path, {}).get("state") == "indexed":
        return
    window.add_folder(Path(path))


def run_app(
    initial_folder: Path | None = None,
    screenshot: Path | None = None,
    settings: Settings | None = None,
) -> int:
    """Open the window (on ``initial_folder`` if given) and run until it closes. ``settings``
    are the front door's resolved ones; without them the app resolves its own."""
    app = make_app()
    settings = settings or resolve_settings()
    window = open_window(settings, initial_folder)
    install_excepthook(window)
    app.aboutToQuit.connect(window.close)  # threads stop before the interpreter exits
    window.show()
    env_shot = os.environ.get("MMDESK_SCREENSHOT")
    screenshot = screenshot or (Path(env_shot) if env_shot else None)
    if screenshot is not None:
        from mmdesk.gui.screenshot import schedule_screenshot

        schedule_screenshot(window, screenshot)
    QTimer.singleShot(0, lambda: log.info("window shown"))
    return int(app.exec())
