"""The sidebar's tag manager: a tree of nested tags with counts and colours, its context menu
(rename, merge, colour, delete), and items dropped on a tag."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import index_folder, labels, open_window, wait_for
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QColorDialog, QInputDialog, QMenu

from mmdesk.gui.sidebar_tags import ITEMS_MIME
from mmdesk.gui.tag_manager import TagManager

pytestmark = pytest.mark.gui


def _ids(window, colour: str) -> list[int]:
    paths = sorted((Path(window.settings.data_dir).parent / "photos" / colour).glob("*.png"))
    return [window.library.item_for_path(p) for p in paths]


def _tree(section) -> list[str]:
    """Every entry's text, children indented under their parent."""
    out: list[str] = []

    def walk(item, depth: int) -> None:
        for i in range(item.childCount()):
            child = item.child(i)
            out.append("  " * depth + child.text(0))
            walk(child, depth + 1)

    walk(section, 0)
    return out


def _action(menu: QMenu, text: str):
    found = next((a for a in menu.actions() if a.text() == text), None)
    assert found is not None, [a.text() for a in menu.actions()]
    return found


def _drop(bar, item, mime: QMimeData) -> bool:
    """Drag ``mime`` over the sidebar and drop it on ``item``, as Qt delivers a real drag
    (a drop goes only to the widget that accepted the drag's entry); whether it was taken."""
    at = QPointF(bar.visualItemRect(item).center())
    args = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(bar.viewport(), QDragEnterEvent(at.toPoint(), *args))
    drop = QDropEvent(at, *args)
    QApplication.sendEvent(bar.viewport(), drop)
    return drop.isAccepted()


@pytest.fixture()
def window(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    return window


def test_nested_tags_show_as_a_tree_and_rename_from_the_menu(qtbot, window, monkeypatch):
    red, blue = _ids(window, "red"), _ids(window, "blue")
    window.label_items(red, "Places/Paris")
    window.label_items(blue, "Places")
    wait_for(qtbot, lambda: _tree(window.sidebar.tags) == ["Places  (6)", "  Paris  (3)"])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Trips", True))
    _action(window.sidebar.tag_menu("Places"), "Rename…").trigger()
    wait_for(qtbot, lambda: _tree(window.sidebar.tags) == ["Trips  (6)", "  Paris  (3)"])
    assert window.undo.undo_action.text() == "Undo rename tag “Places” to “Trips”"
    # the child filters by its full name
    child = window.sidebar.tags.child(0).child(0)
    with qtbot.waitSignal(window.results_shown, timeout=10_000, check_params_cb=lambda n: n == 3):
        child.setSelected(True)
    assert {r.item_id for r in window.model.results()} == set(red)
    window.undo.stack.undo()
    wait_for(qtbot, lambda: _tree(window.sidebar.tags) == ["Places  (6)", "  Paris  (3)"])


def test_merge_colour_and_delete_from_the_menu(qtbot, window, monkeypatch):
    red, blue = _ids(window, "red"), _ids(window, "blue")
    window.label_items(red, "puppy")
    window.label_items(blue, "dog/small")
    wait_for(qtbot, lambda: len(_tree(window.sidebar.tags)) == 3)
    merge = _action(window.sidebar.tag_menu("puppy"), "Merge into").menu()
    assert [a.text() for a in merge.actions()] == ["dog", "dog/small"]
    _action(merge, "dog").trigger()
    wait_for(qtbot, lambda: _tree(window.sidebar.tags) == ["dog  (6)", "  small  (3)"])
    monkeypatch.setattr(QColorDialog, "getColor", lambda *a, **k: QColor("#ff0000"))
    _action(window.sidebar.tag_menu("dog"), "Change colour…").trigger()
    wait_for(qtbot, lambda: window.sidebar.tag_color("dog") == "#ff0000")
    assert window.library.tag_colors() == {"dog": "#ff0000"}
    _action(window.sidebar.tag_menu("dog"), "No colour").trigger()
    wait_for(qtbot, lambda: window.sidebar.tag_color("dog") is None)
    asked: list[tuple[str, list[str]]] = []

    def keep_children(self, name, children):
        asked.append((name, children))
        return False

    monkeypatch.setattr(TagManager, "ask_delete", keep_children)
    _action(window.sidebar.tag_menu("dog"), "Delete…").trigger()
    wait_for(qtbot, lambda: labels(window.sidebar.tags) == ["small  (3)"])
    assert asked == [("dog", ["dog/small"])]
    window.undo.stack.undo()
    wait_for(qtbot, lambda: _tree(window.sidebar.tags) == ["dog  (6)", "  small  (3)"])
    monkeypatch.setattr(TagManager, "ask_delete", lambda self, name, children: None)
    _action(window.sidebar.tag_menu("dog"), "Delete…").trigger()  # cancelled: nothing goes
    window.undo.stack.redo()
    wait_for(qtbot, lambda: labels(window.sidebar.tags) == ["small  (3)"])


def test_items_dropped_on_a_tag_are_tagged(qtbot, window):
    red, blue = _ids(window, "red"), _ids(window, "blue")
    window.label_items(red, "sky")
    wait_for(qtbot, lambda: labels(window.sidebar.tags) == ["sky  (3)"])
    bar = window.sidebar
    mime = QMimeData()
    mime.setData(ITEMS_MIME, json.dumps(blue[:2]).encode("utf-8"))
    with qtbot.waitSignal(bar.items_dropped_on_tag, timeout=5_000) as dropped:
        assert _drop(bar, bar.tags.child(0), mime)
    assert dropped.args == [blue[:2], "sky"]
    wait_for(qtbot, lambda: labels(window.sidebar.tags) == ["sky  (5)"])
    assert window.undo.undo_action.text() == "Undo tag “sky” on 2 items"
    assert not _drop(bar, bar.kinds, mime)  # not on a tag: refused
    other = QMimeData()
    other.setData(ITEMS_MIME, b"not json")
    assert not _drop(bar, bar.tags.child(0), other)
    window.undo.stack.undo()
    wait_for(qtbot, lambda: labels(window.sidebar.tags) == ["sky  (3)"])
    assert {r.item_id for r in window.library.browse()} >= set(red)


@pytest.mark.parametrize(
    ("children", "button", "answer"),
    [
        (["Places/Paris"], "Keep the tags under it", False),
        (["Places/Paris"], "Delete all", True),
        (["Places/Paris"], "Cancel", None),
        ([], "Delete", True),
    ],
)
def test_deleting_asks_about_the_children(qtbot, settings, children, button, answer):
    window = open_window(qtbot, settings)

    def click() -> None:
        box = QApplication.activeModalWidget()
        assert box is not None
        found = [b for b in box.buttons() if b.text().replace("&", "") == button]
        assert found, [b.text() for b in box.buttons()]
        found[0].click()

    QTimer.singleShot(0, click)
    assert window.tag_manager.ask_delete("Places", children) is answer
