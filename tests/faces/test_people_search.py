"""People through the real search: with the offline default model and the bundled faces
plugin, queries about people put the photos with faces first, through the fused people
signal; a query about something else is not changed by faces."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mmdesk.config import REPO_ROOT
from mmdesk.core.library import Library
from mmdesk.core.search import Filters


@pytest.fixture(scope="module")
def people_library(
    tmp_path_factory: pytest.TempPathFactory,
    default_plugin_root: Path,
    face_photos: dict[str, Path],
):
    from mmdesk import config

    plugins = tmp_path_factory.mktemp("people-plugins")
    shutil.copytree(default_plugin_root / "default", plugins / "default")
    shutil.copytree(REPO_ROOT / "plugins" / "faces", plugins / "faces")
    data = tmp_path_factory.mktemp("people-data")
    mp = pytest.MonkeyPatch()
    mp.setenv("MMDESK_DATA_DIR", str(data))
    mp.setenv("MMDESK_PLUGIN_PATH", str(plugins))
    mp.setattr(config, "BUNDLED_PLUGINS", data / "no-bundled-plugins")
    with Library(config.Settings(threads=2)) as lib:
        lib.store.set_setting("ocr", "off")
        report = lib.index([face_photos["astronaut"].parent])
        assert report.errors == 0
        yield lib
    mp.undo()


@pytest.mark.parametrize("query", ["a person", "people", "a portrait"])
def test_people_queries_put_photos_with_faces_first(
    people_library: Library, face_photos: dict[str, Path], query: str
) -> None:
    results = people_library.search(query, Filters(limit=20), min_score=0)
    with_faces = {r.item_id for r in results if people_library.store.faces_for(r.item_id)}
    assert with_faces, "no photo with a face was found"
    first = results[0]
    assert first.item_id in with_faces and "people" in first.matched, [
        (Path(r.path).name, round(r.score, 3), r.matched) for r in results
    ]
    rocket = next(r for r in results if Path(r.path).name == face_photos["rocket"].name)
    assert all(r.score > rocket.score for r in results if r.item_id in with_faces)


def test_a_query_about_something_else_is_not_lifted_by_faces(people_library: Library) -> None:
    results = people_library.search("a rocket", Filters(limit=5))
    assert Path(results[0].path).name.startswith("rocket")
    assert all("people" not in r.matched for r in results)
