"""Switching models keeps the old index until the new one is whole; export via the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mmdesk_testing import build_toy_plugin

from mmdesk.cli import main
from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.search import Filters
from mmdesk.core.tasks import TaskState


@pytest.fixture()
def two_models(settings: Settings, tmp_path: Path) -> Settings:
    """The toy model plus a second one in another space; the toy one is chosen (with two
    installed and no default model, a person has to choose)."""
    build_toy_plugin(settings.user_plugin_dir / "toy2", plugin_id="toy2", space="toy2-colours")
    with Library(settings) as lib:
        lib.use_space("toy-colours")
    return settings


def test_switch_keeps_old_space_until_new_index_is_complete(
    two_models: Settings, tmp_path: Path
) -> None:
    from mmdesk_testing import make_photo

    root = tmp_path / "many"
    for n in range(48):
        make_photo(root / f"{n:02}.png", ["red", "green", "blue"][n % 3], seed=n)
    two_models.batch_size = 8
    with Library(two_models) as lib:
        lib.index([root])
        assert lib.space().id == "toy-colours"
        lib.use_space("toy2-colours")  # nothing indexed for it yet: pending
        assert lib.space().id == "toy-colours" and lib.pending_space().id == "toy2-colours"

        state = TaskState(lambda p: state.cancel() if p.done >= 16 else None)
        assert lib.index(None, state).cancelled
        assert 0 < lib.coverage(lib.pending_space()) < 1
        assert lib.space().id == "toy-colours"  # search still uses the old, complete index
        assert len(lib.search("red", Filters(limit=100))) == 48
        old_vectors = lib.store.counts()["embeddings"]["toy/image"]

        report = lib.index(None)
        assert not report.cancelled and report.indexed == 48 - 16
        assert lib.space().id == "toy2-colours" and lib.pending_space() is None
        assert len(lib.search("red", Filters(limit=100))) == 48
        counts = lib.store.counts()["embeddings"]
        assert counts["toy/image"] == old_vectors == 48 and counts["toy2/image"] == 48
        lib.use_space("toy-colours")  # switching back is instant: the vectors were kept
        assert lib.space().id == "toy-colours" and lib.pending_space() is None


def test_models_use_and_list_from_the_cli(
    two_models: Settings, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", str(photos), "--json"]) == 0
    assert main(["models", "use", "toy2-colours"]) == 0
    capsys.readouterr()
    assert main(["models", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    rows = {r["space"]: r for r in listed["installed"]}
    assert rows["toy2-colours"]["active"] and rows["toy2-colours"]["coverage"] == 1.0
    assert rows["toy-colours"]["vectors"] == 9  # kept, not deleted
    assert any(
        e["arch"] == "ViT-B-32" and e["flickr30k_t2i_r1"] == 66.8 for e in listed["catalogue"]
    )
    assert main(["models", "remove", "toy2-colours", "--yes"]) == 1  # active: refused
    assert main(["models", "use", "toy-colours"]) == 0
    assert main(["models", "remove", "toy2-colours", "--yes"]) == 0
    assert not (two_models.user_plugin_dir / "toy2").exists()


def test_export_openclip_from_the_cli_gives_a_working_plugin(
    settings: Settings, photos: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    open_clip = pytest.importorskip("open_clip")
    assert main(["models", "use", "toy-colours"]) == 0  # chosen before a second one arrives
    capsys.readouterr()
    config = tmp_path / "mmdesk-cli-tiny.json"
    config.write_text(
        json.dumps(
            {
                "embed_dim": 32,
                "vision_cfg": {
                    "image_size": 64,
                    "layers": 1,
                    "width": 64,
                    "head_width": 32,
                    "patch_size": 16,
                },
                "text_cfg": {
                    "context_length": 77,
                    "vocab_size": 49408,
                    "width": 64,
                    "heads": 2,
                    "layers": 1,
                },
            }
        )
    )
    open_clip.add_model_config(config)
    assert (
        main(
            [
                "models",
                "export",
                "openclip",
                "--arch",
                "mmdesk-cli-tiny",
                "--pretrained",
                "none",
                "--json",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert Path(report["out_dir"]).parent == settings.user_plugin_dir
    assert main(["index", str(photos), "--json"]) == 0
    assert main(["models", "use", report["plugin_id"]]) == 0
    capsys.readouterr()
    # Random weights: any query may score like made-up words (the calibrated rule then finds
    # no good match); --min-score 0 shows that the pipeline runs end to end.
    assert main(["search", "a red photo", "--json", "--limit", "9", "--min-score", "0"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert len(results) == 9
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["space"] == report["plugin_id"]
