"""Keystroke to results inside the running app (issue 14's target: < 50 ms at a million items).

Opens the app's MainWindow (offscreen) on a library and, for N different queries, sets the
search bar's text and times each step to the grid showing the new results (the window's
``results_shown``): the search bar's debounce (reported apart, not counted), the query on the
reader thread (``Library.search``), then the GUI thread's part: the reader's answer waiting
for the event loop, the model reset (``ResultsModel.set_results``), the preview update, the rest
of the window's ``_show``, and the first paint of the grid (a synchronous repaint of its
viewport, right after ``results_shown``). No assertions: figures only.

The library: ``--data DIR`` (an existing data folder, the one ``MMDESK_DATA_DIR`` names), or
``--build N`` (N synthetic items in the bundled default model's 384-d space, gathered around
the text tower's vectors of the phrases queried, files and tags as bench/scale.py makes them,
in ``--workdir``; from ``vector.ANN_MIN`` items on, its ANN index is built before the window
opens; the files do not exist on disk, so thumbnails fail fast as broken ones). Text queries
need the space's text tower: the default model (``python main.py models build-default``), or
a data folder whose active space has one.

Run: ``python bench/gui_latency.py --build 100000 --workdir /tmp/gl100k [--queries 40]
[--profile]``; ``--profile`` prints the GUI thread's Python functions by cumulative time over
the measured queries (cProfile on that thread only: the reader thread is not in it).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DIM = 384  # the default model's space
WORDS = (
    "red blue green yellow old small big dark bright wet snowy sunny quiet busy empty".split(),
    "dog cat car boat house tree beach mountain street city bridge flower bird horse train".split(),
)


def queries(n: int) -> list[str]:
    """``n`` different short queries, so no answer or query vector is reused."""
    rng = np.random.default_rng(1)
    found: list[str] = []
    while len(found) < n:
        adjective, noun = rng.choice(WORDS[0]), rng.choice(WORDS[1])
        text = f"{adjective} {noun}" + (" at night" if rng.random() < 0.3 else "")
        if text not in found:
            found.append(text)
    return found


def build(data: Path, n: int) -> None:
    """A library of ``n`` synthetic items in the default model's space, its ANN index built."""
    import scale

    from mmdesk.config import Settings
    from mmdesk.core.library import Library
    from mmdesk.core.search import vector

    settings = Settings(data_dir=data)
    with Library(settings) as library:
        store = library.store
        if store.scalar("SELECT COUNT(*) FROM items") >= n:
            print(f"reusing the {n} items in {data}")
        else:
            started = time.perf_counter()
            store.ensure_encoder(
                "default/image", space="conse-minilm-l6", modality="image", dim=DIM
            )
            centres = phrase_vectors(library)
            rng = np.random.default_rng(0)
            for start in range(1, n + 1, scale.CHUNK):
                size = min(scale.CHUNK, n + 1 - start)
                scale.add_items(store, start, size, n)
                ids = np.arange(start, start + size, dtype=np.int64)
                near = centres[rng.integers(0, len(centres), size)]
                noise = rng.standard_normal((size, DIM)).astype(np.float32) / np.sqrt(DIM)
                store.put_embeddings(ids.tolist(), "default/image", near + 0.6 * noise)
            print(f"wrote {n} items in {time.perf_counter() - started:.0f} s")
        if n >= vector.ANN_MIN:
            searcher = library.searcher()
            searcher.index()  # opens the saved index, or starts building it
            started = time.perf_counter()
            while searcher.ann.busy:
                searcher.ann.wait(30)
                done, total = searcher.ann.progress
                print(f"index built {done}/{total} {time.perf_counter() - started:.0f} s")


