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
    window = MainWindow(settings, qsettings)
    qtbot.addWidget(window)
    window.show()
    return window


def test_people_section_shows_people_and_their_photos(qtbot, face_settings: Settings) -> None:
    from mmdesk.gui.people import PeopleView

    window = open_window(qtbot, face_settings)
    view = PeopleView(window)
    entries = window.sidebar.person_items()
    assert len(entries) == 4
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
