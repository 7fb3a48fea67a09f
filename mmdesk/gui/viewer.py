"""The built-in viewer: one result large, over the whole window, with the keys of photo apps.

Enter or a double-click in the grid opens the current result here; Space opens it as a quick
look that Space closes again; Esc goes back to the grid at the item last shown. Left/Right (and
Up/Down, Page Up/Down) step through the results in the grid's order, moving the grid's current
row along, so the preview and the selection follow. F or F11 toggles full screen. A photo
starts fitted to the window; ``1`` shows it at 100 %, ``0`` fits it again, the wheel (with or
without Ctrl) zooms about the pointer, dragging pans.

A photo is shown at full resolution, upright (EXIF) and turned as the person asked
(:mod:`mmdesk.core.orientation`), decoded in the worker pool: the preview-sized thumbnail is
shown until it arrives, and the main thread never decodes. A video moment plays from its start
and a sound shows its waveform and plays, both in a :class:`~mmdesk.gui.player.MediaPlayer` of
the viewer's own (the preview's player is paused meanwhile).

The viewer is a page of a stack that :func:`install` puts in the window's centre, above the
splitter (sidebar | grid | preview), so nothing of the window's layout changes when it opens.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mmdesk.core.search import Result
from mmdesk.gui.compat import emit
from mmdesk.gui.player import MediaPlayer
from mmdesk.gui.results import file_kind_of, picture_moment, time_range, turns_of
from mmdesk.gui.thumbs import turned

if TYPE_CHECKING:
    from mmdesk.gui.window import MainWindow

ZOOM_STEP = 1.25
ZOOM_RANGE = (0.02, 16.0)
FULL_SIDE = 1_000_000  # decode_image's min_side: no reduced-scale decoding for the viewer


def load_full(path: str, turns: int) -> QImage:
    """Worker side: the whole photo, upright and turned, as a QImage (thread-safe).

    Raises:
        MediaError: the file is missing, unreadable or not an image.
    """
    from mmdesk.core.media import decode_image, read_regular
    from mmdesk.errors import MediaError

    try:
        data = read_regular(Path(path))
    except OSError as exc:
        raise MediaError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    rgb = decode_image(data, min_side=FULL_SIDE, name=path).image.convert("RGB")
    width, height = rgb.size
    image = QImage(rgb.tobytes(), width, height, 3 * width, QImage.Format.Format_RGB888)
    # The format the screen paints without converting: QPixmap.fromImage on the main thread is
    # then a plain copy, even for a 24-megapixel photo.
    return turned(image, turns).convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


class Canvas(QWidget):
    """A picture drawn at a scale, fitted to the widget until the person zooms."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pixmap: QPixmap | QImage = QPixmap()  # a full photo stays a QImage: no conversion
        self.scale = 1.0
        self.fitting = True  # follow the widget's size ("zoom to fit")
        self.offset = QPointF(0, 0)  # pan from the centred position, in widget pixels
        self.natural = 0  # the full picture's width, so a preview-sized stand-in zooms true
        self._drag: QPoint | None = None
        self.setMinimumSize(200, 150)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setBackgroundRole(QPalette.ColorRole.Dark)
        self.setAutoFillBackground(True)

    def set_pixmap(self, pixmap: QPixmap | QImage, natural_width: int = 0) -> None:
        """Show ``pixmap``; a larger version of the same picture keeps the zoom and pan."""
        self.pixmap = pixmap
        self.natural = natural_width or pixmap.width()
        if self.fitting:
            self.fit()
        self.update()

    def shown_scale(self) -> float:
        """The picture's scale relative to its full resolution (1.0 is 100 %)."""
        if self.pixmap.isNull() or not self.natural:
            return self.scale
        return self.scale * self.pixmap.width() / self.natural

    def fit(self) -> None:
        self.fitting = True
        self.offset = QPointF(0, 0)
        if not self.pixmap.isNull():
            self.scale = min(
                1.0 * self.natural / max(1, self.pixmap.width()),
                self.width() / max(1, self.pixmap.width()),
                self.height() / max(1, self.pixmap.height()),
            )
        self.update()

    def actual(self) -> None:
        """100 %: one pixel of the full picture per screen pixel."""
        self.fitting = False
        self.offset = QPointF(0, 0)
        self.scale = self.natural / max(1, self.pixmap.width())
        self.update()

    def zoom(self, factor: float, about: QPointF | None = None) -> None:
        """Multiply the scale by ``factor``, keeping the point ``about`` where it is."""
        old = self.scale
        low, high = ZOOM_RANGE
        self.scale = max(low, min(high, old * factor))
        self.fitting = False
        if about is not None:
            centre = QPointF(self.width() / 2, self.height() / 2) + self.offset
            self.offset += (about - centre) * (1 - self.scale / old)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.pixmap.isNull():
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        w, h = self.pixmap.width() * self.scale, self.pixmap.height() * self.scale
        centre = QPointF(self.width() / 2, self.height() / 2) + self.offset
        target = QRectF(centre.x() - w / 2, centre.y() - h / 2, w, h)
        if isinstance(self.pixmap, QImage):
            painter.drawImage(target, self.pixmap, QRectF(self.pixmap.rect()))
        else:
            painter.drawPixmap(target, self.pixmap, QRectF(self.pixmap.rect()))
        painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.fitting:
            self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        notches = event.angleDelta().y() / 120
        if notches:
            self.zoom(ZOOM_STEP ** (1 if notches > 0 else -1), event.position())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._drag = event.position().toPoint()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            here = event.position().toPoint()
            self.offset += QPointF(here - self._drag)
            self._drag = here
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None


