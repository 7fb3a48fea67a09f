"""Starting the desktop app: QApplication, style, error hook, the window, the first folder."""

from __future__ import annotations

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

from mmdesk.config import RESOURCES, Settings
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
    return app


def apply_saved_runtime(settings: Settings, qsettings: QSettings) -> None:
    """Device and threads chosen in the settings dialog, unless the environment says otherwise."""
    if "MMDESK_DEVICE" not in os.environ:
        settings.device = str(qsettings.value("runtime/device", settings.device))
    if "MMDESK_THREADS" not in os.environ:
        settings.threads = setting_int(qsettings.value("runtime/threads", settings.threads))
    if settings.threads == 0:  # automatic: leave one core to the window, so it never stalls
        settings.threads = max(1, (os.cpu_count() or 2) - 1)


def open_window(settings: Settings, initial_folder: Path | None = None) -> MainWindow:
    qsettings = QSettings(str(settings.data_dir / "gui.ini"), QSettings.Format.IniFormat)
    apply_saved_runtime(settings, qsettings)
    window = MainWindow(settings, qsettings)
    if initial_folder is not None:
        start_folder(window, initial_folder)
    return window


def start_folder(window: MainWindow, folder: Path) -> None:
    """Add ``folder`` and index it unless the library already holds it fully indexed."""
    resolved = str(Path(folder).expanduser().resolve())
    known = {f["path"]: f for f in window.library.store.folders()}
    if known.get(resolved, {}).get("state") == "indexed":
        return
    window.add_folder(Path(resolved))


def run_app(initial_folder: Path | None = None, screenshot: Path | None = None) -> int:
    """Open the window (on ``initial_folder`` if given) and run until it closes."""
    app = make_app()
    settings = Settings()
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
