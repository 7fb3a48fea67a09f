"""The results grid serves large result lists without making a thumbnail per result."""

from __future__ import annotations

import pytest
from mmdesk_testing import make_photo
from PySide6.QtWidgets import QApplication

from mmdesk.core.search import Result
from mmdesk.core.thumbnails import ensure_thumbnail, thumb_path
from mmdesk.gui.results import ResultsModel, ResultsView
from mmdesk.gui.tasks import TaskRunner
from mmdesk.gui.thumbs import Thumbnails

pytestmark = pytest.mark.gui


def test_twenty_thousand_results_make_only_visible_thumbnails(qtbot, settings, tmp_path):
    photo = make_photo(tmp_path / "one.png", "red")
    runner = TaskRunner(settings)
    try:
        thumbs = Thumbnails(runner, tmp_path / "thumbs")
        model = ResultsModel(thumbs)
        view = ResultsView()
        qtbot.addWidget(view)
        view.setModel(model)
        view.resize(900, 700)
        paths = [str(photo)] + [str(tmp_path / f"missing-{i}.jpg") for i in range(1, 20_000)]
        results = [
            Result(i, p, 1.0 - i / 40_000, "image", None, None, {}) for i, p in enumerate(paths)
        ]
        model.set_results(results)
        view.show()
        qtbot.waitExposed(view)
        QApplication.processEvents()
        assert model.rowCount() == 20_000
        assert 0 < thumbs.requests < 100, thumbs.requests
        view.scrollToBottom()
        QApplication.processEvents()
        assert thumbs.requests < 200, thumbs.requests
        qtbot.waitUntil(lambda: thumbs.get(str(photo)) is not None, timeout=10_000)
    finally:
        runner.shutdown()


def test_thumbnails_are_cached_by_path_mtime_and_size(tmp_path):
    photo = make_photo(tmp_path / "a.jpg", "blue", size=(800, 600))
    first = ensure_thumbnail(tmp_path / "cache", str(photo), 128)
    stat = photo.stat()
    assert first == thumb_path(tmp_path / "cache", str(photo), stat.st_mtime_ns, stat.st_size, 128)
    assert first.exists() and first.stat().st_size < 20_000
    assert ensure_thumbnail(tmp_path / "cache", str(photo), 128) == first


@pytest.mark.parametrize("square", [False, True])
def test_a_tile_paints_its_thumbnail_scaled_once_and_the_same_each_time(qtbot, square):
    from helpers import paint_tile
    from PySide6.QtCore import QSize, Qt
    from PySide6.QtGui import QColor, QImage, QPixmap

    from mmdesk.gui.results import ResultDelegate

    source = QImage(QSize(300, 200), QImage.Format.Format_RGB32)
    source.fill(QColor("blue"))
    for x in range(150):  # left half red
        for y in range(200):
            source.setPixelColor(x, y, QColor("red"))
    thumb = QPixmap.fromImage(source)
    delegate = ResultDelegate()
    delegate.square = square

    def paint():
        return paint_tile(delegate, {Qt.ItemDataRole.DecorationRole: thumb}, 176, 200)

    first, again = paint(), paint()
    assert first == again and len(delegate._scaled) == 1  # scaled once, then copied
    middle_y = 90
    left, right = first.pixelColor(40, middle_y), first.pixelColor(136, middle_y)
    assert left.red() > 200 and left.blue() < 60 and right.blue() > 200 and right.red() < 60
    white_top = first.pixelColor(88, 12) == QColor("white")
    assert white_top != square  # fitted: a 3:2 picture leaves room above; square: filled
