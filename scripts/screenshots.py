"""Take the README's screenshots of the app's main states, so they can be refreshed at will.

Run under a display, e.g. ``xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python
scripts/screenshots.py``. The app opens on a temporary data folder with the sample library (the
scikit-image photos) and, when PyAV can write one, a short generated video, indexed with the
bundled plugins; the person's own data folder is never touched. It captures:

empty (no folder yet), results (a search), viewer (the best hit large), video (a video moment
in the viewer), tags (nested, coloured tags in the sidebar's tag manager, shown on the tiles,
one as a filter chip), timeline (browsing by date with the scrubber), problems (the unreadable
files), settings and plugins (the dialogs), into ``docs/screenshots/<state>.png``. The sample
files get file dates spread over a year (so the timeline has months) and one unreadable file. Each
PNG is reduced to a palette so it stays small (under 250 KB).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MAX_BYTES = 250_000
SIZE = (1320, 820)


def make_video(path: Path, seconds: int = 4, fps: int = 8) -> Path | None:
    """A small clip of three coloured shots with a moving ball, or None without PyAV."""
    try:
        import av
        import numpy as np
    except ImportError:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    shots = [(40, 110, 200), (60, 170, 60), (220, 140, 40)]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for n in range(seconds * fps):
            frame = np.zeros((240, 320, 3), np.uint8)
            frame[...] = shots[min(2, n * 3 // (seconds * fps))]
            x = 20 + (n * 9) % 260
            frame[100:140, x : x + 40] = (250, 250, 250)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def save_small(image: object, out: Path) -> int:
    """Save a QImage/QPixmap as a palette PNG under MAX_BYTES; returns its size in bytes."""
    from PIL import Image
    from PySide6.QtCore import QBuffer, QIODevice

    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[attr-defined]
    picture = Image.open(io.BytesIO(bytes(buffer.data().data()))).convert("RGB")
    scale = 1.0
    while True:
        shown = (
            picture
            if scale == 1.0
            else picture.resize(
                (int(picture.width * scale), int(picture.height * scale)), Image.Resampling.LANCZOS
            )
        )
        data = io.BytesIO()
        shown.quantize(256, method=Image.Quantize.MEDIANCUT).save(data, "PNG", optimize=True)
        if data.tell() <= MAX_BYTES or scale < 0.5:
            break
        scale *= 0.85
    out.write_bytes(data.getvalue())
    return data.tell()


class Shooter:
    """Steps through the states one after another on the event loop, then quits."""

    def __init__(self, window: object, out: Path, library: Path, query: str) -> None:
        self.window = window
        self.out = out
        self.library = library
        self.query = query
        self.taken: list[str] = []

    def later(self, ms: int, step: Callable[[], None]) -> None:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(ms, step)

    def when_idle(self, step: Callable[[], None], settle_ms: int = 1200) -> None:
        """Run ``step`` once the runner has nothing left to do (and the view has painted)."""
        runner = self.window.runner  # type: ignore[attr-defined]

        def check() -> None:
            if runner.busy or runner.pool.activeThreadCount():
                self.later(300, check)
            else:
                self.later(settle_ms, step)

        check()

    def grab(self, name: str, widget: object | None = None) -> None:
        target = widget or self.window
        size = save_small(target.grab(), self.out / f"{name}.png")  # type: ignore[attr-defined]
        self.taken.append(f"{name}.png ({size // 1024} KB)")

    def start(self) -> None:
        self.when_idle(self.empty, 1500)

    def empty(self) -> None:
        self.grab("empty")
        w = self.window
        w.index_finished.connect(lambda _: self.when_idle(self.results))  # type: ignore[attr-defined]
        w.add_folder(self.library)  # type: ignore[attr-defined]

    def results(self) -> None:
        w = self.window
        w.results_shown.connect(lambda _: self.when_idle(self.select_best))  # type: ignore[attr-defined]
        w.searchbar.cutoff.setValue(40)  # type: ignore[attr-defined]
        w.searchbar.set_query(self.query)  # type: ignore[attr-defined]
        w.searchbar.search_now()  # type: ignore[attr-defined]

    def select_best(self) -> None:
        w = self.window
        w.results_shown.disconnect()  # type: ignore[attr-defined]
        if w.model.rowCount():  # type: ignore[attr-defined]
            w.view.setCurrentIndex(w.model.index(0))  # type: ignore[attr-defined]
        self.when_idle(self.shoot_results)

    def shoot_results(self) -> None:
        self.grab("results")
        names = [Path(r.path).name for r in self.window.model.results()]  # type: ignore[attr-defined]
        row = names.index("chelsea.jpg") if "chelsea.jpg" in names else 0
        self.window.viewer.open(row=row)  # type: ignore[attr-defined]
        self.when_idle(self.shoot_viewer)

    def shoot_viewer(self) -> None:
        self.grab("viewer")
        w = self.window
        w.viewer.close()  # type: ignore[attr-defined]
        rows = [n for n, r in enumerate(w.model.results()) if r.kind == "video_frame"]  # type: ignore[attr-defined]
        if not rows:  # browse everything, newest first: the generated clip is among them
            w.searchbar.set_query("")  # type: ignore[attr-defined]
            w.searchbar.search_now()  # type: ignore[attr-defined]
            self.when_idle(self.open_video)
        else:
            self.open_video()

    def open_video(self) -> None:
        w = self.window
        rows = [n for n, r in enumerate(w.model.results()) if r.kind == "video_frame"]  # type: ignore[attr-defined]
        if not rows:
            self.later(0, self.tags)
            return
        # Cued, not playing: a playing QVideoWidget grabs as an empty frame under Xvfb.
        player = w.viewer.viewer.player  # type: ignore[attr-defined]
        player.play_from = player.load
        w.viewer.open(row=rows[0])  # type: ignore[attr-defined]
        self.when_idle(lambda: (self.grab("video"), w.viewer.close(), self.tags()), 2500)  # type: ignore[attr-defined]

    def tags(self) -> None:
        """Nested, coloured tags on a few photos; the tiles show them; "Animals" filters."""
        w = self.window
        wanted = {
            "Animals/Cats": ["chelsea.jpg"],
            "Animals/Horses": ["horse.png"],
            "Space": ["rocket.jpg", "astronaut.jpg", "hubble.jpg", "moon.png"],
            "Textures": ["grass.png", "gravel.png", "brick.png"],
        }
        colours = {"Animals": "#d9822b", "Space": "#3b6fd4", "Textures": "#5a9e4b"}
        by_name = {p.name: p for p in self.library.rglob("*") if p.is_file()}

        def write(lib: object) -> object:
            changes = None
            for tag, names in wanted.items():
                ids = [lib.item_for_path(by_name[n]) for n in names if n in by_name]  # type: ignore[attr-defined]
                done = lib.tag([i for i in ids if i is not None], tag)  # type: ignore[attr-defined]
                changes = done if changes is None else changes | done
            for tag, colour in colours.items():
                changes = changes | lib.set_tag_color(tag, colour)  # type: ignore[attr-defined,operator]
            return changes

        w.view.set_show_tags(True)  # type: ignore[attr-defined]
        w.searchbar.set_query("")  # type: ignore[attr-defined]
        w.runner.write(write, lambda _: self.when_idle(self.filter_by_tag))  # type: ignore[attr-defined]

    def filter_by_tag(self) -> None:
        from mmdesk.gui.sidebar import ValueRole

        w = self.window
        sidebar = w.sidebar  # type: ignore[attr-defined]
        for n in range(sidebar.tags.childCount()):
            entry = sidebar.tags.child(n)
            if entry.data(0, ValueRole) == "Animals":
                entry.setExpanded(True)
                entry.setSelected(True)
        self.when_idle(lambda: (self.grab("tags"), self.timeline()))

    def timeline(self) -> None:
        w = self.window
        for entry in w.sidebar.selectedItems():  # type: ignore[attr-defined]
            entry.setSelected(False)
        w.view.set_show_tags(False)  # type: ignore[attr-defined]
        self.when_idle(lambda: (self.grab("timeline"), self.problems()))

    def problems(self) -> None:
        from mmdesk.gui.problems import show_problems

        dialog = show_problems(self.window)  # type: ignore[arg-type]
        dialog.resize(900, 320)
        self.when_idle(lambda: (self.grab("problems", dialog), dialog.close(), self.settings()))

    def settings(self) -> None:
        from mmdesk.gui.dialogs import SettingsDialog

        w = self.window
        dialog = SettingsDialog(w._runtime_choices(), w)  # type: ignore[attr-defined]
        dialog.show()
        self.later(800, lambda: (self.grab("settings", dialog), dialog.close(), self.plugins()))

    def plugins(self) -> None:
        from mmdesk.gui.dialogs import PluginsDialog

        dialog = PluginsDialog(self.window.library.plugins(), self.window)  # type: ignore[attr-defined]
        dialog.show()
        self.later(800, lambda: (self.grab("plugins", dialog), dialog.close(), self.finish()))

    def finish(self) -> None:
        from PySide6.QtWidgets import QApplication

        print("wrote", ", ".join(self.taken), "to", self.out)
        self.window.close()  # type: ignore[attr-defined]
        QApplication.instance().quit()  # type: ignore[union-attr]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--query", default="an animal")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mmdesk-shots-") as tmp:
        return shoot(Path(tmp), args.out, args.query)


def shoot(tmp: Path, out: Path, query: str) -> int:
    from PySide6.QtCore import QSettings

    from mmdesk.config import Settings
    from mmdesk.core.library import Library
    from mmdesk.core.sample import make_sample_library
    from mmdesk.gui.app import install_excepthook, make_app
    from mmdesk.gui.window import MainWindow

    library = tmp / "Pictures"
    made = make_sample_library(library)
    make_video(library / "clips" / "garden ball.mp4")
    # file dates spread over a year, newest first in the recipe's order (the timeline's months)
    start = 1_704_067_200  # 2024-01-01
    for n, path in enumerate(sorted(made, key=lambda p: p.name)):
        when = start + n * 19 * 86_400
        os.utime(path, (when, when))
    (library / "scans").mkdir(exist_ok=True)
    (library / "scans" / "receipt.jpg").write_bytes(b"this is not a JPEG")  # the problems view
    settings = Settings(data_dir=tmp / "data", threads=1)
    with Library(settings) as lib:  # quick shots: no speech or captions to wait for
        for key, value in (("transcripts", "off"),):
            lib.set_setting(key, value)
        lib.set_caption_new_enabled(False)
    app = make_app()
    qsettings = QSettings(str(settings.data_dir / "gui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, qsettings)
    install_excepthook(window)
    window.resize(*SIZE)
    window.show()
    shooter = Shooter(window, out, library, query)  # kept: its timers call its methods
    shooter.start()
    return int(app.exec())


if __name__ == "__main__":
    raise SystemExit(main())