def phrase_vectors(library: Any) -> np.ndarray:
    """The text tower's vectors of every phrase :func:`queries` can make: the synthetic items
    gather around them, so a query finds real matches (not the "no good matches" verdict
    that made-up vectors get)."""
    phrases = [f"{a} {n}{t}" for a in WORDS[0] for n in WORDS[1] for t in ("", " at night")]
    encoder = library.registry.encoder("default/text")
    found = np.asarray(encoder.encode_texts(phrases), np.float32)
    return found / np.linalg.norm(found, axis=1, keepdims=True)


class Timings:
    """Wraps the functions a search goes through and records how long each call took."""

    def __init__(self) -> None:
        self.calls: dict[str, list[tuple[float, float, str]]] = {}  # (start, end, thread)

    def wrap(self, owner: Any, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                end = time.perf_counter()
                thread = threading.current_thread().name
                self.calls.setdefault(label, []).append((start, end, thread))

        setattr(owner, name, timed)

    def within(self, label: str, start: float, end: float) -> list[tuple[float, float, str]]:
        return [c for c in self.calls.get(label, []) if start <= c[0] <= end]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="an existing data folder (MMDESK_DATA_DIR)")
    parser.add_argument("--build", type=int, default=0, help="synthetic items to make first")
    parser.add_argument("--workdir", type=Path, help="where --build keeps its data folder")
    parser.add_argument("--queries", type=int, default=30, help="measured queries")
    parser.add_argument("--profile", action="store_true", help="profile the GUI thread")
    parser.add_argument("--tag", help="a tag selected in the sidebar first (e.g. sunset: 2%%)")
    args = parser.parse_args()
    if args.data is None and not (args.build and args.workdir):
        parser.error("give --data DIR, or --build N with --workdir DIR")
    data = args.data or args.workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    os.environ["MMDESK_DATA_DIR"] = str(data)
    if args.build:
        build(data, args.build)

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from mmdesk.config import Settings
    from mmdesk.core.library import Library
    from mmdesk.gui import searchbar
    from mmdesk.gui.app import make_app
    from mmdesk.gui.window import MainWindow

    timings = Timings()
    timings.wrap(Library, "search", "reader: Library.search")
    app = make_app()
    qsettings = QSettings(str(data / "gui-latency.ini"), QSettings.Format.IniFormat)
    qsettings.setValue("watch/enabled", False)  # no watcher runs under the measurement
    window = MainWindow(Settings(), qsettings)
    timings.wrap(window.model, "set_results", "GUI: ResultsModel.set_results")
    timings.wrap(window, "update_preview", "GUI: update_preview")
    window.resize(1400, 900)
    window.show()
    texts = queries(args.queries + 3)
    warm = texts[:3]  # not measured: the first loads the text model and the index
    rows: list[dict[str, float]] = []
    state: dict[str, Any] = {"n": 0, "t0": 0.0, "t1": 0.0}
    profile = cProfile.Profile() if args.profile else None

    def requested() -> None:
        state["t1"] = time.perf_counter()
        if profile is not None and state["n"] >= len(warm):
            profile.enable()

    def shown(count: int) -> None:
        t2 = time.perf_counter()
        if not state.get("pending"):
            return  # the first browse page, or a refresh: not one of ours
        state["pending"] = False
        window.view.viewport().repaint()  # the first paint of the new grid, synchronous
        t3 = time.perf_counter()
        if profile is not None:
            profile.disable()
        if state["n"] >= len(warm):
            t0 = state["t0"]
            reader = timings.within("reader: Library.search", t0, t2)
            # the window's own slot on search_requested runs before ours: its read may start
            # first, on the reader thread
            t1 = min(state["t1"], reader[0][0]) if reader else state["t1"]
            read_end = reader[-1][1] if reader else t1
            row = {
                "debounce_ms": (t1 - t0) * 1000,
                "to_results_ms": (t2 - t1) * 1000,  # the target's figure: debounce excluded
                "to_painted_ms": (t3 - t1) * 1000,
                "reader_ms": sum(e - s for s, e, _ in reader) * 1000,
                "before_reader_ms": ((reader[0][0] if reader else t1) - t1) * 1000,
                "gui_after_reader_ms": (t2 - read_end) * 1000,
                "first_paint_ms": (t3 - t2) * 1000,
                "results": count,
            }
            for label in ("GUI: ResultsModel.set_results", "GUI: update_preview"):
                row[label] = sum(e - s for s, e, _ in timings.within(label, read_end, t2)) * 1000
            rows.append(row)
        state["n"] += 1
        QTimer.singleShot(150, next_query)  # thumbnails and tag reads settle in between

    def next_query() -> None:
        if state["n"] >= len(texts):
            state["items"] = window.library.store.scalar("SELECT COUNT(*) FROM items")
            state["index"] = type(window.library.searcher().index()).__name__
            QApplication.quit()  # this closes the window
            return
        state["t0"], state["pending"] = time.perf_counter(), True
        window.searchbar.edit.setText(texts[state["n"]])  # textChanged: the debounce starts

    window.searchbar.search_requested.connect(requested)
    window.results_shown.connect(shown)

    def begin() -> None:
        if args.tag:
            select_tag(window, args.tag)
        next_query()

    QTimer.singleShot(2000, begin)  # the first browse page and the sidebar first
    app.exec()
    window.close()
    tag = f", tag filter {args.tag}" if args.tag else ""
    report(rows, state.get("items", "?"), state.get("index", "?"), searchbar.DEBOUNCE_MS, tag)
    if profile is not None:
        print("\nGUI thread, measured queries, by cumulative time (cProfile):")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


