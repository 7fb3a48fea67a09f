"""The preview plays videos and sounds from the moment that matched: the player is cued at the
moment, the moments strip and the transcript seek it, a timestamp can be copied, and without
Qt Multimedia the pane says so and offers the system's player."""

from __future__ import annotations

import logging

import pytest
from mmdesk_testing import make_photo
from PIL import Image
from PySide6.QtCore import Qt, qWarning
from PySide6.QtWidgets import QApplication
from test_media_results import make_video, make_wav, moment

from mmdesk.core.search import Result, group_moments
from mmdesk.gui import player as player_module
from mmdesk.gui.preview import PreviewPane
from mmdesk.gui.tasks import TaskRunner
from mmdesk.gui.thumbs import Thumbnails

pytestmark = pytest.mark.gui


@pytest.fixture()
def pane(qtbot, settings, tmp_path):
    """A preview pane whose pictures are drawn, not decoded (the player still plays files)."""
    runner = TaskRunner(settings)

    def picture(path: str, kind: str, start: float | None, side: int) -> Image.Image:
        return Image.new("RGB", (32, 18), (40, 120, int(start or 0) * 60 % 255))

    images = Thumbnails(runner, tmp_path / "thumbs", 512, picture=picture)
    strip = Thumbnails(runner, tmp_path / "thumbs", picture=picture)
    widget = PreviewPane(images, strip_thumbs=strip)
    qtbot.addWidget(widget)
    widget.resize(420, 800)
    widget.show()
    yield widget
    widget.player.stop()
    runner.shutdown()


def at(pane: PreviewPane, seconds: float) -> bool:
    """Whether the player is (or, where media cannot load here, will be) at ``seconds``."""
    return abs(pane.player.position() - seconds) < 0.15


def test_selecting_a_video_moment_cues_the_player_there(qtbot, pane, tmp_path):
    video = make_video(tmp_path / "clip.mp4")
    pane.show_results([moment(video, 2, 1.5)], {}, [])
    player = pane.player
    assert player.isVisible() and not pane.image.isVisible()
    assert player.source() == str(video)
    qtbot.waitUntil(lambda: at(pane, 1.5), timeout=5_000)
    if player.available:  # the backend loads the file offscreen: the seek has been done
        qtbot.waitUntil(lambda: player.requested_start is None, timeout=5_000)
        assert at(pane, 1.5) and player.total.text() == "0:03"
    assert pane.fields["Duration"].text() == "0:03"
    assert pane.fields["Moment"].text() == "0:01–0:02"
    assert pane.fields["Dimensions"].text() == "64 × 48"
    assert pane.fields["Codec"].text() == "pcm_s16le"
    # another item: the player stops; a photo hides it
    photo = make_photo(tmp_path / "p.png", "red")
    pane.show_results([Result(9, str(photo), 0.5, "image", None, None, {"kind": "image"})], {}, [])
    assert player.source() == "" and not player.isVisible() and pane.image.isVisible()


def test_the_moments_strip_lists_the_moments_and_seeks(qtbot, pane, tmp_path):
    video = make_video(tmp_path / "clip.mp4")
    results = [moment(video, 1, 1.5, score=0.9), moment(video, 2, 0.5), moment(video, 3, 2.5)]
    grouped = group_moments(results)
    pane.show_results(grouped, {}, [])
    strip = pane.strip
    assert strip.moments() == [0.5, 1.5, 2.5]  # by time, the shown one selected
    assert strip.list.currentItem().text() == "0:01"
    assert [strip.list.item(i).text() for i in range(3)] == ["0:00", "0:01", "0:02"]
    last = strip.list.item(2)
    qtbot.mouseClick(
        strip.list.viewport(),
        Qt.MouseButton.LeftButton,
        pos=strip.list.visualItemRect(last).center(),
    )
    qtbot.waitUntil(lambda: at(pane, 2.5), timeout=5_000)
    assert strip.copy_timestamp() == f"{video} @ 00:00:02.5"
    assert QApplication.clipboard().text() == f"{video} @ 00:00:02.5"
    assert strip.copy_timestamp(short=True) == "0:02"
    assert QApplication.clipboard().text() == "0:02"
    # a refresh of the same item (a tag changed) does not move the player back
    pane.show_results(grouped, {"sky": 1}, [])
    assert at(pane, 2.5)


def test_a_sound_shows_its_length_and_transcript(qtbot, pane, tmp_path):
    sound = make_wav(tmp_path / "talk.wav")
    said = moment(sound, 4, 0.8, "audio_segment", matched=["spoken"], snippet="hello there")
    texts = [{"id": 1, "source": "transcript", "text": "hello   there", "meta": None}]
    pane.show_results([said], {}, texts)
    assert pane.fields["Duration"].text() == "0:02"
    assert not pane.fields["Dimensions"].text().startswith("64")
    lines = [pane.transcript.item(i).text() for i in range(pane.transcript.count())]
    assert lines == ["0:00  hello there"] and pane.transcript.isVisible()
    pane.player.seek(1.9)
    pane.transcript.itemClicked.emit(pane.transcript.item(0))
    qtbot.waitUntil(lambda: at(pane, 0.8), timeout=5_000)
    assert pane.player.stage.currentIndex() == 0  # a sound shows its picture, not a video


def test_without_multimedia_the_pane_says_so_and_offers_the_system_player(
    qtbot, settings, tmp_path, monkeypatch
):
    monkeypatch.setattr(player_module, "multimedia_problem", lambda: "no backend on this machine")
    opened: list[str] = []
    monkeypatch.setattr(player_module, "open_externally", opened.append)
    video = make_video(tmp_path / "clip.mp4")
    runner = TaskRunner(settings)
    try:
        images = Thumbnails(
            runner, tmp_path / "thumbs", picture=lambda *a: Image.new("RGB", (8, 8))
        )
        pane = PreviewPane(images)
        qtbot.addWidget(pane)
        pane.show()
        pane.show_results([moment(video, 1, 2.0)], {}, [])
        player = pane.player
        assert not player.available and player.source() == str(video)
        assert player.note.text() == "playback unavailable: no backend on this machine"
        assert player.note.isVisible() and player.open_button.isVisible()
        assert not player.play_button.isEnabled()
        assert player.position() == 2.0  # the start is kept, and the timestamp copied from it
        assert pane.strip.copy_timestamp() == f"{video} @ 00:00:02.0"
        qtbot.mouseClick(player.open_button, Qt.MouseButton.LeftButton)
        assert opened == [str(video)]
        qtbot.waitUntil(
            lambda: player.picture.pixmap() is not None and not player.picture.pixmap().isNull()
        )
    finally:
        runner.shutdown()


def test_multimedia_chatter_goes_to_the_debug_log(caplog, capfd):
    player_module.route_multimedia_messages()
    with caplog.at_level(logging.DEBUG, logger="mmdesk.gui.player"):
        qWarning("PulseAudioService: pa_context_connect() failed")
    assert any("PulseAudioService" in r.getMessage() for r in caplog.records)
    assert "PulseAudioService" not in capfd.readouterr().err