class Viewer(QWidget):
    """Shows one result large; says what the person asked by signals (the controller acts)."""

    back_requested = Signal()
    step_requested = Signal(int)  # -1 previous, +1 next
    full_screen_requested = Signal()
    rotate_requested = Signal(int)  # quarter turns, clockwise
    quick_look_closed = Signal()  # Space while open

    STEPS = {
        Qt.Key.Key_Left: -1,
        Qt.Key.Key_Up: -1,
        Qt.Key.Key_PageUp: -1,
        Qt.Key.Key_Right: 1,
        Qt.Key.Key_Down: 1,
        Qt.Key.Key_PageDown: 1,
    }

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("viewer")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Viewer")
        self.result: Result | None = None
        self.canvas = Canvas(self)
        self.player = MediaPlayer(self)
        self.stage = QStackedWidget(self)
        self.stage.addWidget(self.canvas)
        self.stage.addWidget(self.player)
        self.title = QLabel(self)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.zoom_label = QLabel(self)
        self.buttons: dict[str, QToolButton] = {}
        self._layout()

    def _button(self, text: str, tip: str, slot: Any) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(lambda *_: slot())
        self.buttons[text] = button
        return button

    def _layout(self) -> None:
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 4)
        for text, tip, slot in (
            ("← Back", "Back to the results (Esc)", lambda: emit(self.back_requested)),
            ("‹", "Previous (Left)", lambda: emit(self.step_requested, -1)),
            ("›", "Next (Right)", lambda: emit(self.step_requested, 1)),
        ):
            bar.addWidget(self._button(text, tip, slot))
        bar.addWidget(self.title, 1)
        bar.addWidget(self.zoom_label)
        for text, tip, slot in (
            ("Fit", "Zoom to fit (0)", self.zoom_fit),
            ("100 %", "Actual size (1)", self.zoom_actual),
            ("⟲", "Rotate left (Ctrl+[)", lambda: emit(self.rotate_requested, -1)),
            ("⟳", "Rotate right (Ctrl+])", lambda: emit(self.rotate_requested, 1)),
            ("Full screen", "Full screen (F or F11)", lambda: emit(self.full_screen_requested)),
        ):
            bar.addWidget(self._button(text, tip, slot))
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addLayout(bar)
        box.addWidget(self.stage, 1)

    # what the controller calls -----------------------------------------------------------
    def show_picture(self, pixmap: QPixmap | QImage | None, natural_width: int = 0) -> None:
        """A photo (or the stand-in until the full one arrives)."""
        self.stage.setCurrentWidget(self.canvas)
        self._photo_buttons(True)
        self.canvas.set_pixmap(pixmap or QPixmap(), natural_width)
        self._show_zoom()

    def _photo_buttons(self, shown: bool) -> None:
        """Zoom and rotation are for photos; a video or sound has its player's controls."""
        for text in ("Fit", "100 %", "⟲", "⟳"):
            self.buttons[text].setVisible(shown)

    def show_media(self, result: Result, picture: QPixmap | None) -> None:
        """A video moment or a sound: the player, cued at the moment, playing."""
        self.stage.setCurrentWidget(self.player)
        self._photo_buttons(False)
        self.player.set_picture(picture, "loading…")
        self.player.play_from(
            result.path, result.start or 0.0, video=file_kind_of(result) == "video"
        )
        self.zoom_label.setText("")

    def set_title(self, result: Result, row: int, count: int) -> None:
        self.result = result
        where = time_range(result)
        moment = f" · {where}" if where else ""
        self.title.setText(f"<b>{Path(result.path).name}</b>{moment} · {row + 1} of {count}")

    def zoom_fit(self) -> None:
        self.canvas.fit()
        self._show_zoom()

    def zoom_actual(self) -> None:
        self.canvas.actual()
        self._show_zoom()

    def zoom_by(self, factor: float) -> None:
        self.canvas.zoom(factor, QPointF(self.canvas.width() / 2, self.canvas.height() / 2))
        self._show_zoom()

    def _show_zoom(self) -> None:
        shown = self.canvas.shown_scale()
        self.zoom_label.setText(f"{shown * 100:.0f} %" + (" (fit)" if self.canvas.fitting else ""))

    # keys ---------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in self.STEPS:
            emit(self.step_requested, self.STEPS[Qt.Key(key)])
        elif key == Qt.Key.Key_Escape:
            emit(self.back_requested)
        elif key == Qt.Key.Key_Space:
            emit(self.quick_look_closed)
        elif key in (Qt.Key.Key_F, Qt.Key.Key_F11):
            emit(self.full_screen_requested)
        elif key == Qt.Key.Key_0:
            self.zoom_fit()
        elif key == Qt.Key.Key_1:
            self.zoom_actual()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(ZOOM_STEP)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(1 / ZOOM_STEP)
        else:
            super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        super().wheelEvent(event)
        self._show_zoom()


