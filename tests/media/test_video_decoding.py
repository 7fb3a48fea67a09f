"""Video decoding: which frames are kept (shots, gaps, duplicates, cap), rotation, times,
formats, and every kind of bad input ending in frames or a MediaError, never a hang."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import av
import numpy as np
import pytest
from media_kit import COLOURS, VIDEO_CODECS, cut_times, shots, solid, write_audio, write_video

from mmdesk.core.media import DECODERS, Sampling, VideoDecoder, frame_at
from mmdesk.core.media.video import ShotPicker
from mmdesk.errors import MediaError

PLAN = [(2.0, "red"), (3.0, "green"), (1.0, "blue"), (1.5, "yellow"), (25.0, "white"), (2, "black")]


def decode(path: Path, sampling: Sampling | None = None) -> tuple[dict, list]:
    stream = VideoDecoder(sampling).open(str(path))
    return stream.meta, list(stream.segments)


def colour_of(image) -> str:
    """The name of the colour nearest to the picture's median colour."""
    median = np.median(np.asarray(image.convert("RGB")).reshape(-1, 3), axis=0)
    return min(COLOURS, key=lambda c: float(np.abs(np.array(COLOURS[c]) - median).sum()))


@pytest.fixture(scope="module")
def shot_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("video") / "shots.mp4"
    return write_video(path, shots(PLAN), sum(s for s, _ in PLAN), fps=10, audio_freq=440)


def test_kept_frames_fall_in_their_shots_and_cover_every_shot(shot_video: Path) -> None:
    meta, segments = decode(shot_video)
    frames = [s for s in segments if s.kind == "video_frame"]
    starts = cut_times(PLAN)
    ends = starts[1:] + [sum(s for s, _ in PLAN)]
    shot_of = [next(i for i, e in enumerate(ends) if f.start < e) for f in frames]
    for frame, shot in zip(frames, shot_of, strict=True):
        assert colour_of(frame.image) == PLAN[shot][1]
    firsts = [frames[shot_of.index(shot)].start for shot in range(len(PLAN))]
    assert np.array(firsts) - np.array(starts) == pytest.approx(0, abs=0.35)  # caught at once
    assert sorted(set(shot_of)) == list(range(len(PLAN)))
    assert frames[0].start == 0.0
    assert meta["frames_kept"] == len(frames)


def test_each_frame_lasts_until_the_next_and_the_sound_comes_last(shot_video: Path) -> None:
    meta, segments = decode(shot_video)
    frames = [s for s in segments if s.kind == "video_frame"]
    assert [f.end for f in frames[:-1]] == [f.start for f in frames[1:]]
    assert frames[-1].end == pytest.approx(meta["duration"], abs=0.05)
    assert [s.kind for s in segments[len(frames) :]] == ["audio_segment"]
    sound = segments[-1]
    assert sound.start is None and sound.sample_rate == 48000
    assert sound.audio is not None and sound.audio.size == pytest.approx(30 * 48000, rel=0.01)


def test_a_long_static_shot_gives_a_frame_every_max_gap(shot_video: Path) -> None:
    _, segments = decode(shot_video)
    white = [s.start for s in segments if s.kind == "video_frame" and 7.5 <= s.start < 32.5]
    assert len(white) == 3  # 7.5, 17.5, 27.5
    assert np.diff(white) == pytest.approx([10.0, 10.0], abs=0.25)


def test_meta_describes_the_video(shot_video: Path) -> None:
    meta, _ = decode(shot_video)
    assert meta["width"] == 160 and meta["height"] == 120 and meta["rotation"] == 0
    assert meta["duration"] == pytest.approx(34.5, abs=0.1)
    assert meta["fps"] == pytest.approx(10.0)
    assert (meta["video_codec"], meta["audio_codec"], meta["has_audio"]) == ("h264", "aac", True)
    assert "truncated" not in meta


