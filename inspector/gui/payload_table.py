"""The payload list's table: its look, its columns fitted to their texts, selection by payload.

Column widths depend on the rows' texts, the font and the table's own width, so the fitting
lives with the table and runs again whenever the table is resized. The rows themselves are
``payload_model``'s; the table only knows payloads by index (``INDEX_ROLE``).
"""

from __future__ import annotations

import heapq

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from .payload_model import (
    COL_ENCODING,
    COL_EVENT,
    COL_FIELD,
    COL_INDEX,
    COL_SIZE,
    COL_STATUS,
    COL_TYPE,
    INDEX_ROLE,
    BadgeDelegate,
    PayloadFilterProxy,
    PayloadRow,
    PayloadTableModel,
)

# When space is short, columns give it up in this order, each down to its floor: the field
# (a long name is still recognisable by its start), the badge (its kind stays readable),
# then the encoding, then the event type. Sizes are exact figures: they keep their width.
SHRINK_ORDER = (COL_FIELD, COL_STATUS, COL_ENCODING, COL_TYPE)
FLOORS = {COL_FIELD: 80, COL_ENCODING: 110, COL_TYPE: 120, COL_STATUS: 100, COL_SIZE: 70}
MEASURED = 12  # texts measured per column
CAPS = {COL_FIELD: 320, COL_TYPE: 320, COL_ENCODING: 300, COL_SIZE: 200, COL_STATUS: 200}


class PayloadTable(QTableView):
    """Sortable, filterable, one row selected at a time; columns fitted to the view."""

    def __init__(
        self,
        payloads: PayloadTableModel,
        proxy: PayloadFilterProxy,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.payloads = payloads
        self.proxy = proxy
        self._wanted: dict[int, int] = {}  # fitted columns: the width their texts want
        self.setModel(proxy)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Ctrl+click selects a second payload to compare; the current row is the one shown.
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSortingEnabled(True)
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.setItemDelegateForColumn(COL_STATUS, BadgeDelegate(self))
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(36)
        header.resizeSection(COL_INDEX, 44)
        header.resizeSection(COL_EVENT, 52)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    # -- columns -----------------------------------------------------------------------
    def fit_columns(self, rows: list[PayloadRow], *, fresh: bool = True) -> None:
        """Event columns only for histories; the other columns as wide as their texts.

        ``fresh`` is a new document. Otherwise (another view, a profile, a download) the
        widths only grow: a column that jumps back and forth on every view switch is harder
        to read than one that is a little wide.
        """
        has_events = any(row.event_id is not None for row in rows)
        self.setColumnHidden(COL_EVENT, not has_events)
        self.setColumnHidden(COL_TYPE, not has_events)
        self.setColumnHidden(COL_INDEX, has_events)  # event ids give the order
        metrics = self.fontMetrics()

        def wanted(column: int, texts: list[str], pad: int = 24) -> int:
            # Measured: the longest few (a proportional font's widest text is not always
            # the longest), not every one of 30,000 rows on the GUI thread.
            longest = heapq.nlargest(MEASURED, texts, key=len)
            widest = max((metrics.horizontalAdvance(t) for t in longest), default=0)
            return max(FLOORS[column], min(widest + pad, CAPS[column]))

        found = {
            COL_FIELD: wanted(COL_FIELD, [r.field for r in rows]),
            COL_TYPE: wanted(COL_TYPE, [r.event_type for r in rows]),
            COL_ENCODING: wanted(COL_ENCODING, [r.encoding_text for r in rows]),
            COL_SIZE: wanted(COL_SIZE, [r.size_text for r in rows]),
            COL_STATUS: wanted(COL_STATUS, [r.badge_text for r in rows], pad=40),
        }
        if not fresh:
            found = {c: max(w, self._wanted.get(c, 0)) for c, w in found.items()}
        self._wanted = found
        self._distribute_columns()

    def wanted_width(self) -> int:
        """The width at which no column would be cut, scroll bar and frame included."""
        header = self.horizontalHeader()
        fixed = sum(
            header.sectionSize(c) for c in (COL_INDEX, COL_EVENT) if not self.isColumnHidden(c)
        )
        shown = sum(w for c, w in self._wanted.items() if not self.isColumnHidden(c))
        chrome = self.width() - self.viewport().width()
        return fixed + shown + max(chrome, self.verticalScrollBar().sizeHint().width())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._distribute_columns()

    def _distribute_columns(self) -> None:
        """Fit the columns to the view: the least telling columns give up space first."""
        wanted = self._wanted
        if not wanted:
            return
        header = self.horizontalHeader()
        widths = {c: w for c, w in wanted.items() if not self.isColumnHidden(c)}
        fixed = sum(
            header.sectionSize(c) for c in (COL_INDEX, COL_EVENT) if not self.isColumnHidden(c)
        )
        room = self.viewport().width() - fixed
        excess = sum(widths.values()) - room
        for column in SHRINK_ORDER:
            if excess <= 0:
                break
            if column in widths:
                cut = min(excess, widths[column] - FLOORS[column])
                if cut > 0:
                    widths[column] -= cut
                    excess -= cut
        if excess < 0:  # room to spare: the field gets it (names and pointers are long)
            widths[COL_FIELD] = widths.get(COL_FIELD, 0) - excess
        for column, width in widths.items():
            header.resizeSection(column, width)

    def _first_shown_column(self) -> int:
        header = self.horizontalHeader()
        for visual in range(header.count()):
            logical = header.logicalIndex(visual)
            if not header.isSectionHidden(logical):
                return logical
        return 0

    # -- selection by payload ----------------------------------------------------------
    def cell_for_row(self, row: int) -> QModelIndex:
        """The cell to make current for the model's ``row``; invalid when the filter hides it.

        It is in a shown column: from a hidden one (the # column of a history) the arrow
        keys do not move, so the keyboard could not leave the row.
        """
        return self.proxy.mapFromSource(self.payloads.index(row, self._first_shown_column()))

    def make_current(self, index: QModelIndex) -> None:
        self.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.scrollTo(index)

    def selected_payloads(self) -> list[int]:
        """The payload indexes of every selected row, in the order the rows are shown."""
        rows = sorted(self.selectionModel().selectedRows(), key=lambda i: i.row())
        values = (index.data(INDEX_ROLE) for index in rows)
        return [int(v) for v in values if v is not None]

    def selected_payload(self) -> int | None:
        """The current row's payload index."""
        current = self.selectionModel().currentIndex()
        if not current.isValid():
            return None
        value = current.data(INDEX_ROLE)
        return int(value) if value is not None else None
