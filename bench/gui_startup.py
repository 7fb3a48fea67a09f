"""Time from launch to a visible, usable main window (target < 2 s). Prints figures.

Each run is a fresh interpreter (imports included): the child opens the window on a data folder
holding an indexed library and reports when the event loop first turns after ``show()``, i.e.
when the window can take a click or a key. Run: ``python bench/gui_startup.py``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5


def child() -> None:
    t0 = float(os.environ["BENCH_T0"])
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from mmdesk.config import Settings
    from mmdesk.gui.app import make_app, open_window

    app = make_app()
    window = open_window(Settings())
    window.show()

    def usable() -> None:
        shown = time.time() - t0
        print(f"{shown:.3f} {window.isVisible()} {window.model.rowCount()}", flush=True)
        window.close()
        QApplication.quit()

    QTimer.singleShot(0, usable)
    app.exec()


def prepare(data: Path) -> None:
    """An indexed sample library, so start-up reads a real database (once, not timed)."""
    env = {**os.environ, "MMDESK_DATA_DIR": str(data)}
    subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "demo", "--no-gui"],
        env=env,
        check=True,
        capture_output=True,
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        prepare(data)
        times = []
        for _ in range(RUNS):
            env = {
                **os.environ,
                "MMDESK_DATA_DIR": str(data),
                "BENCH_T0": str(time.time()),
                "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            }
            out = subprocess.run(
                [sys.executable, __file__, "--child"],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()
            times.append(float(out[0]))
        print(
            f"launch → usable window ({os.environ.get('QT_QPA_PLATFORM', 'offscreen')}, "
            f"{RUNS} runs): median {statistics.median(times):.2f} s, "
            f"min {min(times):.2f} s, max {max(times):.2f} s (target < 2 s)"
        )


if __name__ == "__main__":
    child() if "--child" in sys.argv else main()