def test_near_duplicates_of_the_kept_frame_are_not_kept_again(tmp_path: Path) -> None:
    red = solid("red")
    redder = np.clip(red.astype(int) + 4, 0, 255).astype(np.uint8)  # a "cut" to the same view
    path = write_video(tmp_path / "dup.mp4", lambda t: red if t < 3 or t >= 5 else redder, 8.0)
    _, segments = decode(path)
    assert [s.start for s in segments] == [0.0]


def test_the_cap_spreads_frames_over_the_whole_video(tmp_path: Path) -> None:
    plan = [(1.0, c) for c in ["red", "green", "blue", "yellow", "white", "black"] * 4]
    path = write_video(tmp_path / "busy.webm", shots(plan), 24.0)
    sampling = Sampling(max_frames=6, min_gap_s=0.5)
    meta, segments = decode(path, sampling)
    assert len(segments) == meta["frames_kept"] <= 6
    assert segments[-1].start > 12.0  # the end is not starved by a busy beginning
    assert "truncated" not in meta


def test_the_picker_alone_keeps_first_changes_and_gaps() -> None:
    picker = ShotPicker(Sampling(max_gap_s=4.0, min_gap_s=0.5), duration=12.0)
    red, blue = solid("red", (64, 36)), solid("blue", (64, 36))
    offers = [(0.0, red), (0.2, blue), (0.6, blue), (1.0, blue), (4.7, blue), (4.9, red)]
    kept = [t for t, p in offers if picker.offer(t, p)]
    assert kept == [0.0, 0.6, 4.7]  # 0.2 is within min_gap, 4.9 too close to 4.7


def test_sensitivity_decides_what_counts_as_change(tmp_path: Path) -> None:
    grey = solid("grey")
    lighter = np.clip(grey.astype(int) + 30, 0, 255).astype(np.uint8)
    path = write_video(tmp_path / "subtle.mp4", lambda t: grey if t < 2 else lighter, 4.0)
    assert len(decode(path, Sampling(sensitivity=1.0))[1]) == 2
    assert len(decode(path, Sampling(sensitivity=0.0))[1]) == 1


def test_rotation_from_the_display_matrix_is_applied(tmp_path: Path) -> None:
    def picture(t: float) -> np.ndarray:
        frame = solid("black")
        frame[:, :40] = 255  # a white band along the stored frame's left edge
        return frame

    path = write_video(tmp_path / "phone.mp4", picture, 2.0, rotation=90)
    meta, segments = decode(path)
    assert (meta["rotation"], meta["width"], meta["height"]) == (90, 120, 160)
    for image in (segments[0].image, frame_at(str(path), 1.0)):
        assert image.size == (120, 160)
        pixels = np.asarray(image)
        assert pixels[-20:].mean() > 200 and pixels[:100].mean() < 40  # band now at the bottom


def test_frame_at_shows_the_frame_of_that_moment(shot_video: Path) -> None:
    for seconds, colour in [(0.0, "red"), (1.95, "red"), (2.05, "green"), (5.5, "blue")]:
        image = frame_at(str(shot_video), seconds)
        assert colour_of(image) == colour, seconds
    assert max(frame_at(str(shot_video), 20.0, max_side=64).size) == 64


def test_variable_frame_rate_uses_timestamps(tmp_path: Path) -> None:
    times = [0.0, 0.05, 0.4, 0.45, 1.3, 2.2, 2.25, 2.9, 3.7, 3.75, 5.0, 5.9]
    picture = shots([(2.3, "red"), (4.0, "blue")])
    path = write_video(tmp_path / "vfr.mkv", picture, 6.0, times=times, fps=25)
    _, segments = decode(path)
    assert [round(s.start, 2) for s in segments] == [0.0, 2.9]  # blue's first frame, by pts


