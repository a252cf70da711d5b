"""Two values side by side, changed lines highlighted, long unchanged stretches folded.

Both values are written as pretty JSON (keys in their own order) and lined up with
``difflib``: a line only one side has stays level with a blank on the other, so a change
reads across. Unchanged stretches longer than a few lines fold to one row; double-click
(or Enter on) it to open it. The line layout is computed without Qt (``side_by_side``) and
tested as such; the widget only paints it.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any, Literal

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from inspector.diffing.values import MISSING

from .code_view import monospace_font

CONTEXT = 3  # unchanged lines kept around a change
RowKind = Literal["same", "changed", "removed", "added", "fold"]
COLOURS = {
    "changed": QColor(255, 193, 7, 70),
    "removed": QColor(229, 57, 53, 60),
    "added": QColor(67, 160, 71, 60),
    "fold": QColor(120, 120, 140, 40),
}


@dataclass(frozen=True)
class Row:
    """One line of the side-by-side: each side's text (None: blank), what it is, and for a
    fold, which one (its index in the fold list) and how many lines it hides."""

    kind: RowKind
    a: str | None
    b: str | None
    fold: int = -1
    hidden: int = 0


def pretty_lines(value: Any) -> list[str]:
    if value is MISSING:
        return []
    return json.dumps(value, indent=2, ensure_ascii=False, default=str).splitlines()


def side_by_side(a: Any, b: Any, opened: frozenset[int] = frozenset()) -> list[Row]:
    """The rows for values ``a`` and ``b``; the folds numbered in ``opened`` stay open."""
    left, right = pretty_lines(a), pretty_lines(b)
    rows: list[Row] = []
    folds = 0
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    codes = matcher.get_opcodes()
    for n, (op, i1, i2, j1, j2) in enumerate(codes):
        if op == "equal":
            lines = list(zip(left[i1:i2], right[j1:j2], strict=True))
            keep_head = 0 if n == 0 else CONTEXT
            keep_tail = 0 if n == len(codes) - 1 else CONTEXT
            hidden = len(lines) - keep_head - keep_tail
            if hidden > 1:
                fold = folds
                folds += 1
                if fold not in opened:
                    rows += [Row("same", x, y) for x, y in lines[:keep_head]]
                    word = "line" if hidden == 1 else "lines"
                    text = f"⋯ {hidden} unchanged {word} (double-click to show)"
                    rows.append(Row("fold", text, text, fold, hidden))
                    rows += [Row("same", x, y) for x, y in lines[len(lines) - keep_tail :]]
                    continue
            rows += [Row("same", x, y) for x, y in lines]
        elif op == "replace":
            for k in range(max(i2 - i1, j2 - j1)):
                x = left[i1 + k] if i1 + k < i2 else None
                y = right[j1 + k] if j1 + k < j2 else None
                kind: RowKind = (
                    "changed"
                    if x is not None and y is not None
                    else ("removed" if y is None else "added")
                )
                rows.append(Row(kind, x, y))
        elif op == "delete":
            rows += [Row("removed", x, None) for x in left[i1:i2]]
        else:
            rows += [Row("added", None, y) for y in right[j1:j2]]
    return rows


class SideBySideView(QTableWidget):
    """Value A on the left, value B on the right, one table row per aligned line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(["A", "B"])
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(18)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setFont(monospace_font())
        self.rows: list[Row] = []
        self._values: tuple[Any, Any] = (MISSING, MISSING)
        self._opened: set[int] = set()
        self.cellDoubleClicked.connect(lambda row, _col: self.open_fold(row))

    def show_values(self, a: Any, b: Any, titles: tuple[str, str] = ("A", "B")) -> None:
        self._values = (a, b)
        self._opened = set()
        self.setHorizontalHeaderLabels(list(titles))
        self._fill()

    def open_fold(self, row: int) -> bool:
        """Open the fold on ``row``; False when that row is not a fold."""
        if not 0 <= row < len(self.rows) or self.rows[row].kind != "fold":
            return False
        self._opened.add(self.rows[row].fold)
        self._fill()
        self.selectRow(row)
        return True

    def changed_rows(self) -> list[int]:
        return [i for i, r in enumerate(self.rows) if r.kind in ("changed", "removed", "added")]

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.open_fold(
            self.currentRow()
        ):
            return
        super().keyPressEvent(event)

    def _fill(self) -> None:
        self.rows = side_by_side(*self._values, frozenset(self._opened))
        self.setRowCount(len(self.rows))
        for i, row in enumerate(self.rows):
            for column, text in enumerate((row.a, row.b)):
                item = QTableWidgetItem("" if text is None else text)
                colour = COLOURS.get(row.kind)
                side_changed = row.kind == "changed" or (
                    (row.kind == "removed" and column == 0) or (row.kind == "added" and column == 1)
                )
                if colour is not None and (row.kind == "fold" or side_changed):
                    item.setBackground(colour)
                if row.kind == "fold":
                    item.setForeground(QColor("#6b7080"))
                    item.setToolTip("Double-click, or Enter, to show these lines")
                self.setItem(i, column, item)
        first = next(iter(self.changed_rows()), None)
        shown = self.item(first, 0) if first is not None else None
        if shown is not None:
            self.scrollToItem(shown, QAbstractItemView.ScrollHint.PositionAtCenter)
