"""The media player of the preview: a video or sound, cued at the moment that matched.

Built on QtMultimedia (``QMediaPlayer`` + ``QAudioOutput`` + ``QVideoWidget``) when it can be:
the module is optional (PySide6-Addons) and may find no backend, and a headless machine has no
sound server. Then the player degrades to the moment's picture (frame or waveform), a note that
says why ("playback unavailable: …") and a button that hands the file to the system's player.

A seek asked for before the media has loaded is remembered (:attr:`MediaPlayer.requested_start`)
and done once it has: QMediaPlayer ignores ``setPosition`` while loading. Qt Multimedia's own
chatter (missing pipewire, VA-API or PulseAudio libraries, FFmpeg banners) goes to this module's
logger at debug level instead of the terminal (:func:`route_multimedia_messages`).
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QLoggingCategory,
    QMessageLogContext,
    Qt,
    QtMsgType,
    QUrl,
    Signal,
    qFormatLogMessage,
    qInstallMessageHandler,
)
from PySide6.QtGui import QDesktopServices, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QStackedWidget,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mmdesk.gui.compat import emit
from mmdesk.gui.results import clock

log = logging.getLogger(__name__)
Handler = Callable[[QtMsgType, QMessageLogContext, str], Any]
# Messages Qt Multimedia and its FFmpeg/audio plumbing print on machines without a sound
# server or GPU decoders: harmless, and noisy on every start.
NOISE = re.compile(r"PulseAudio|pipewire|audio device|QRhi|FFmpeg|VA-?API|\bva\b|libva", re.I)
_previous: Handler | None = None


def _route(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    category = context.category or ""
    if category.startswith("qt.multimedia") or NOISE.search(message):
        log.debug("%s: %s", category, message)
    elif _previous is not None:
        _previous(mode, context, message)
    else:
        sys.stderr.write(qFormatLogMessage(mode, context, message) + "\n")


def route_multimedia_messages() -> None:
    """Send Qt Multimedia's messages to our log (debug), every other Qt message on as before.

    Safe to call again: it keeps the handler it replaced, unless that handler is its own (a
    test harness may have swapped handlers between calls).
    """
    global _previous
    QLoggingCategory.setFilterRules("qt.multimedia.*.debug=false\nqt.multimedia.*.info=false")
    previous = qInstallMessageHandler(_route)
    if previous is not _route:
        _previous = previous


@functools.cache
def multimedia_problem() -> str | None:
    """Why this machine cannot play media, or None when it can (asked once per process)."""
    route_multimedia_messages()
    try:
        from PySide6.QtMultimedia import QMediaPlayer
        from PySide6.QtMultimediaWidgets import QVideoWidget  # noqa: F401
    except ImportError as exc:
        return f"Qt Multimedia is not installed ({exc})"
    if not QMediaPlayer().isAvailable():
        return "Qt Multimedia found no media backend (FFmpeg or GStreamer)"
    return None


def open_externally(path: str) -> bool:
    """Hand the file to the system's default application for it."""
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(path)))


