"""Longest main-thread stall while 1,000 photos index in the background (target < 50 ms).

A 5 ms QTimer heartbeat runs on the GUI thread; any gap between beats longer than the interval
is time the window could not react. A search is active meanwhile, so results are re-queried as
indexing progresses, as when a person watches their library fill. Uses the bundled default
model (plugins/default; build it with ``python main.py models build-default``).
Run: ``python bench/gui_stall.py [N]``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

BASELINE_MS = 5000
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def make_photos(folder: Path, count: int) -> None:
    """Varied 640x480 JPEGs: colour fields with shapes, so decoding and encoding do real work."""
    rng = np.random.default_rng(0)
    for n in range(count):
        image = Image.new("RGB", (640, 480), tuple(int(c) for c in rng.integers(0, 255, 3)))
        draw = ImageDraw.Draw(image)
        for _ in range(6):
            x, y = rng.integers(0, 600, 2)
            w, h = rng.integers(20, 300, 2)
            draw.ellipse(
                [int(x), int(y), int(x + w), int(y + h)],
                fill=tuple(int(c) for c in rng.integers(0, 255, 3)),
            )
        (folder / f"{n // 100:02d}").mkdir(exist_ok=True)
        image.save(folder / f"{n // 100:02d}" / f"photo-{n:04d}.jpg", quality=88)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from mmdesk.cli.models_cmds import default_model_installed
    from mmdesk.gui.app import make_app, open_window

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MMDESK_DATA_DIR"] = str(Path(tmp) / "data")
        from mmdesk.config import Settings

        if not default_model_installed(Settings()):
            print(
                "the default model is not built in plugins/default: run "
                "`python main.py models build-default` first"
            )
            return
        photos = Path(tmp) / "photos"
        photos.mkdir()
        started = time.perf_counter()
        make_photos(photos, count)
        print(f"generated {count} photos in {time.perf_counter() - started:.1f} s")
        app = make_app()
        window = open_window(Settings())
        window.show()
        window.searchbar.set_query("a red ball")
        gaps: list[float] = []
        clock = QElapsedTimer()
        heartbeat = QTimer(interval=5)
        heartbeat.timeout.connect(lambda: (gaps.append(clock.restart()), None)[1])
        report: list[object] = []
        window.index_finished.connect(lambda r: (report.append(r), QApplication.quit()))

        baseline: list[float] = []

        def start_baseline() -> None:
            clock.start()
            heartbeat.start()
            QTimer.singleShot(BASELINE_MS, start)

        def start() -> None:
            baseline.extend(gaps[1:])
            gaps.clear()
            clock.restart()
            window.add_folder(photos)

        QTimer.singleShot(300, start_baseline)
        t0 = time.perf_counter()
        app.exec()
        heartbeat.stop()
        seconds = time.perf_counter() - t0
        window.close()
        worst = np.array(gaps[1:]) if len(gaps) > 1 else np.array([0.0])
        r = report[0]
        print(
            f"indexed {getattr(r, 'indexed', '?')} photos in {seconds:.1f} s "
            f"({getattr(r, 'rate', 0):.1f} photos/s, model: default, "
            f"{os.cpu_count()} CPUs)"
        )
        idle = np.array(baseline or [0.0])
        print(
            f"idle baseline, no indexing ({BASELINE_MS / 1000:.0f} s): longest gap "
            f"{idle.max():.0f} ms, p99 {np.percentile(idle, 99):.0f} ms (machine load: "
            f"{os.getloadavg()[0]:.1f})"
        )
        print(
            f"while indexing, heartbeat (5 ms): {len(worst)} beats, "
            f"longest gap {worst.max():.0f} ms, "
            f"p99 {np.percentile(worst, 99):.0f} ms, gaps > 50 ms: {(worst > 50).sum()} "
            f"(target: longest < 50 ms)"
        )


if __name__ == "__main__":
    main()
