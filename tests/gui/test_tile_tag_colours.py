"""A tag's chip on a tile shows its own colour, else its nearest parent's."""

from __future__ import annotations

from mmdesk.gui.sidebar import Sidebar


def test_a_child_tag_without_a_colour_shows_its_parents(qtbot) -> None:
    sidebar = Sidebar()
    qtbot.addWidget(sidebar)
    tags = [("Places", 3), ("Places/Paris", 2), ("Places/Paris/Louvre", 1), ("Sky", 1)]
    sidebar.set_content(
        [], tags, {}, colors={"Places": "#112233", "Places/Paris/Louvre": "#aa0000"}
    )
    assert sidebar.tag_color("Places/Paris") is None  # the manager shows what the tag has
    assert sidebar.shown_color("Places/Paris") == "#112233"
    assert sidebar.shown_color("places/paris") == "#112233"  # tag names ignore case
    assert sidebar.shown_color("Places/Paris/Louvre") == "#aa0000"  # its own wins
    assert sidebar.shown_color("Sky") is None
