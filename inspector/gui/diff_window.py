"""The comparison window: the changed events (or payloads) in a list, the selected one side by
side with its changes highlighted, and each difference by JSON path with both values.

It shows what ``inspector.diffing`` found over what each side shows (decoded in the current
view, redacted by the current rules): the same differences ``payload-inspector diff`` prints.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.diffing import ItemDiff
from inspector.diffing.values import MISSING

from .diff_view import SideBySideView

VALUE_CHARS = 160


class DiffWindow(QDialog):
    """One comparison; a window of its own, so several can stay open beside the documents."""

    def __init__(
        self,
        items: list[ItemDiff],
        *,
        title_a: str,
        title_b: str,
        context: str,
        runs: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.items = items
        self.titles = (f"A: {title_a}", f"B: {title_b}")
        self.setWindowTitle(f"Compare — {title_a} ↔ {title_b}")
        self.resize(1320, 820)
        layout = QVBoxLayout(self)
        count = sum(len(item.differences) for item in items)
        noun = "changed event" if runs else "changed payload"
        summary = (
            f"{count} difference{'' if count == 1 else 's'} in {len(items)} "
            f"{noun}{'' if len(items) == 1 else 's'}"
            if items
            else "<b>no differences</b>"
        )
        self.header = QLabel(
            f"<b>A:</b> {_escape(title_a)} &nbsp; <b>B:</b> {_escape(title_b)}<br>"
            f"{_escape(context)} · {summary}"
        )
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.header)

        split = QSplitter(Qt.Orientation.Horizontal)
        self.changed_list = QListWidget()
        self.changed_list.setObjectName("changedEvents")
        for item in items:
            n = len(item.differences)
            side = (
                " (only in A)" if item.b is MISSING else " (only in B)" if item.a is MISSING else ""
            )
            entry = QListWidgetItem(
                f"{item.where}{side}\n    {n} difference{'' if n == 1 else 's'}"
            )
            entry.setToolTip(item.where)
            self.changed_list.addItem(entry)
        self.changed_list.setWordWrap(True)
        self.changed_list.currentRowChanged.connect(self.show_item)
        split.addWidget(self.changed_list)
        # one pair of payloads: its only item needs no list
        self.changed_list.setVisible(runs or len(items) > 1)

        right = QSplitter(Qt.Orientation.Vertical)
        self.side_by_side = SideBySideView()
        right.addWidget(self.side_by_side)
        self.changes = QTreeWidget()
        self.changes.setHeaderLabels(["JSON path", "A", "B"])
        self.changes.setRootIsDecorated(False)
        self.changes.setAlternatingRowColors(True)
        right.addWidget(self.changes)
        right.setSizes([560, 200])
        split.addWidget(right)
        split.setSizes([360, 960])
        layout.addWidget(split, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if items:
            self.changed_list.setCurrentRow(0)
            self.changed_list.setFocus()

    def show_item(self, row: int) -> None:
        if not 0 <= row < len(self.items):
            return
        item = self.items[row]
        self.side_by_side.show_values(item.a, item.b, self.titles)
        self.changes.clear()
        for d in item.differences:
            a = "—" if d.kind == "added" else _short(d.a)
            b = "—" if d.kind == "removed" else _short(d.b)
            entry = QTreeWidgetItem([d.path or "(whole)", a, b])
            entry.setToolTip(1, _short(d.a, 2000))
            entry.setToolTip(2, _short(d.b, 2000))
            self.changes.addTopLevelItem(entry)
        self.changes.resizeColumnToContents(0)


def _short(value: Any, limit: int = VALUE_CHARS) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return text if len(text) <= limit else text[:limit] + "…"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
