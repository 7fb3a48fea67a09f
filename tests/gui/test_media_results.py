"""Videos and sounds in the results grid: one tile per moment, each saying where it is, and
the "no good matches" state that offers the weak matches anyway."""

from __future__ import annotations

import wave
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from helpers import open_window
from mmdesk_testing import make_photo
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from mmdesk.core.library import Library
from mmdesk.core.search import Result, group_moments
from mmdesk.core.search.results import timestamp  # noqa: E402
from mmdesk.gui.results import (
    ResultsModel,
    ResultsView,
    TileRole,
    clock,
    tile,
    tooltip,
)
from mmdesk.gui.tasks import TaskRunner
from mmdesk.gui.thumbs import Thumbnails
from mmdesk.kinds import INDEXED_FILE_KINDS

pytestmark = pytest.mark.gui
COLOURS = {0.5: (200, 30, 30), 1.5: (30, 200, 30), 2.5: (30, 30, 200)}


def make_video(path: Path, seconds: int = 3, fps: int = 10) -> Path:
    """A tiny MPEG-4 clip whose red channel rises frame by frame."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for n in range(seconds * fps):
            frame = np.zeros((48, 64, 3), np.uint8)
            frame[..., 0] = int(255 * n / (seconds * fps))
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def make_wav(path: Path, seconds: float = 2.0, rate: int = 16_000) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    samples = (np.sin(2 * np.pi * 440 * t) * 12_000).astype(np.int16)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


def moment(path: Path, item_id: int, start: float | None, kind: str = "video_frame", **kw):
    """A result for one moment of a media file, as the library would return it."""
    st = path.stat()
    file_kind = "video" if path.suffix == ".mp4" else "audio"
    meta = {"duration": 3.0 if file_kind == "video" else 2.0, "audio_codec": "pcm_s16le"}
    file = {"kind": file_kind, "mtime_ns": st.st_mtime_ns, "size": st.st_size, "meta": meta}
    file |= {"width": 64, "height": 48} if file_kind == "video" else {}
    end = None if start is None else start + 1.0
    score = kw.pop("score", 0.5)
    fields = {"matched": ["visual"], **kw}
    return Result(item_id, str(path), score, kind, start, end, file, **fields)


def painted(start: float | None) -> Image.Image:
    return Image.new("RGB", (32, 24), COLOURS.get(start or 0.0, (0, 0, 0)))


def test_two_moments_of_one_video_get_two_thumbnails(qtbot, settings, tmp_path):
    video = make_video(tmp_path / "clip.mp4")
    calls: list[tuple[str, float | None]] = []

    def picture(path: str, kind: str, start: float | None, side: int) -> Image.Image:
        calls.append((kind, start))
        return painted(start)

    runner = TaskRunner(settings)
    try:
        thumbs = Thumbnails(runner, tmp_path / "thumbs", picture=picture)
        model = ResultsModel(thumbs)
        model.set_results([moment(video, 1, 0.5), moment(video, 2, 2.5)])
        first, second = (model.index(r).data(Qt.ItemDataRole.DecorationRole) for r in (0, 1))
        assert first is None and second is None  # asked for, made in the pool
        qtbot.waitUntil(
            lambda: all(model.index(r).data(1) is not None for r in (0, 1)), timeout=10_000
        )
        colours = [model.index(r).data(1).toImage().pixelColor(16, 12).getRgb()[:3] for r in (0, 1)]
        assert colours[0][0] > 150 and colours[1][2] > 150, colours
        assert sorted(calls) == [("video_frame", 0.5), ("video_frame", 2.5)]
        # the pictures are cached on disk: a fresh cache reads them instead of decoding again
        again = Thumbnails(runner, tmp_path / "thumbs", picture=picture)
        again.get(str(video), *_version(video), "video_frame", 2.5)
        qtbot.waitUntil(
            lambda: again.get(str(video), *_version(video), "video_frame", 2.5) is not None
        )
        assert len(calls) == 2
    finally:
        runner.shutdown()


def _version(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_size


def test_the_core_pictures_of_two_moments_differ(qtbot, settings, tmp_path):
    pictures = pytest.importorskip("mmdesk.core.media.pictures", reason="item_picture not landed")
    video = make_video(tmp_path / "clip.mp4")
    early = pictures.item_picture(str(video), "video_frame", 0.2, 64)
    late = pictures.item_picture(str(video), "video_frame", 2.8, 64)
    assert (
        np.asarray(late.convert("RGB"))[..., 0].mean()
        > np.asarray(early.convert("RGB"))[..., 0].mean() + 100
    )


def test_a_video_tile_says_where_the_moment_is_and_how_many_more(qtbot, settings, tmp_path):
    video = make_video(tmp_path / "clip.mp4")
    photo = make_photo(tmp_path / "p.png", "red")
    results = [
        moment(video, 1, 83.4, score=0.9),
        Result(9, str(photo), 0.8, "image", None, None, {"kind": "image"}),
        moment(video, 2, 12.0, score=0.7),
        moment(video, 3, 3725.0, score=0.6),
    ]
    grouped = group_moments(results)
    assert [r.item_id for r in grouped] == [1, 9]
    facts = tile(grouped[0])
    assert (facts.time, facts.more, facts.length) == ("1:23", "+2 moments", "")
    assert tile(grouped[1]) == tile(Result(9, str(photo), 0.8, "image", None, None, {}))
    assert tile(results[3]).time == "1:02:05" and tile(results[3]).more == ""
    assert "video moment at 1:23–1:24" in tooltip(grouped[0])
    assert "2 more matching moments" in tooltip(grouped[0])
    runner = TaskRunner(settings)
    try:
        thumbs = Thumbnails(runner, tmp_path / "thumbs", picture=lambda p, k, s, e: painted(s))
        model = ResultsModel(thumbs)
        view = ResultsView()
        qtbot.addWidget(view)
        view.setModel(model)
        model.set_results(grouped)
        assert model.index(0).data(TileRole).time == "1:23"
        assert model.index(0).data(Qt.ItemDataRole.DisplayRole) == "clip.mp4"
        view.resize(600, 400)
        view.show()
        qtbot.waitExposed(view)
        assert not view.grab().isNull()  # the delegate paints badges without failing
    finally:
        runner.shutdown()


def test_a_sound_tile_shows_its_length_and_what_was_said(tmp_path):
    sound = make_wav(tmp_path / "talk.wav")
    spoken = moment(
        sound, 4, 0.0, "audio_segment", matched=["spoken"], snippet="the quick   brown fox"
    )
    heard = moment(sound, 5, None, "audio_segment", matched=["sound"], snippet="ignored")
    assert tile(spoken).length == "0:02" and tile(spoken).snippet == "the quick brown fox"
    assert tile(spoken).audio and tile(spoken).time == "0:00"
    assert tile(heard).snippet == "" and tile(heard).time == ""  # the whole track, not speech
    assert "“the quick brown fox”" in tooltip(spoken)
    assert "length 0:02" in tooltip(heard)


def test_clock_and_timestamp_formats():
    assert [clock(s) for s in (0, 59.9, 83.4, 3725)] == ["0:00", "0:59", "1:23", "1:02:05"]
    assert clock(None) == "" and clock(float("nan")) == ""
    assert timestamp(83.44) == "00:01:23.4" and timestamp(3725.06) == "01:02:05.1"


def test_no_good_matches_offers_the_weak_ones(qtbot, settings, tmp_path, monkeypatch):
    photo = make_photo(tmp_path / "weak.png", "green")
    asked: list[float | None] = []

    def search(self, text, filters=None, min_score=None):
        asked.append(min_score)
        self.last_verdict = SimpleNamespace(ok=min_score is not None, reason="nothing stood out")
        if min_score is None:
            return []
        return [Result(1, str(photo), 0.1, "image", None, None, {"kind": "image"})]

    monkeypatch.setattr(Library, "search", search)
    window = open_window(qtbot, settings)
    qtbot.waitUntil(lambda: "newest first" in window.message.text(), timeout=10_000)  # browsed
    assert window.group_action.isChecked()  # moments are grouped by default
    with qtbot.waitSignal(window.results_shown, timeout=10_000):
        window.searchbar.set_query("zebra")
        window.searchbar.search_now()
    qtbot.waitUntil(lambda: asked == [None])
    empty = window.view.empty
    assert empty.isVisible() and "No good matches for “zebra”" in empty.text.text()
    assert empty.button.text() == "Show weak matches anyway"
    with qtbot.waitSignal(window.results_shown, timeout=10_000) as shown:
        qtbot.mouseClick(empty.button, Qt.MouseButton.LeftButton)
    assert asked == [None, 0.0] and shown.args == [1]
    assert not empty.isVisible()
    assert [Path(r.path).name for r in window.model.results()] == ["weak.png"]
    window.group_action.setChecked(False)
    assert window.qsettings.value("search/group_moments") in (False, "false")
    QApplication.processEvents()


@pytest.mark.skipif("video" not in INDEXED_FILE_KINDS, reason="video indexing has not landed")
def test_an_indexed_video_is_one_tile_that_plays_on_through_a_refresh(qtbot, settings, tmp_path):
    from helpers import index_folder

    video = make_video(tmp_path / "media" / "clip.mp4", seconds=6)
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, tmp_path / "media")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10_000)
    shown = window.model.result(0)
    assert shown.file["kind"] == "video" and shown.path == str(video)
    window.view.setCurrentIndex(window.model.index(0))
    player = window.preview.player
    assert player.source() == str(video) and player.isVisible()
    starts = window.preview.strip.moments()
    assert len(starts) == 1 + len(shown.moments) and shown.start in starts
    player.seek(2.5)
    with qtbot.waitSignal(window.results_shown, timeout=10_000):
        window.run_search()  # what a refresh from Changes does
    assert player.source() == str(video) and abs(player.position() - 2.5) < 0.15
