"""Longest main-thread stall while photos index in the background (target: < 50 ms).

A 5 ms QTimer heartbeat runs on the GUI thread; any gap between beats longer than the interval
is time the window could not react. The app runs as a person uses it while their library
fills: the folder watcher on, a search active (results re-queried as indexing goes, their
thumbnails made), the first result selected (the preview follows it), the sidebar and summary
counting. Indexing includes the enrichers (OCR, captions, faces, text vectors). Uses the bundled
default model (plugins/default; build it with ``python main.py models build-default``).

Run: ``python bench/gui_stall.py [N] [--why] [--decode processes|threads]``. ``--why`` also
samples every thread's stack while the GUI thread is late (or while a sampling thread cannot
get the GIL), and prints them for each gap over 50 ms: what the GUI thread was doing, or which
thread held the GIL. ``--decode threads`` decodes in threads of the app's process, as the app
did before it decoded in background processes: run both to compare.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

BASELINE_MS = 5000
TARGET_MS = 50
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


class Sampler(threading.Thread):
    """Records every thread's stack when the GUI thread's last beat is over 40 ms old, or when
    this thread's own 2 ms sleep overran by 30 ms (another thread held the GIL; its stack shows
    where it let go)."""

    def __init__(self) -> None:
        super().__init__(name="stall-sampler", daemon=True)
        self.beat = time.perf_counter()
        self.samples: list[tuple[float, str, dict[str, list[str]]]] = []
        self.running = True

    def run(self) -> None:
        last = 0.0
        while self.running:
            before, cpu = time.perf_counter(), time.process_time()
            time.sleep(0.002)
            now = time.perf_counter()
            if now - before > 0.03:
                used = (time.process_time() - cpu) / (now - before)  # CPUs this process had
                what = f"GIL or CPU wait {1000 * (now - before):.0f} ms, process on {used:.1f} CPUs"
                self.samples.append((now, what, _stacks()))
            elif now - self.beat > 0.04 and now - last > 0.015:
                last = now
                self.samples.append(
                    (now, f"GUI thread {1000 * (now - self.beat):.0f} ms late", _stacks())
                )


def _queued_ms() -> float:
    """How long this thread has waited on a run queue, in all (Linux; elsewhere 0)."""
    try:
        with open("/proc/thread-self/schedstat") as stream:
            return int(stream.read().split()[1]) / 1e6
    except (OSError, IndexError, ValueError):
        return 0.0


def _stacks() -> dict[str, list[str]]:
    names = {t.ident: t.name for t in threading.enumerate()}
    stacks = {}
    for ident, frame in sys._current_frames().items():
        name = names.get(ident, str(ident))
        if name == "stall-sampler":
            continue
        frames = traceback.extract_stack(frame)[-7:]
        top = frames[-1].name if frames else ""
        if name != "MainThread" and top in {"wait", "accept", "_worker", "_check_inotify_fd"}:
            continue  # idle
        stacks[name] = [f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames]
    return stacks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=1000, help="photos to index")
    parser.add_argument("--why", action="store_true", help="print the stacks behind each stall")
    parser.add_argument(
        "--decode",
        choices=("processes", "threads"),
        default="processes",
        help="where index runs decode: the app's background processes, or threads (as before)",
    )
    args = parser.parse_args()
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
        make_photos(photos, args.count)
        print(f"generated {args.count} photos in {time.perf_counter() - started:.1f} s")
        load_before = os.getloadavg()[0]
        app = make_app()
        window = open_window(Settings())
        window.runner.registry.options.decode_processes = args.decode == "processes"
        window.show()
        window.searchbar.set_query("a red ball")
        sampler = Sampler()
        # (when it came, ms since the one before; since then: GUI thread's CPU ms, process's
        # CPU ms, ms the GUI thread waited for a CPU while runnable)
        beats: list[tuple[float, float, float, float, float]] = []
        clock = QElapsedTimer()
        cpu = [time.thread_time(), time.process_time(), _queued_ms()]

        def beat() -> None:
            sampler.beat = time.perf_counter()
            now = [time.thread_time(), time.process_time(), _queued_ms()]
            used = (1000 * (now[0] - cpu[0]), 1000 * (now[1] - cpu[1]), now[2] - cpu[2])
            cpu[:] = now
            beats.append((sampler.beat, clock.restart(), *used))

        heartbeat = QTimer(interval=5)
        heartbeat.timeout.connect(beat)
        report: list[object] = []
        features: dict[str, Any] = {}

        def finished(result: object) -> None:
            heartbeat.stop()  # indexing is over: quitting (joining the threads) is not a stall
            report.append(result)
            features.update(  # before quitting: quit() closes the window
                watcher=window.watching.watcher is not None,
                preview=window.preview.result is not None,
                thumbnails=window.thumbs.requests,
                results=window.model.rowCount(),
            )
            QApplication.quit()

        window.index_finished.connect(finished)
        phases: list[tuple[float, str]] = []  # (when, job) as progress reports them

        def progressed(progress: Any) -> None:
            job = progress.job or "indexing"
            if not phases or phases[-1][1] != job:
                phases.append((time.perf_counter(), job))

        window.runner.progress.connect(progressed)

        def select_first(shown: int) -> None:
            if shown and not window.view.selected_results():
                window.view.setCurrentIndex(window.model.index(0))  # the preview follows it

        window.results_shown.connect(select_first)
        baseline: list[float] = []
        t0 = [0.0]

        def start_baseline() -> None:
            clock.start()
            heartbeat.start()
            if args.why:
                sampler.start()
            QTimer.singleShot(BASELINE_MS, start)

        def start() -> None:
            baseline.extend(b[1] for b in beats[1:])
            beats.clear()
            clock.restart()
            t0[0] = time.perf_counter()
            window.add_folder(photos)

        QTimer.singleShot(300, start_baseline)
        app.exec()
        heartbeat.stop()
        sampler.running = False
        seconds = time.perf_counter() - t0[0]
        window.close()
    gaps = np.array([b[1] for b in beats[1:]] or [0.0])
    r = report[0] if report else None
    print(
        f"indexed {getattr(r, 'indexed', '?')} photos in {seconds:.1f} s, enrichers included "
        f"({getattr(r, 'rate', 0):.1f} photos/s while embedding, model: default, "
        f"{os.cpu_count()} CPUs, decoding in {args.decode})"
    )
    print(
        f"app features on: watcher {features['watcher']}, preview showing an item "
        f"{features['preview']}, {features['results']} results in the grid, "
        f"{features['thumbnails']} thumbnails asked for"
    )
    idle = np.array(baseline or [0.0])
    print(
        f"idle baseline, no indexing ({BASELINE_MS / 1000:.0f} s): longest gap "
        f"{idle.max():.0f} ms, p99 {np.percentile(idle, 99):.0f} ms"
    )
    print(
        f"machine load (1 min): {load_before:.1f} before, {os.getloadavg()[0]:.1f} after "
        f"(on {os.cpu_count()} CPUs; other processes lengthen every gap)"
    )
    late = [b for b in beats[1:] if b[1] > TARGET_MS]
    print(
        f"while indexing, heartbeat (5 ms): {len(gaps)} beats, longest gap {gaps.max():.0f} ms, "
        f"p99 {np.percentile(gaps, 99):.0f} ms, gaps > {TARGET_MS} ms: {len(late)} "
        f"(target: longest < {TARGET_MS} ms)"
    )
    if late:
        print(
            "  each: when, during which job; how long the GUI thread ran (its own work), "
            "waited for a CPU (other threads or processes had them), and the rest, asleep "
            "(waiting for the GIL, or idle); and the CPU time this process had"
        )
    for when, ms, own, process, queued in late:
        began = when - ms / 1000
        job = next((j for t, j in reversed(phases) if t <= began), "starting")
        print(
            f"  {ms:.0f} ms gap at {began - t0[0]:.1f} s ({job}): GUI thread ran {own:.0f} ms, "
            f"waited for a CPU {queued:.0f} ms, asleep {max(0.0, ms - own - queued):.0f} ms; "
            f"process had {process:.0f} CPU ms"
        )
        for at, what, stacks in sampler.samples if args.why else []:
            if began <= at <= when + 0.005:
                print(f"    {what}, at {at - t0[0]:.2f} s:")
                for name, frames in stacks.items():
                    print(f"      [{name}] " + " < ".join(reversed(frames)))


if __name__ == "__main__":
    main()
