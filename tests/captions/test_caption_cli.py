"""``mmdesk caption --set/--use`` and ``mmdesk captioners``, with captioners of plain plugin code
(no model weights), and the "caption new pictures" setting during indexing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from mmdesk_testing import build_captioner_plugin

from mmdesk.cli import main
from mmdesk.config import Settings
from mmdesk.core.library import Library


@pytest.fixture()
def cap_settings(tmp_path: Path, toy_plugin_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """The toy model, and a plugin of plain code with a label-based and a sentence captioner."""
    from mmdesk import config

    plugins = tmp_path / "plugins"
    shutil.copytree(toy_plugin_dir / "toy", plugins / "toy")
    build_captioner_plugin(plugins / "cap")
    monkeypatch.setenv("MMDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MMDESK_PLUGIN_PATH", str(plugins))
    monkeypatch.setattr(config, "BUNDLED_PLUGINS", tmp_path / "no-bundled-plugins")
    return config.Settings(threads=1)


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_captioners_lists_them_and_use_chooses_one(
    cap_settings: Settings, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _json(capsys, "captioners")
    assert [(r["id"], r["label_based"], r["active"]) for r in rows] == [
        ("cap/guess", True, False),
        ("cap/words", False, False),
    ]
    assert main(["caption", "--use", "cap/words"]) == 0
    assert [r["id"] for r in _json(capsys, "captioners") if r["active"]] == ["cap/words"]
    assert main(["captioners"]) == 0
    assert "* cap/words  (en, active)" in capsys.readouterr().out
    assert main(["index", str(photos)]) == 0  # new pictures get the chosen one's caption
    rows = _json(capsys, "caption", "--all")
    assert len(rows) == 9 and {r["producer"] for r in rows} == {"cap/words"}
    assert main(["caption", "--use", "nobody/none"]) == 1
    assert "not installed" in capsys.readouterr().err
    assert main(["caption", "--use", "default"]) == 0
    with Library(cap_settings) as lib:
        assert lib.chosen_captioner() is None and lib.active_captioner() is None


def test_set_stores_a_persons_caption_that_recaptioning_keeps(
    cap_settings: Settings, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["caption", "--use", "cap/guess"]) == 0
    assert main(["index", str(photos)]) == 0
    red = sorted(photos.rglob("red-*.png"))
    [row] = _json(capsys, "caption", "--set", "  grandma's red door ", str(red[0]))
    assert (row["caption"], row["producer"]) == ("grandma's red door", "user")
    assert main(["caption", "--use", "cap/words"]) == 0
    rows = {Path(r["path"]).name: r for r in _json(capsys, "caption", "--all", "--redo")}
    assert rows[red[0].name]["caption"] == "grandma's red door"
    assert rows[red[1].name]["producer"] == "cap/words"  # the others were captioned again
    assert main(["caption", "--set", "two files", str(red[0]), str(red[1])]) == 1
    assert "exactly one PATH" in capsys.readouterr().err
    assert main(["caption", "--set", "   ", str(red[0])]) == 1
    assert main(["caption", "--set", "x", str(photos / "not-there.png")]) == 1
    assert "not in the library" in capsys.readouterr().err
    assert main(["caption"]) == 1


def test_caption_new_pictures_off_leaves_indexing_without_captions(
    cap_settings: Settings, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Library(cap_settings) as lib:
        lib.set_captioner("cap/guess")
        lib.set_caption_new_enabled(False)
        lib.index([photos])
        assert not lib.caption_new_enabled() and lib.captions_for(None) == {}
        lib.set_caption_new_enabled(True)
    rows = _json(capsys, "caption", "--all")  # asked for, it still captions
    assert len(rows) == 9


def test_texts_for_marks_label_based_captions(cap_settings: Settings, photos: Path) -> None:
    with Library(cap_settings) as lib:
        lib.set_captioner("cap/guess")
        lib.index([photos])
        item = next(iter(lib.captions_for(None)))
        lib.caption([item], redo=False)
        lib.set_captioner("cap/words")
        lib.caption([item])
        marks = {t["producer"]: t["label_based"] for t in lib.texts_for(item)}
        assert marks == {"cap/guess": True, "cap/words": False}
