"""The payload list: one row per payload, virtualised, sortable and filterable.

Rows are plain data built off the GUI thread (``build_rows``); the model only looks them
up, so 100,000 payloads cost one list and the view asks for the visible cells only.
Sorting reorders an index list in Python (one ``sorted`` call), not row by row through Qt.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from inspector.documents import Document
from inspector.left_encoded import left_in
from inspector.left_encoded import reason as left_reason
from inspector.outcomes import Outcome
from inspector.references import is_reference, stored_size

from .payload_view import encoding_of, human_size
from .results import ViewResults

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2
BADGE_ROLE = Qt.ItemDataRole.UserRole + 3
INDEX_ROLE = Qt.ItemDataRole.UserRole + 4
SHOWN_ROLE = Qt.ItemDataRole.UserRole + 5  # "y" when the search shows the row

ModelIndex = QModelIndex | QPersistentModelIndex


class Badge(enum.Enum):
    """What a payload is: inline data, a storage reference, or an error in this view."""

    INLINE = "inline"
    REFERENCE = "reference"
    LEFT_ENCODED = "left encoded"  # a decoding view left it in a codec's encoding
    ERROR = "error"
    PENDING = "…"


@dataclass(frozen=True)
class PayloadRow:
    """Everything the list shows for one payload, precomputed."""

    index: int
    event_id: int | None
    event_type: str
    field: str
    pointer: str
    label: str
    encoding_before: str
    encoding_after: str | None
    size_before: int
    size_after: int | None
    badge: Badge
    stored_size: int | None
    error: str | None
    transform: bool
    left_reason: str | None = None  # why it is still encoded ("no codec of profile …")

    @property
    def encoding_text(self) -> str:
        after = self.encoding_after
        if after is None or after == self.encoding_before:
            return self.encoding_before
        return f"{self.encoding_before} → {after}"

    @property
    def size_text(self) -> str:
        if self.size_after is None or self.size_after == self.size_before:
            return human_size(self.size_before)
        return f"{human_size(self.size_before)} → {human_size(self.size_after)}"

    @property
    def badge_text(self) -> str:
        if self.badge is Badge.REFERENCE:
            return (
                f"reference · {human_size(self.stored_size)}" if self.stored_size else "reference"
            )
        return str(self.badge.value)

    @property
    def search_text(self) -> str:
        parts = [
            self.label,
            self.pointer,
            self.encoding_text,
            self.badge_text,
            self.error or "",
            self.left_reason or "",
            str(self.event_id or ""),
            self.event_type,
        ]
        return " ".join(parts)


def build_rows(
    doc: Document,
    outcomes: Mapping[int, Outcome] | None,
    *,
    view: str = "raw",
    profile: str = "",
) -> list[PayloadRow]:
    """Rows for a document in one view (``outcomes`` None: not run yet). Thread-safe.

    ``view`` and ``profile`` name what made the outcomes, to tell (and word) a payload the
    view left in a codec's encoding.
    """
    rows = []
    for i, found in enumerate(doc.payloads):
        raw = found.payload
        loc = found.location
        outcome = outcomes.get(i) if outcomes is not None else None
        badge = Badge.REFERENCE if is_reference(raw) else Badge.INLINE
        encoding_after: str | None = None
        size_after: int | None = None
        error: str | None = None
        if outcome is not None and outcome.error is not None:
            badge = Badge.ERROR
            error = outcome.error.describe()
        elif outcome is not None and outcome.payload is not None:
            encoding_after = encoding_of(outcome.payload)
            size_after = outcome.payload.ByteSize()
        elif isinstance(outcomes, ViewResults) and (facts := outcomes.dropped(i)) is not None:
            encoding_after, size_after = facts.encoding, facts.size
        left = None
        if encoding_after is not None:  # the view gave a payload (kept or not)
            result = outcome.payload if outcome is not None else None
            left = left_in(view, raw, result, encoding_after)
        if left is not None and loc.transform:
            badge = Badge.LEFT_ENCODED
        rows.append(
            PayloadRow(
                index=i,
                event_id=loc.event_id,
                event_type=loc.event_type or "",
                field=loc.field or loc.label or loc.pointer or "/",
                pointer=loc.pointer,
                label=loc.label,
                encoding_before=encoding_of(raw),
                encoding_after=encoding_after,
                size_before=raw.ByteSize(),
                size_after=size_after,
                badge=badge,
                stored_size=stored_size(raw),
                error=error,
                transform=loc.transform,
                left_reason=None if left is None else left_reason(left, profile),
            )
        )
    return rows


COLUMNS = ("#", "Event", "Event type", "Field", "Encoding", "Size", "Status")
COL_INDEX, COL_EVENT, COL_TYPE, COL_FIELD, COL_ENCODING, COL_SIZE, COL_STATUS = range(7)
_BADGE_ORDER = {
    Badge.ERROR: 0,
    Badge.LEFT_ENCODED: 1,
    Badge.REFERENCE: 2,
    Badge.INLINE: 3,
    Badge.PENDING: 4,
}


def _sort_key(row: PayloadRow, column: int) -> Any:
    if column == COL_EVENT:
        return (row.event_id is None, row.event_id or 0, row.index)
    if column == COL_TYPE:
        return (row.event_type, row.index)
    if column == COL_FIELD:
        return (row.field, row.index)
    if column == COL_ENCODING:
        return (row.encoding_text, row.index)
    if column == COL_SIZE:
        return (row.size_after if row.size_after is not None else row.size_before, row.index)
    if column == COL_STATUS:
        return (_BADGE_ORDER[row.badge], row.index)
    return row.index


class PayloadTableModel(QAbstractTableModel):
    """The rows of one document; ``order`` maps display rows to payload indexes."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[PayloadRow] = []
        self._order: list[int] = []
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self.shown: frozenset[int] | None = None  # the search's payloads (None: all)

    # -- content -----------------------------------------------------------------------
    def set_rows(self, rows: Sequence[PayloadRow]) -> None:
        """Show new rows; the same document in another view keeps order and selection."""
        if len(rows) == len(self._rows) and rows:
            self._rows = list(rows)
            if self._sort is not None:
                self.sort(*self._sort)
            last = self.index(len(rows) - 1, len(COLUMNS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self._rows = list(rows)
        self._order = list(range(len(rows)))
        if self._sort is not None:
            column, order = self._sort
            self._order = self._sorted_order(column, order)
        self.endResetModel()

    def row_for_payload(self, index: int) -> int:
        """The display row of payload ``index`` (-1 if unknown)."""
        try:
            return self._order.index(index)
        except ValueError:
            return -1

    def payload_row(self, row: int) -> PayloadRow | None:
        if 0 <= row < len(self._order):
            return self._rows[self._order[row]]
        return None

    def rows(self) -> list[PayloadRow]:
        """Rows in document order."""
        return list(self._rows)

    # -- Qt model ----------------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.payload_row(index.row()) if index.isValid() else None
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{row.label}\n{row.pointer or '/'}"
            if not row.transform:
                tip += "\nsearch attribute: never codec-encoded, shown as it is"
            if row.left_reason:
                tip += f"\nleft encoded: {row.left_reason}"
            return f"{tip}\n{row.error}" if row.error else tip
        if role == SORT_ROLE:
            return _sort_key(row, column)
        if role == SHOWN_ROLE:
            return "y" if self.shown is None or row.index in self.shown else "n"
        if role == SEARCH_ROLE:
            return row.search_text
        if role == BADGE_ROLE:
            return row.badge.value
        if role == INDEX_ROLE:
            return row.index
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_INDEX, COL_EVENT, COL_SIZE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _display(row: PayloadRow, column: int) -> str:
        if column == COL_INDEX:
            return str(row.index + 1)
        if column == COL_EVENT:
            return "" if row.event_id is None else str(row.event_id)
        if column == COL_TYPE:
            return row.event_type
        if column == COL_FIELD:
            return row.field
        if column == COL_ENCODING:
            return row.encoding_text
        if column == COL_SIZE:
            return row.size_text
        return row.badge_text

    def _sorted_order(self, column: int, order: Qt.SortOrder) -> list[int]:
        reverse = order == Qt.SortOrder.DescendingOrder
        return sorted(
            range(len(self._rows)), key=lambda i: _sort_key(self._rows[i], column), reverse=reverse
        )

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """One Python sort over precomputed keys; persistent indexes (selection) follow."""
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        old_order = self._order
        self._order = self._sorted_order(column, order)
        new_row = {payload: row for row, payload in enumerate(self._order)}
        persistent = self.persistentIndexList()
        moved = [
            self.index(new_row[old_order[p.row()]], p.column())
            if 0 <= p.row() < len(old_order)
            else QModelIndex()
            for p in persistent
        ]
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()


class PayloadFilterProxy(QSortFilterProxyModel):
    """Shows the payloads a search found (``set_shown``); sorting is the source model's.

    The search itself runs off the GUI thread (``inspector.search``). Filtering is Qt's own,
    on ``SHOWN_ROLE``: with no search its pattern is empty and Qt asks nothing per row (a
    Python ``filterAcceptsRow`` was called for all 30,000 rows at every reset, a stall).
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setFilterRole(SHOWN_ROLE)
        self.setFilterKeyColumn(COL_INDEX)

    def set_shown(self, shown: frozenset[int] | None) -> None:
        """Only these payload indices (None: every payload)."""
        source = self.sourceModel()
        if not isinstance(source, PayloadTableModel) or shown == source.shown:
            return
        source.shown = shown
        self.setFilterRegularExpression("" if shown is None else "^y$")
        if shown is not None:
            self.invalidateRowsFilter()

    @property
    def filtering(self) -> bool:
        source = self.sourceModel()
        return isinstance(source, PayloadTableModel) and source.shown is not None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if isinstance(source, PayloadTableModel):
            source.sort(column, order)


_BADGE_COLORS = {
    # (light background, dark background)
    Badge.INLINE: ("#e3e7ee", "#3a4150"),
    Badge.REFERENCE: ("#dbe7ff", "#1f3a6b"),
    Badge.ERROR: ("#fde0de", "#6e2420"),
    Badge.LEFT_ENCODED: ("#ffe8c2", "#6b4210"),
    Badge.PENDING: ("#eeeeee", "#404040"),
}
_BADGE_TEXT = {
    Badge.INLINE: ("#3b4252", "#d8dee9"),
    Badge.REFERENCE: ("#1d4ed8", "#bcd3ff"),
    Badge.ERROR: ("#b42318", "#ffc9c4"),
    Badge.LEFT_ENCODED: ("#8a4b00", "#ffd59a"),
    Badge.PENDING: ("#666666", "#bbbbbb"),
}


def is_dark(palette: QPalette) -> bool:
    """Whether the palette is a dark one (the app follows the system's light/dark choice)."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


class BadgeDelegate(QStyledItemDelegate):
    """Paints the Status column as a coloured pill."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        try:
            badge = Badge(index.data(BADGE_ROLE))
        except ValueError:
            super().paint(painter, option, index)
            return
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        style = option.widget.style() if option.widget else None
        if style is not None:
            # the row's selection/hover background, without the text
            opt = QStyleOptionViewItem(option)
            self.initStyleOption(opt, index)
            opt.text = ""
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, option.widget)
        dark = is_dark(option.palette)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = option.fontMetrics
        room = option.rect.width() - 8
        if metrics.horizontalAdvance(text) + 14 > room:  # cut at its end, never both sides
            text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(room - 14, 0))
        width = metrics.horizontalAdvance(text) + 14
        height = metrics.height() + 2
        rect = QRectF(
            option.rect.left() + 4,
            option.rect.center().y() - height / 2 + 0.5,
            min(width, room),
            height,
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(_BADGE_COLORS[badge][dark]))
        painter.drawRoundedRect(rect, height / 2, height / 2)
        painter.setPen(QColor(_BADGE_TEXT[badge][dark]))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width() + 18, hint.height())
