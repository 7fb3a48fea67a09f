"""The sidebar's Tags section: a tree by ``/`` (``Places/Paris`` under ``Places``), a colour
swatch per tag, the tag menu, and items dropped on a tag. :class:`~mmdesk.gui.sidebar.Sidebar`
holds the signals; this module builds what it shows and reads what is dropped on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QTreeWidgetItem

from mmdesk.gui.compat import emit

if TYPE_CHECKING:
    from mmdesk.gui.sidebar import Sidebar

# What the results grid drags: a UTF-8 JSON list of item ids (dropped on a tag: tag them).
ITEMS_MIME = "application/x-mmdesk-items"
ValueRole = Qt.ItemDataRole.UserRole + 1  # as in sidebar.py: the entry's filter value


def parents(name: str) -> list[str]:
    """``a/b/c`` -> ``["a", "a/b"]``."""
    parts = name.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def fill(
    bar: Sidebar, section: QTreeWidgetItem, tags: list[tuple[str, int]], colors: dict[str, str]
) -> None:
    """Tags as a tree under ``section``, each with its count (a parent's takes in its
    children's, as its filter does) and swatch; a parent known only from its children (an
    older library) shows without a count. Folded parents stay folded."""
    counts = dict(tags)
    nodes: dict[str, QTreeWidgetItem] = {}
    for name in sorted(set(counts) | {p for n in counts for p in parents(n)}, key=str.lower):
        parent, _, leaf = name.rpartition("/")
        count = counts.get(name)
        node = QTreeWidgetItem(nodes.get(parent.lower(), section), [leaf])
        if count is not None:
            node.setText(0, f"{leaf}  ({count})")
        node.setData(0, ValueRole, name)
        node.setToolTip(0, f"items tagged {name!r} (or a tag under it)")
        node.setIcon(0, swatch(colors.get(name.lower())))
        nodes[name.lower()] = node
    for name, node in nodes.items():
        node.setExpanded(name not in bar.folded_tags)


def entries(section: QTreeWidgetItem) -> Iterator[QTreeWidgetItem]:
    """Every entry under ``section``, parents before their children."""
    for i in range(section.childCount()):
        child = section.child(i)
        if child is not None:
            yield child
            yield from entries(child)


def tag_of(section: QTreeWidgetItem, item: QTreeWidgetItem | None) -> str | None:
    """The tag an entry of the Tags ``section`` names, else None."""
    if item is None or item is section or item.data(0, ValueRole) is None:
        return None
    top = item
    while (parent := top.parent()) is not None:
        top = parent
    return str(item.data(0, ValueRole)) if top is section else None


def menu(bar: Sidebar, name: str) -> QMenu:
    """A tag's context menu: rename, merge into another tag, colour, delete."""
    out = QMenu(bar)
    out.addAction("Rename…", lambda: emit(bar.rename_tag_requested, name))
    into = out.addMenu("Merge into")

    def merge(other: str) -> Callable[[], None]:
        return lambda: emit(bar.merge_tag_requested, name, other)

    prefix = name.lower() + "/"
    for other in bar.tag_names():
        if other.lower() != name.lower() and not other.lower().startswith(prefix):
            into.addAction(swatch(bar.tag_color(other)), other, merge(other))
    into.setEnabled(not into.isEmpty())
    out.addAction("Change colour…", lambda: emit(bar.color_tag_requested, name))
    if bar.tag_color(name):
        out.addAction("No colour", lambda: emit(bar.tag_color_cleared, name))
    out.addSeparator()
    out.addAction("Delete…", lambda: emit(bar.delete_tag_requested, name))
    return out


def dropped_ids(mime: QMimeData) -> list[int]:
    """The item ids a drop carries (ITEMS_MIME), or none when it is not that."""
    if not mime.hasFormat(ITEMS_MIME):
        return []
    try:
        ids = json.loads(bytes(mime.data(ITEMS_MIME).data()).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return []
    if not isinstance(ids, list):
        return []
    return [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]


def swatch(color: str | None, edge: int = 12) -> QIcon:
    """A tag's colour as a small square; a tag without one gets an empty outline."""
    pixmap = QPixmap(edge, edge)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setPen(QColor("#808080"))
    if color:
        painter.setBrush(QColor(color))
    painter.drawRect(1, 1, edge - 3, edge - 3)
    painter.end()
    return QIcon(pixmap)