class ViewerController:
    """Opens, steps and closes the viewer for a window; rotates what it shows."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.viewer = Viewer(window)
        self.quick = False  # opened by Space: Space closes it
        self._generation = 0  # a newer picture request makes older answers stale
        self._full_screen_before: bool | None = None
        self._hidden: list[QWidget] = []
        self._shown: tuple[int, int] | None = None  # (item, turns) on show
        central = window.takeCentralWidget()
        self.stack = QStackedWidget(window)
        if central is not None:
            self.stack.addWidget(central)
        self.stack.addWidget(self.viewer)
        window.setCentralWidget(self.stack)
        self.viewer.back_requested.connect(self.close)
        self.viewer.quick_look_closed.connect(self.close)
        self.viewer.step_requested.connect(self.step)
        self.viewer.full_screen_requested.connect(self.toggle_full_screen)
        self.viewer.rotate_requested.connect(self.rotate)
        window.previews.ready.connect(self._stand_in_ready)
        window.model.modelReset.connect(self._results_changed)
        self.load_turns()

    def is_open(self) -> bool:
        return self.stack.currentWidget() is self.viewer

    def load_turns(self) -> None:
        """The person's rotations, read once (few rows) and after each rotation."""
        self.window.model.set_turns(self.window.library.orientations())

    def open(self, *, quick: bool = False, row: int | None = None) -> None:
        """Show the result at ``row`` large; by default the grid's current one (the first
        when none is current)."""
        view, model = self.window.view, self.window.model
        if not model.rowCount():
            return
        if row is not None and model.result_at(row) is not None:
            view.setCurrentIndex(model.index(row))
        elif not view.currentIndex().isValid():
            view.setCurrentIndex(model.index(model.row_of_result(0)))  # after a date header
        self.quick = quick
        self.window.preview.player.pause()
        self.stack.setCurrentWidget(self.viewer)
        self.viewer.setFocus()
        self.show_current()

    def quick_look(self) -> None:
        """Space: open as a quick look, or close one that is open."""
        if self.is_open():
            self.close()
        else:
            self.open(quick=True)

    def close(self) -> None:
        """Back to the grid, at the item last shown."""
        if not self.is_open():
            return
        if self._full_screen_before is not None:
            self.toggle_full_screen()
        self.viewer.player.stop()
        self._shown = None
        self.stack.setCurrentIndex(0)
        self.window.view.setFocus()
        self.window.view.scrollTo(self.window.view.currentIndex())

    def step(self, delta: int) -> None:
        """The next (+1) or previous (-1) result, stopping at either end."""
        view, model = self.window.view, self.window.model
        row = model.step(view.currentIndex().row(), delta)  # date headers skipped
        if row is not None:
            view.setCurrentIndex(model.index(row))
            self.window.paging.fetch_ahead(row)  # near the last loaded one: the next page
            self.show_current()

    def current(self) -> Result | None:
        return self.window.view.current_result()

    def _place(self) -> tuple[int, int]:
        """(which result, of how many) the current one is: date headers not counted; while
        browsing, of every item the browse has (stepping on loads the next pages), not only
        of the pages loaded so far."""
        model, paging = self.window.model, self.window.paging
        count = len(model.results())
        if paging.browsing is not None:
            count = max(count, paging.total)
        return model.result_number(self.window.view.currentIndex().row()), count

    def turns(self, result: Result) -> int:
        return turns_of(self.window.model.turns, result)

    def show_current(self) -> None:
        """Show the grid's current result: the stand-in now, the full photo from the pool."""
        result, viewer = self.current(), self.viewer
        if result is None:
            return
        viewer.player.stop()
        viewer.set_title(result, *self._place())
        self._generation += 1
        self._shown = (result.item_id, self.turns(result))
        stand_in = self._stand_in(result)
        if result.kind != "image" or file_kind_of(result) != "image":
            viewer.show_media(result, stand_in)
            return
        width = result.file.get("width") or 0
        if self.turns(result) % 2:
            width = result.file.get("height") or width
        viewer.show_picture(stand_in, int(width))
        generation, path, turns = self._generation, result.path, self.turns(result)
        self.window.runner.compute(
            lambda: load_full(path, turns),
            lambda image: self._full_arrived(generation, image),
            lambda exc: self._full_failed(generation, exc),
            priority=1 << 30,
        )

    def _stand_in(self, result: Result) -> QPixmap | None:
        f = result.file
        kind, start = picture_moment(result)
        previews = self.window.previews
        return previews.get(result.path, f.get("mtime_ns"), f.get("size"), kind, start,
                            self.turns(result))  # fmt: skip

    def _stand_in_ready(self, path: str) -> None:
        result = self.current()
        if not self.is_open() or result is None or result.path != path:
            return
        if self.viewer.stage.currentWidget() is self.viewer.player:
            self.viewer.player.set_picture(self._stand_in(result))
        elif self.viewer.canvas.pixmap.isNull():
            pixmap = self._stand_in(result)
            if pixmap is not None:
                self.viewer.show_picture(pixmap, self.viewer.canvas.natural)

    def _full_arrived(self, generation: int, image: QImage) -> None:
        if generation == self._generation and self.is_open():
            self.viewer.show_picture(image, image.width())  # drawn as is: no main-thread copy

    def _full_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self.window.say(f"⚠ cannot show this photo large: {exc}")

    def _results_changed(self) -> None:
        """New results (indexing goes on, a rotation): once the window has restored its
        selection, show what is current now; the same item, turned the same, stays as is."""
        if self.is_open():
            QTimer.singleShot(0, self._after_reset)

    def _after_reset(self) -> None:
        result = self.current()
        if not self.is_open():
            return
        if result is None:
            self.close()
        elif (result.item_id, self.turns(result)) == self._shown:
            self.viewer.set_title(result, *self._place())
        else:
            self.show_current()

    def rotate(self, quarter_turns: int) -> None:
        """Turn the shown item (or the grid's selection) as shown; the file stays as it is."""
        window = self.window
        chosen = window.view.selected_results()
        current = self.current()
        if self.is_open() and current is not None:
            chosen = [current]
        photos = [r for r in chosen if file_kind_of(r) == "image"]
        if not photos:
            window.say("Only photos can be rotated")
            return

        def write(library: Any) -> Any:
            from mmdesk.core.jobs import Changes

            changes = Changes()
            for result in photos:
                changes |= library.rotate(result.item_id, quarter_turns)
            return changes

        window.runner.write(write, lambda _: self._rotated(len(photos)))

    def _rotated(self, count: int) -> None:
        self.load_turns()
        self.window.say(
            f"Rotated {count} photo{'' if count == 1 else 's'} (the files are unchanged)"
        )
        if self.is_open():
            self.show_current()
        self.window.update_preview()  # the preview shows the photo turned too

    def toggle_full_screen(self) -> None:
        """Full screen for the viewer (opened if need be); again to leave it."""
        window = self.window
        bars = [window.menuBar(), window.statusBar(), *window.findChildren(QToolBar)]
        if self._full_screen_before is None:
            if not self.is_open():
                self.open()
            self._full_screen_before = window.isFullScreen()
            self._hidden = [bar for bar in bars if bar.isVisible()]
            for bar in self._hidden:
                bar.hide()
            window.showFullScreen()
        else:
            was, self._full_screen_before = self._full_screen_before, None
            for bar in self._hidden:
                bar.show()
            if not was:
                window.showNormal()
        self.viewer.setFocus()


def install(window: MainWindow) -> ViewerController:
    """Put the viewer in ``window``'s centre and route the grid's keys to it."""
    controller = ViewerController(window)
    window.view.quick_look_requested.connect(controller.quick_look)
    return controller
