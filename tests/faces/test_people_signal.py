"""The people signal: photos with faces for queries about people, measured in the default
model's text space (MiniLM), fused with the visual score."""

from __future__ import annotations

import numpy as np
import pytest
from faces_kit import item_of

from mmdesk.config import REPO_ROOT
from mmdesk.core.search.fusion import Signal, Weights, fuse
from mmdesk.core.search.people import people_signal, prompt_vectors

DEFAULT = REPO_ROOT / "plugins" / "default"


@pytest.fixture(scope="module")
def embed():
    """The default model's text encoder (built by scripts/setup.sh; skipped without it)."""
    if not (DEFAULT / "plugin.toml").is_file():
        pytest.skip("the default model is not built (scripts/setup.sh)")
    from mmdesk.plugins.contributions import TEXT_ENCODER
    from mmdesk.plugins.manifest import load_manifest
    from mmdesk.plugins.session import SessionOptions

    spec = next(e for e in load_manifest(DEFAULT).encoders if e.modality == "text")
    encoder = TEXT_ENCODER.builtin(spec, SessionOptions("cpu", 1))  # type: ignore[misc]
    return lambda texts: np.asarray(encoder.encode_texts(texts), np.float32)


def signal_for(library, embed, query: str, visual: Signal | None = None) -> Signal:
    prompts = prompt_vectors("default/text", embed)
    return people_signal(library.store, embed([query])[0], prompts, visual=visual)


def test_a_person_ranks_a_photo_with_a_face_above_one_without(library, embed, face_photos) -> None:
    astronaut, rocket = (item_of(library, face_photos[r]) for r in ("astronaut", "rocket"))
    visual = Signal("visual", {rocket: 0.3, astronaut: 0.2}, {rocket: ["visual"]})
    people = signal_for(library, embed, "a person", visual)
    assert people.matched.get(astronaut) == ["people"] and rocket not in people.scores
    ranked = [item for item, _, _ in fuse([visual, people], Weights())]
    assert ranked.index(astronaut) < ranked.index(rocket)


@pytest.mark.parametrize("query", ["a red car", "a cat", "mountains", "a cup of coffee"])
def test_silent_for_queries_not_about_people(library, embed, query: str) -> None:
    signal = signal_for(library, embed, query)
    assert signal.scores == {} and signal.matched == {}


def test_a_group_wants_several_faces_and_a_portrait_one_large(library, embed, face_photos) -> None:
    group, other = (item_of(library, face_photos[r]) for r in ("group", "other"))
    crowd = signal_for(library, embed, "a group of people").scores
    assert crowd[group] > crowd[other]
    portrait = signal_for(library, embed, "a portrait").scores
    assert portrait[other] > portrait[group]


def test_a_man_with_a_camera_still_needs_the_camera(library, embed, face_photos) -> None:
    camera, astronaut, other = (
        item_of(library, face_photos[r]) for r in ("rocket", "astronaut", "other")
    )
    visual = Signal("visual", {camera: 0.4, astronaut: 0.2, other: 0.38}, {camera: ["visual"]})
    visual.matched[other] = ["visual"]  # the camera, held by someone: matches both
    people = signal_for(library, embed, "a man with a camera", visual)
    assert people.scores  # it is about a man, a little
    ranked = [item for item, _, _ in fuse([visual, people], Weights())]
    assert ranked[:3] == [other, camera, astronaut]