def select_tag(window: Any, name: str) -> None:
    """Select the sidebar's entry for tag ``name`` (signals blocked: the next query searches)."""
    from PySide6.QtWidgets import QTreeWidgetItemIterator

    from mmdesk.gui.sidebar import ValueRole

    tree = window.sidebar
    tree.blockSignals(True)
    it = QTreeWidgetItemIterator(tree)
    while (item := it.value()) is not None:
        if item.parent() is not None and item.data(0, ValueRole) == name:
            item.setSelected(True)
        it += 1
    tree.blockSignals(False)
    print(f"sidebar tags selected: {window.sidebar.selected_tags()}")


def report(
    rows: list[dict[str, float]], items: object, index: object, debounce: int, tag: str = ""
) -> None:
    if not rows:
        print("no query was measured")
        return
    cpus, load = os.cpu_count(), os.getloadavg()[0]
    print(
        f"{len(rows)} queries on {items} items ({index}{tag}), {cpus} CPUs, load {load:.1f}; "
        f"debounce {debounce} ms (not counted below)"
    )

    def line(label: str, values: list[float]) -> None:
        v = np.array(values)
        print(
            f"  {label:34s} p50 {np.percentile(v, 50):7.1f}  p95 {np.percentile(v, 95):7.1f}  "
            f"max {v.max():7.1f} ms"
        )

    names: list[tuple[str, Callable[[dict[str, float]], float]]] = [
        ("debounce (apart)", lambda r: r["debounce_ms"]),
        ("text change -> results_shown", lambda r: r["to_results_ms"]),
        ("... -> first paint done", lambda r: r["to_painted_ms"]),
        ("  waiting for the reader", lambda r: r["before_reader_ms"]),
        ("  reader: Library.search", lambda r: r["reader_ms"]),
        ("  GUI after the reader's answer", lambda r: r["gui_after_reader_ms"]),
        ("    ResultsModel.set_results", lambda r: r["GUI: ResultsModel.set_results"]),
        ("    update_preview", lambda r: r["GUI: update_preview"]),
        ("  first paint (viewport repaint)", lambda r: r["first_paint_ms"]),
    ]
    for label, get in names:
        line(label, [get(r) for r in rows])
    print(f"  results per query: {int(np.median([r['results'] for r in rows]))} (median)")


if __name__ == "__main__":
    main()
