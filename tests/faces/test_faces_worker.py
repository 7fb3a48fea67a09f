"""The face analyser's helper process: same faces as dlib in this process, and a helper that
dies is reported, then replaced."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmdesk.config import REPO_ROOT
from mmdesk.errors import PluginError
from mmdesk.plugins.contributions import FACE_ANALYSER
from mmdesk.plugins.manifest import load_manifest
from mmdesk.plugins.runtimes.dlib_faces import DlibFaceAnalyser
from mmdesk.plugins.session import SessionOptions


def analyser(isolated: bool) -> DlibFaceAnalyser:
    spec = load_manifest(REPO_ROOT / "plugins" / "faces").face_analysers[0]
    spec = replace(spec, options={**spec.options, "isolated": isolated})
    built = FACE_ANALYSER.builtin(spec, SessionOptions("cpu", 1))  # type: ignore[misc]
    assert isinstance(built, DlibFaceAnalyser)
    return built


def test_the_helper_process_finds_what_dlib_here_finds(face_photos: dict[str, Path]) -> None:
    pictures = [Image.open(face_photos[r]) for r in ("astronaut", "group", "cat")]
    helper, here = analyser(isolated=True), analyser(isolated=False)
    away, local = helper.analyse(pictures), here.analyse(pictures)
    assert helper.provider == "CPU (dlib, helper process)" and here.provider == "CPU (dlib)"
    assert [len(f) for f in away] == [len(f) for f in local] == [1, 3, 0]
    for mine, theirs in zip(away, local, strict=True):
        for a, b in zip(mine, theirs, strict=True):
            assert a.box == b.box and a.score == b.score and a.landmarks == b.landmarks
            assert a.embedding is not None and b.embedding is not None
            assert np.array_equal(a.embedding, b.embedding)


def test_a_helper_that_died_is_reported_then_replaced(face_photos: dict[str, Path]) -> None:
    helper = analyser(isolated=True)
    photo = Image.open(face_photos["astronaut"])
    assert len(helper.analyse([photo])[0]) == 1
    worker = helper._worker
    assert worker is not None
    worker.process.kill()
    worker.process.wait()
    with pytest.raises(PluginError, match="helper process for face analysis stopped"):
        helper.analyse([photo])
    assert len(helper.analyse([photo])[0]) == 1  # a new helper
    assert helper._worker is not None and helper._worker is not worker
