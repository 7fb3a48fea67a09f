"""Decoding in background processes (the desktop app's index runs of many files): the same
vectors, thumbnails and errors as decode threads, and a decode process that dies costs the
run nothing (the rest is decoded in threads)."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import numpy as np
import pytest
from mmdesk_testing import TOY_DIM, make_photo

from mmdesk.config import Settings
from mmdesk.core.indexing import pipeline
from mmdesk.core.indexing.processes import stand_ins
from mmdesk.core.library import Library
from mmdesk.core.media import DECODERS
from mmdesk.core.thumbnails import thumb_path, thumbs_dir


def _library_files(root: Path) -> Path:
    for n, colour in enumerate(["red", "green", "blue"] * 2):
        make_photo(root / f"{colour}-{n}.jpg", colour, size=(120, 90), seed=n)
    (root / "broken.jpg").write_bytes(b"\xff\xd8 not really a picture")
    return root


def _index(settings: Settings, root: Path, processes: bool) -> dict[str, np.ndarray]:
    with Library(settings) as library:
        library.registry.options.decode_processes = processes
        report = library.index([root])
        assert (report.indexed, report.errors) == (6, 1)
        ids, vectors = library.store.load_embeddings(["toy/image"], TOY_DIM)
        paths = {r.item_id: Path(r.path).name for r in library.browse_page(None, 0, 100)}
    return {paths[int(i)]: v for i, v in zip(ids, vectors, strict=True)}


def _pools(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    started: list[object] = []
    real = pipeline.start_pool

    def counted(workers: int):
        pool = real(workers)
        started.append(pool)
        return pool

    monkeypatch.setattr(pipeline, "start_pool", counted)
    monkeypatch.setattr(pipeline, "MIN_FILES", 2)
    return started


def test_processes_decode_what_threads_decode(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _library_files(tmp_path / "pics")
    in_threads = _index(settings, root, processes=False)
    started = _pools(monkeypatch)
    other = Settings(data_dir=tmp_path / "other-data", threads=1)
    other.extra_plugin_dirs = settings.extra_plugin_dirs
    other.bundled_plugins = settings.bundled_plugins
    in_processes = _index(other, root, processes=True)
    assert len(started) == 1 and started[0] is not None  # a pool did the decoding
    assert in_processes.keys() == in_threads.keys() and len(in_threads) == 6
    for name, vector in in_threads.items():
        np.testing.assert_array_equal(in_processes[name], vector)
    cache = thumbs_dir(other.cache_dir)
    for photo in root.glob("*-*.jpg"):  # the processes saved the grid thumbnails too
        st = photo.stat()
        assert thumb_path(cache, str(photo), st.st_mtime_ns, st.st_size, 256).is_file()


class DiesInAProcess:
    """The image decoder, except that in a decode process it kills that process."""

    file_kind = "image"

    def estimate_segments(self, path: str, size: int) -> int:
        return 1

    def open(self, path: str):
        if multiprocessing.parent_process() is not None:
            os._exit(3)
        return DECODERS["image"].open(path)


@pytest.mark.allow_log("a decode process stopped")
def test_a_decode_process_that_dies_leaves_the_run_to_threads(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _library_files(tmp_path / "pics")
    started = _pools(monkeypatch)
    real_decoders = pipeline.Pipeline._decoder
    monkeypatch.setattr(pipeline.Pipeline, "_decoder", lambda self, kind: DiesInAProcess())
    vectors = _index(settings, root, processes=True)
    assert len(started) == 1 and started[0] is not None
    assert len(vectors) == 6  # every photo indexed all the same, in threads
    monkeypatch.setattr(pipeline.Pipeline, "_decoder", real_decoders)


def test_an_encoder_without_portable_preprocessing_keeps_threads(settings: Settings) -> None:
    class Plain:
        class spec:  # noqa: N801
            id, modality = "plain/image", "image"

    with Library(settings) as library:
        toy = library.registry.encoder("toy/image")
        assert stand_ins([toy]) is not None
        assert stand_ins([toy, Plain()]) is None
