"""The built-in analyser on real photos, the manifest table, and the faces job."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from faces_kit import item_of
from PIL import Image

from mmdesk.config import REPO_ROOT
from mmdesk.errors import PluginError
from mmdesk.plugins.contributions import FACE_ANALYSER
from mmdesk.plugins.manifest import load_manifest, parse_manifest
from mmdesk.plugins.runtimes.dlib_faces import DlibFaceAnalyser
from mmdesk.plugins.session import SessionOptions


def analyser(**options: object) -> DlibFaceAnalyser:
    spec = load_manifest(REPO_ROOT / "plugins" / "faces").face_analysers[0]
    if options:
        from dataclasses import replace

        spec = replace(spec, options={**spec.options, **options})
    built = FACE_ANALYSER.builtin(spec, SessionOptions("cpu", 1))  # type: ignore[misc]
    assert isinstance(built, DlibFaceAnalyser)
    return built


def test_finds_the_face_in_a_face_photo_and_none_in_others(face_photos: dict[str, Path]) -> None:
    pictures = [Image.open(face_photos[r]) for r in ("astronaut", "rocket", "cat")]
    astronaut, rocket, cat = analyser().analyse(pictures)
    assert len(astronaut) == 1 and rocket == [] and cat == []
    x, y, w, h = astronaut[0].box
    assert 150 < x < 200 and 50 < y < 100 and 70 < w < 120  # her face, in the photo's pixels
    assert astronaut[0].embedding is not None and astronaut[0].embedding.shape == (128,)
    assert len(astronaut[0].landmarks) == 5


def test_boxes_stay_in_the_pictures_pixels_when_scaled_down(face_photos: dict[str, Path]) -> None:
    photo = Image.open(face_photos["astronaut"])
    small, big = analyser().analyse([photo, photo.resize((2048, 2048))])
    assert len(small) == len(big) == 1
    assert np.allclose(np.array(big[0].box) / 4, small[0].box, atol=8)


def test_a_tampered_model_is_refused(face_photos: dict[str, Path]) -> None:
    bad = analyser(sha256={"shape_predictor_5_face_landmarks.dat": "0" * 64})
    with pytest.raises(PluginError, match="sha256"):
        bad.analyse([Image.open(face_photos["cat"])])


def test_the_manifest_table_is_checked_key_by_key(tmp_path: Path) -> None:
    base = {"id": "f", "name": "F", "version": "1", "api": 2}
    manifest = parse_manifest({**base, "face_analysers": [{"id": "f/a", "dim": 64}]}, tmp_path)
    assert manifest.face_analysers[0].dim == 64 and manifest.face_analysers[0].match_distance == 0.6
    with pytest.raises(PluginError, match="dimm"):
        parse_manifest({**base, "face_analysers": [{"id": "f/a", "dimm": 64}]}, tmp_path)
    with pytest.raises(PluginError, match="positive"):
        parse_manifest({**base, "face_analysers": [{"id": "f/a", "dim": 0}]}, tmp_path)


def test_indexing_stores_faces_per_item(library, face_photos: dict[str, Path]) -> None:
    counts = {
        role: len(library.store.faces_for(item_of(library, p))) for role, p in face_photos.items()
    }
    assert counts == {
        "astronaut": 1,
        "astronaut_again": 1,
        "other": 1,
        "group": 3,
        "rocket": 0,
        "cat": 0,
    }
    (face,) = library.store.faces_for(item_of(library, face_photos["astronaut"]))
    assert face["area"] == pytest.approx(face["box"][2] * face["box"][3] / 512**2, rel=0.01)


def test_the_job_is_incremental_and_redo_looks_again(library) -> None:
    from mmdesk.core.faces.job import FacesJob

    again = FacesJob()
    library.run(again)
    assert again.looked == 0  # every picture was looked at during indexing, faces or not
    redo = FacesJob(redo=True)
    library.run(redo)
    assert redo.looked == 6 and redo.found == 6
    assert library.store.face_count() == 6  # replaced, not added