@pytest.mark.parametrize("ext", sorted(VIDEO_CODECS))
def test_every_container_decodes(tmp_path: Path, ext: str) -> None:
    path = write_video(tmp_path / f"v{ext}", shots([(1.5, "red"), (1.5, "blue")]), 3.0)
    meta, segments = decode(path)
    assert [colour_of(s.image) for s in segments] == ["red", "blue"]
    assert meta["video_codec"] and meta["has_audio"] is False


@pytest.mark.parametrize("codec", ["libvpx", "libsvtav1", "hevc", "mpeg4", "mjpeg", "h263"])
def test_every_video_codec_this_ffmpeg_encodes(tmp_path: Path, codec: str) -> None:
    try:
        av.codec.Codec(codec, "w")
    except Exception:
        pytest.skip(f"this FFmpeg build has no {codec} encoder")
    size = (176, 144) if codec == "h263" else (160, 120)
    picture = shots([(1.5, "green"), (1.5, "yellow")], size)
    path = tmp_path / ("v.3gp" if codec == "h263" else "v.mkv")
    write_video(path, picture, 3.0, codec=codec, size=size)
    assert [colour_of(s.image) for s in decode(path)[1]] == ["green", "yellow"]


def test_video_without_sound_has_no_audio_segment(tmp_path: Path) -> None:
    meta, segments = decode(write_video(tmp_path / "mute.mp4", shots([(2, "red")]), 2.0))
    assert meta["has_audio"] is False and meta["audio_codec"] is None
    assert {s.kind for s in segments} == {"video_frame"}


@pytest.mark.parametrize("source", ["sound.m4a", "sound.mp3"])
def test_audio_only_video_gives_only_the_sound(tmp_path: Path, source: str) -> None:
    path = tmp_path / "clip.mp4"  # an m4a is an audio-only mp4; an mp3 is misnamed
    shutil.copy(write_audio(tmp_path / source, 2.0), path)
    meta, segments = decode(path)
    assert meta["has_audio"] is True and meta["frames_kept"] == 0 and meta["width"] is None
    assert [s.kind for s in segments] == ["audio_segment"]
    assert DECODERS["video"].estimate_segments(str(path), path.stat().st_size) >= 1


def test_a_png_named_mp4_is_one_still_frame(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "still.mp4"
    Image.fromarray(solid("blue")).save(path, format="PNG")
    meta, segments = decode(path)
    assert [colour_of(s.image) for s in segments] == ["blue"]


def test_files_that_are_not_video_are_media_errors(tmp_path: Path) -> None:
    empty, text = tmp_path / "empty.mp4", tmp_path / "notes.mp4"
    empty.write_bytes(b"")
    text.write_text("this is not a video\n" * 100)
    with pytest.raises(MediaError, match="empty"):
        VideoDecoder().open(str(empty))
    with pytest.raises(MediaError, match="not a media file"):
        VideoDecoder().open(str(text))
    assert VideoDecoder().estimate_segments(str(text), 2000) == 1
    with pytest.raises(FileNotFoundError):
        VideoDecoder().open(str(tmp_path / "missing.mp4"))


def test_a_truncated_stream_keeps_what_came_and_says_so(tmp_path: Path) -> None:
    plan = [(2.0, "red"), (2.0, "green"), (4.0, "blue")]
    full = write_video(tmp_path / "full.mkv", shots(plan), 8.0)
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size * 60 // 100])
    meta, segments = decode(cut)
    assert [colour_of(s.image) for s in segments][:2] == ["red", "green"]
    assert meta["truncated"].startswith("truncated after")
    assert segments[-1].end < 8.0


def test_a_truncated_mp4_without_its_index_is_a_media_error(tmp_path: Path) -> None:
    full = write_video(tmp_path / "full.mp4", shots([(3.0, "red")]), 3.0)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])  # the moov atom is at the end
    with pytest.raises(MediaError, match="not a media file"):
        VideoDecoder().open(str(cut))


