"""What a training run measured: per-tag precision, recall, F1 and threshold, accuracy and
macro-F1, and how much each modality weighed in the classifier's decisions.

It shows the plain dict of ``TrainMetrics.to_json()`` and tolerates missing keys, so an older or
a simpler job still shows what it has.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

COLUMNS = [
    ("Tag", "tag"),
    ("Precision", "precision"),
    ("Recall", "recall"),
    ("F1", "f1"),
    ("Threshold", "threshold"),
    ("Yes", "positives"),
    ("No", "negatives"),
]


def _cell(value: Any) -> QTableWidgetItem:
    """A read-only cell: numbers right-aligned to 3 decimals, counts as integers."""
    if isinstance(value, float):
        item = QTableWidgetItem(f"{value:.3f}")
    else:
        item = QTableWidgetItem("—" if value is None else str(value))
    if isinstance(value, (int, float)):
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item


def summary_text(metrics: dict[str, Any]) -> str:
    """'Accuracy 0.930 · macro-F1 0.912 · 5-fold cross-validation'."""
    parts = []
    for label, key in (("Accuracy", "accuracy"), ("macro-F1", "macro_f1")):
        if isinstance(metrics.get(key), (int, float)):
            parts.append(f"{label} <b>{metrics[key]:.3f}</b>")
    if metrics.get("folds"):
        parts.append(f"{metrics['folds']}-fold cross-validation")
    return " · ".join(parts) or "No overall figures were reported."


class MetricsView(QWidget):
    """The metrics of the last training, empty (hidden parts) until one finished."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel(self)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([c for c, _ in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.modalities = QFormLayout()
        self.modality_title = QLabel("<b>Which modality mattered</b>", self)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.summary)
        box.addWidget(self.table, 1)
        box.addWidget(self.modality_title)
        box.addLayout(self.modalities)
        self.clear()

    def clear(self) -> None:
        self.summary.setText("")
        self.table.setRowCount(0)
        while self.modalities.rowCount():
            self.modalities.removeRow(0)
        for widget in (self.summary, self.table, self.modality_title):
            widget.setVisible(False)

    def show_metrics(self, metrics: dict[str, Any] | None) -> None:
        """Fill the table and the modality bars from ``metrics`` (None: say there are none)."""
        self.clear()
        self.summary.setVisible(True)
        if metrics is None:
            self.summary.setText("This job reported no metrics.")
            return
        self.summary.setText(summary_text(metrics))
        self._fill_table(list(metrics.get("per_tag") or []))
        self._fill_modalities(dict(metrics.get("modality_weight") or {}))

    def _fill_table(self, rows: list[dict[str, Any]]) -> None:
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, (_, key) in enumerate(COLUMNS):
                self.table.setItem(r, c, _cell(row.get(key)))
        self.table.setVisible(bool(rows))
        if rows:
            self.table.selectRow(0)

    def _fill_modalities(self, weights: dict[str, float]) -> None:
        for name, weight in sorted(weights.items(), key=lambda kv: -kv[1]):
            bar = QProgressBar(self)
            bar.setRange(0, 100)
            bar.setValue(round(100 * float(weight)))
            bar.setFormat(f"{float(weight):.0%}")
            bar.setToolTip(f"average attention the classifier gave to {name}")
            self.modalities.addRow(name, bar)
        self.modality_title.setVisible(bool(weights))

    def current_tag(self) -> str | None:
        """The tag of the selected row, for 'Review…'."""
        item = self.table.item(self.table.currentRow(), 0) if self.table.rowCount() else None
        return item.text() if item is not None else None