class MediaPlayer(QWidget):
    """Plays one file from a given second; shows the moment's picture until it plays.

    ``position_changed`` carries seconds. :meth:`source` is the file shown (or ""), even when
    playback is unavailable, so the preview and its tests read one truth.
    """

    position_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.unavailable = multimedia_problem()  # why nothing can play here, if so
        self.file_problem: str | None = None  # why the current file does not play
        self.requested_start: float | None = None  # a seek waiting for the media to load
        self._path = ""
        self._video = True
        self._play_when_loaded = False
        self._started = False  # played since cued: the video shows its own frames now
        self._picture: QPixmap | None = None
        self.picture = QLabel(self, alignment=Qt.AlignmentFlag.AlignCenter)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.picture.setMinimumSize(160, 90)
        self.stage = QStackedWidget(self)
        self.stage.setMinimumHeight(100)
        self.stage.addWidget(self.picture)
        self.note = QLabel(self, wordWrap=True)
        self.open_button = QPushButton("Open in player app", self)
        self.open_button.clicked.connect(lambda: self._path and open_externally(self._path))
        self.play_button = QToolButton(self)
        self.play_button.setAccessibleName("Play or pause")
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setAccessibleName("Position")
        self.elapsed, self.total = QLabel("0:00", self), QLabel("0:00", self)
        self._player: Any = None
        self._output: Any = None
        if self.unavailable is None:
            self._make_player()
        self._layout()
        self._show_state()

    def _make_player(self) -> None:
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
        from PySide6.QtMultimediaWidgets import QVideoWidget

        self._player = QMediaPlayer(self)
        self._output = QAudioOutput(self)
        self._player.setAudioOutput(self._output)
        self.video = QVideoWidget(self)
        self.stage.addWidget(self.video)
        self._player.setVideoOutput(self.video)
        self._player.mediaStatusChanged.connect(self._status_changed)
        self._player.playbackStateChanged.connect(lambda _: self._show_state())
        self._player.positionChanged.connect(self._position_changed)
        self._player.durationChanged.connect(self._duration_changed)
        self._player.errorOccurred.connect(self._failed)
        self.play_button.clicked.connect(self.toggle)
        self.slider.sliderMoved.connect(lambda ms: self._player.setPosition(ms))

    def _layout(self) -> None:
        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        for widget in (self.play_button, self.elapsed, self.slider, self.total):
            controls.addWidget(widget, 1 if widget is self.slider else 0)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.stage, 1)
        box.addLayout(controls)
        box.addWidget(self.note)
        box.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignLeft)

    # what callers use ---------------------------------------------------------------------
    @property
    def available(self) -> bool:
        return self._player is not None

    @property
    def problem(self) -> str | None:
        """Why playback is unavailable now (on this machine, or for this file), if it is."""
        return self.unavailable or self.file_problem

    def source(self) -> str:
        """The file the player is on, or ""."""
        return self._path

    def load(self, path: str, seconds: float = 0.0, *, video: bool = True) -> None:
        """Cue ``path`` at ``seconds``, paused; the same file is only sought, not reloaded."""
        self._video = video
        self._play_when_loaded = False
        self._started = False
        if path != self._path:
            self._path = path
            self.file_problem = None
            self.requested_start = seconds
            self.slider.setValue(0)
            self._show_time(seconds * 1000)
            if self._player is not None:
                self._player.setSource(QUrl.fromLocalFile(path))
        else:
            self.pause()
            self.seek(seconds)
        self._show_state()

    def play_from(self, path: str, seconds: float = 0.0, *, video: bool = True) -> None:
        """Cue ``path`` at ``seconds`` and play it."""
        self.load(path, seconds, video=video)
        self.play()

    def seek(self, seconds: float) -> None:
        """Go to ``seconds``: now if the media is ready, else as soon as it is."""
        if self._player is not None and self._loaded():
            self.requested_start = None
            self._player.setPosition(int(seconds * 1000))
        else:
            self.requested_start = seconds
            self._show_time(seconds * 1000)
            emit(self.position_changed, float(seconds))

    def position(self) -> float:
        """Seconds into the file: where it plays, or the start it waits to seek to."""
        if self.requested_start is not None or self._player is None:
            return self.requested_start or 0.0
        return float(self._player.position()) / 1000

    def playing(self) -> bool:
        if self._player is None:
            return False
        from PySide6.QtMultimedia import QMediaPlayer

        return bool(self._player.playbackState() == QMediaPlayer.PlaybackState.PlayingState)

    def play(self) -> None:
        if self._player is None or not self._path:
            return
        if self._loaded():
            self._player.play()
        else:
            self._play_when_loaded = True

    def pause(self) -> None:
        self._play_when_loaded = False
        if self._player is not None and self.playing():
            self._player.pause()

    def toggle(self) -> None:
        self.pause() if self.playing() else self.play()

    def stop(self) -> None:
        """Stop and let go of the file (the selection moved on)."""
        if not self._path and self.requested_start is None:
            return  # nothing cued: showing photo after photo costs nothing here
        self._play_when_loaded = False
        self.requested_start = None
        self._path = ""
        self.file_problem = None
        if self._player is not None:
            self._player.stop()
            self._player.setSource(QUrl())
        self._show_state()

    def set_picture(self, pixmap: QPixmap | None, text: str = "") -> None:
        """The frame or waveform shown until the media plays (or instead of it)."""
        self._picture = pixmap
        if pixmap is None:
            self.picture.setPixmap(QPixmap())
            self.picture.setText(text)
        self._fit()
        self._show_state()

    # the player's answers -----------------------------------------------------------------
    def _loaded(self) -> bool:
        from PySide6.QtMultimedia import QMediaPlayer

        status = self._player.mediaStatus()
        waiting = (QMediaPlayer.MediaStatus.NoMedia, QMediaPlayer.MediaStatus.LoadingMedia)
        return bool(self._path) and status not in waiting

    def _status_changed(self, status: Any) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if status == QMediaPlayer.MediaStatus.LoadedMedia and self.requested_start is not None:
            start, self.requested_start = self.requested_start, None
            self._player.setPosition(int(start * 1000))
            if self._play_when_loaded:
                self._play_when_loaded = False
                self._player.play()
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            self._failed(None, self._player.errorString() or "the file cannot be decoded")

    def _position_changed(self, ms: int) -> None:
        if self.requested_start is not None:
            return  # the pre-load position (0) is not where we are going
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
        self._show_time(ms)
        emit(self.position_changed, ms / 1000)

    def _duration_changed(self, ms: int) -> None:
        self.slider.setRange(0, max(0, ms))
        self.total.setText(clock(ms / 1000))

    def _failed(self, _error: Any, message: str) -> None:
        log.info("cannot play %s: %s", self._path, message)
        self.file_problem = message or "the file cannot be played"
        self._show_state()

    def _show_time(self, ms: float) -> None:
        self.elapsed.setText(clock(ms / 1000))

    def _show_state(self) -> None:
        unavailable = self.problem is not None
        self.note.setText(f"playback unavailable: {self.problem}" if unavailable else "")
        self.note.setVisible(unavailable)
        self.open_button.setVisible(unavailable and bool(self._path))
        for widget in (self.play_button, self.slider):
            widget.setEnabled(not unavailable and bool(self._path))
        playing = self.playing()
        self._started = self._started or playing
        icon = (
            QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        )
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.setToolTip("Pause" if playing else "Play")
        show_video = self.available and self._video and (self._started or not self._picture)
        self.stage.setCurrentIndex(1 if show_video and self._path else 0)

    def _fit(self) -> None:
        if self._picture is None or self._picture.isNull():
            return
        self.picture.setPixmap(
            self._picture.scaled(
                self.picture.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()