@pytest.mark.parametrize("ext", [".mpg", ".mkv", ".avi"])
def test_corrupt_packets_mid_stream_do_not_stop_decoding(tmp_path: Path, ext: str) -> None:
    plan = [(2.0, "red"), (2.0, "green"), (2.0, "blue"), (2.0, "yellow")]
    path = write_video(tmp_path / f"v{ext}", shots(plan), 8.0)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 3000] = np.random.default_rng(1).bytes(3000)
    path.write_bytes(bytes(data))
    meta, segments = decode(path)
    colours = [colour_of(s.image) for s in segments]
    assert colours[0] == "red" and "yellow" in colours  # frames before and after the damage


def test_a_stream_that_starts_mid_gop_still_decodes(tmp_path: Path) -> None:
    plan = [(3.0, "red"), (3.0, "blue")]
    full = write_video(tmp_path / "full.mpg", shots(plan), 6.0)
    odd = tmp_path / "odd.mpg"
    odd.write_bytes(full.read_bytes()[full.stat().st_size // 3 :])  # no leading keyframe
    meta, segments = decode(odd)
    assert segments and colour_of(segments[-1].image) == "blue"


def test_a_raw_stream_without_timestamps_gets_times(tmp_path: Path) -> None:
    path = tmp_path / "raw.mp4"
    with av.open(str(path), "w", format="h264") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        picture = shots([(1.5, "red"), (1.5, "green")])
        for i in range(30):
            frame = av.VideoFrame.from_ndarray(picture(i / 10), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    _, segments = decode(path)
    assert [colour_of(s.image) for s in segments] == ["red", "green"]
    assert 0 == segments[0].start < segments[1].start  # raw h264 is read as 25 fps


def test_a_huge_frame_is_shrunk_as_it_is_decoded(tmp_path: Path) -> None:
    big = np.zeros((4000, 6000, 3), np.uint8)
    big[:, :3000] = COLOURS["red"]
    path = tmp_path / "huge.avi"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mjpeg", rate=1)
        stream.width, stream.height, stream.pix_fmt = 6000, 4000, "yuvj420p"
        container.mux(stream.encode(av.VideoFrame.from_ndarray(big, format="rgb24")))
        container.mux(stream.encode(None))
    meta, segments = decode(path)
    assert (meta["width"], meta["height"]) == (6000, 4000)
    assert [s.image.size for s in segments] == [(640, 427)]


def test_the_time_budget_stops_a_long_decode_with_what_it_had(tmp_path: Path) -> None:
    plan = [(1.0, c) for c in ["red", "green", "blue", "yellow"] * 5]
    path = write_video(tmp_path / "long.mp4", shots(plan), 20.0, fps=25)
    began = time.monotonic()
    meta, segments = decode(path, Sampling(budget_s=0.0))
    assert time.monotonic() - began < 2.0
    assert meta["truncated"].startswith("time budget")
    assert 1 <= len(segments) < 20


def test_keyframes_only_mode_for_long_videos(tmp_path: Path) -> None:
    plan = [(2.0, "red"), (2.0, "green"), (2.0, "blue")]
    path = write_video(tmp_path / "gop.mp4", shots(plan), 6.0, fps=10)  # keyframe every 2 s
    meta, segments = decode(path, Sampling(keyframes_after_s=0.0))
    assert [colour_of(s.image) for s in segments] == ["red", "green", "blue"]
    assert "truncated" not in meta


def test_estimate_counts_frames_and_sound(shot_video: Path, tmp_path: Path) -> None:
    decoder = VideoDecoder()
    estimate = decoder.estimate_segments(str(shot_video), shot_video.stat().st_size)
    kept = decode(shot_video)[0]["frames_kept"]
    assert kept + 10 <= estimate <= 2 * kept + 10  # frames, plus 10 for a 30-s excerpt
    mute = write_video(tmp_path / "mute.mp4", shots([(4.0, "red")]), 4.0)
    assert decoder.estimate_segments(str(mute), mute.stat().st_size) <= 3
