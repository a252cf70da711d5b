"""The payload list's table: its look, its columns fitted to their texts, selection by payload.

Column widths depend on the rows' texts, the font and the table's own width, so the fitting
lives with the table and runs again whenever the table is resized. The rows themselves are
``payload_model``'s; the table only knows payloads by index (``INDEX_ROLE``).
"""

from __future__ import annotations

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

SHRINK_FLOOR = 80  # when space is short, no fitted column is shrunk below this
SHRINK_STEP = 4


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
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
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
    def fit_columns(self, rows: list[PayloadRow]) -> None:
        """Event columns only for histories; the other columns as wide as their texts."""
        has_events = any(row.event_id is not None for row in rows)
        self.setColumnHidden(COL_EVENT, not has_events)
        self.setColumnHidden(COL_TYPE, not has_events)
        self.setColumnHidden(COL_INDEX, has_events)  # event ids give the order
        metrics = self.fontMetrics()

        def wanted(texts: list[str], floor: int, cap: int, pad: int = 24) -> int:
            longest = max(texts, key=len, default="")
            return max(floor, min(metrics.horizontalAdvance(longest) + pad, cap))

        self._wanted = {
            COL_FIELD: wanted([r.field for r in rows], 90, 280),
            COL_TYPE: wanted([r.event_type for r in rows], 100, 260),
            COL_ENCODING: wanted([r.encoding_text for r in rows], 90, 260),
            COL_SIZE: wanted([r.size_text for r in rows], 70, 180),
            COL_STATUS: wanted([r.badge_text for r in rows], 70, 180, pad=40),
        }
        self._distribute_columns()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._distribute_columns()

    def _distribute_columns(self) -> None:
        """Fit the columns to the view: shrink the widest first when space is short."""
        wanted = self._wanted
        if not wanted:
            return
        header = self.horizontalHeader()
        visible = {c: w for c, w in wanted.items() if not self.isColumnHidden(c)}
        fixed = sum(
            header.sectionSize(c) for c in (COL_INDEX, COL_EVENT) if not self.isColumnHidden(c)
        )
        room = self.viewport().width() - fixed
        widths = dict(visible)
        while sum(widths.values()) > room:
            widest = max(widths, key=lambda c: widths[c])
            if widths[widest] <= SHRINK_FLOOR:
                break
            widths[widest] -= SHRINK_STEP
        spare = room - sum(widths.values())
        if spare > 0:  # give what is left to the field (or the event type)
            target = COL_TYPE if COL_TYPE in widths else COL_FIELD
            widths[target] += spare
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
