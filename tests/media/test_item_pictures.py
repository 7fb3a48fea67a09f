"""The picture of an item: a photo, a video's frame at its moment, a video's frame for its
sound, a waveform for an audio file, and a MediaError for what cannot be read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from media_kit import COLOURS, shots, write_audio, write_video
from PIL import Image

from mmdesk.core.media import item_picture
from mmdesk.errors import MediaError


def median_colour(image: Image.Image) -> tuple[int, ...]:
    return tuple(int(v) for v in np.median(np.asarray(image).reshape(-1, 3), axis=0))


def near(image: Image.Image, colour: str) -> bool:
    return sum(abs(a - b) for a, b in zip(median_colour(image), COLOURS[colour])) < 40


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pictures") / "clip.mp4"
    return write_video(path, shots([(2.0, "red"), (2.0, "blue")]), 4.0, audio_freq=330)


def test_a_photo_is_itself_shrunk(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    Image.new("RGB", (1200, 800), COLOURS["green"]).save(path)
    picture = item_picture(str(path), "image", None, max_side=300)
    assert picture.mode == "RGB" and picture.size == (300, 200) and near(picture, "green")


def test_a_frame_item_is_the_frame_at_its_start(clip: Path) -> None:
    assert near(item_picture(str(clip), "video_frame", 0.5), "red")
    blue = item_picture(str(clip), "video_frame", 3.0, max_side=80)
    assert near(blue, "blue") and max(blue.size) == 80


def test_a_video_sound_item_shows_the_video(clip: Path) -> None:
    assert near(item_picture(str(clip), "audio_segment", None), "red")
    assert near(item_picture(str(clip), "audio_segment", 2.5), "blue")


def test_an_audio_file_shows_its_waveform(tmp_path: Path) -> None:
    path = write_audio(tmp_path / "tone.mp3", 2.0)
    picture = item_picture(str(path), "audio_segment", None, max_side=256)
    assert picture.mode == "RGB" and picture.size == (256, 144)
    assert len(set(np.asarray(picture).reshape(-1, 3).view("V3").ravel().tolist())) > 1


def test_unreadable_items_are_media_errors(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_text("nothing to see\n" * 50)
    with pytest.raises(MediaError):
        item_picture(str(junk), "video_frame", 1.0)
    with pytest.raises(MediaError):
        item_picture(str(tmp_path / "junk.mp4"), "audio_segment", None)
    with pytest.raises(MediaError):
        item_picture(str(junk), "image", None)
    with pytest.raises(MediaError, match="kind"):
        item_picture(str(junk), "hologram", None)
