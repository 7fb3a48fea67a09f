"""The sidebar's People section: people with face thumbnails and counts, click for their
photos, name from the context menu (pytest-qt, offscreen)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings  # noqa: E402

from mmdesk.config import Settings  # noqa: E402


def open_window(qtbot, settings: Settings):
    from mmdesk.gui.window import MainWindow

    qsettings = QSettings(str(settings.data_dir / "gui-test.ini"), QSettings.Format.IniFormat)
    qsettings.setValue("watch/enabled", False)  # no watcher's index runs under the test
    window = MainWindow(settings, qsettings)
    qtbot.addWidget(window)
    window.show()
    return window


def test_people_section_shows_people_and_their_photos(qtbot, face_settings: Settings) -> None:
    window = open_window(qtbot, face_settings)
    view = window.people_view
    qtbot.waitUntil(lambda: len(window.sidebar.person_items()) == 4, timeout=10_000)  # a read
    entries = window.sidebar.person_items()
    assert all(e.text(0).startswith("Person ") for e in entries.values())
    photos = {p: len(window.library.store.person_items(p)) for p in entries}
    assert sorted(photos.values()) == [1, 1, 2, 2]  # Eileen twice; "other" alone and in the group
    eileen = next(
        p
        for p in entries
        if Path(window.library.store.person_faces(p)[0]["path"]).name.startswith("astronaut")
    )
    assert entries[eileen].text(0).endswith("(2)")
    qtbot.waitUntil(
        lambda: not window.sidebar.person_items()[eileen].icon(0).isNull(), timeout=10_000
    )

    window.sidebar.person_clicked.emit(eileen)
    qtbot.waitUntil(lambda: window.message.text().startswith("Photos of"), timeout=10_000)
    shown = {Path(r.path).name for r in window.model.results()}
    assert shown == {"astronaut.png", "astronaut-again.jpg"}

    view.name(eileen, "Eileen")
    qtbot.waitUntil(
        lambda: any(e.text(0).startswith("Eileen") for e in window.sidebar.person_items().values()),
        timeout=10_000,
    )
    menu = window.sidebar.person_menu(eileen)
    titles = [a.text() for a in menu.actions()]
    assert titles[:2] == ["Name…", "More photos of this person"] and "Merge into" in titles
    menu.deleteLater()


def test_not_this_person_splits_the_selected_photos_off(qtbot, face_settings: Settings) -> None:
    from PySide6.QtCore import QItemSelectionModel

    window = open_window(qtbot, face_settings)
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)  # the first browse
    view = window.people_view
    qtbot.waitUntil(lambda: len(window.sidebar.person_items()) == 4, timeout=10_000)
    entries = window.sidebar.person_items()
    eileen = next(
        p
        for p in entries
        if Path(window.library.store.person_faces(p)[0]["path"]).name.startswith("astronaut")
    )
    window.sidebar.person_clicked.emit(eileen)
    qtbot.waitUntil(lambda: window.message.text().startswith("Photos of"), timeout=10_000)
    assert window.model.rowCount() == 2
    assert view.showing == eileen and view.showing_name() == f"person {eileen}"
    row = next(
        n
        for n, r in enumerate(window.model.results())
        if Path(r.path).name == "astronaut-again.jpg"
    )
    window.view.selectionModel().select(
        window.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    view.split_selected()
    qtbot.waitUntil(lambda: len(window.sidebar.person_items()) == 5, timeout=10_000)
    assert len(window.library.store.person_items(eileen)) == 1
    window.run_search()  # a search replaces the person's photos: nothing left to split
    qtbot.waitUntil(lambda: view.showing is None, timeout=10_000)
