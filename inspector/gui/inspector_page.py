"""A loaded document's page: the filter, count and notice above the payload table, and the
selected payload's detail beside it.

Widgets and their local behaviour only (filtering, the count, which row is selected, the
first split); what the rows and the detail hold is decided by the tab (``document_tab``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QSplitter, QVBoxLayout, QWidget

from .detail_pane import DetailPane
from .payload_model import PayloadFilterProxy, PayloadRow, PayloadTableModel, is_dark
from .payload_table import PayloadTable
from .tasks import TaskRunner

LIST_SHARE = 0.58  # of the width, the first time a document shows


class InspectorPage(QSplitter):
    """The payload list (left) and the detail pane (right)."""

    def __init__(self, runner: TaskRunner, key: str, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self._split_done = False
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(4, 4, 0, 4)
        left_layout.setSpacing(4)
        top = QHBoxLayout()
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter payloads (Ctrl+F): event, field, encoding…")
        self.filter_edit.setClearButtonEnabled(True)
        self.count_label = QLabel()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.count_label)
        left_layout.addLayout(top)
        self.notice = QLabel()
        self.notice.setObjectName("tabNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        left_layout.addWidget(self.notice)

        self.model = PayloadTableModel(self)
        self.proxy = PayloadFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = PayloadTable(self.model, self.proxy)
        left_layout.addWidget(self.table, 1)
        self.filter_edit.textChanged.connect(self._filter_changed)

        self.detail = DetailPane(runner, key)
        self.addWidget(left)
        self.addWidget(self.detail)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 2)
        self.setSizes([1200, 800])
        self.setChildrenCollapsible(False)

    def split_evenly(self) -> None:
        """The list gets the larger share the first time the document shows."""
        if self._split_done or self.width() < 200:
            return
        self._split_done = True
        total = sum(self.sizes()) or self.width()
        left = int(total * LIST_SHARE)
        self.setSizes([left, total - left])

    def show_rows(self, rows: list[PayloadRow]) -> None:
        """New rows for the list, its columns fitted to them."""
        self.model.set_rows(rows)
        self.table.fit_columns(rows)

    def show_notice(self, text: str, *, error: bool) -> None:
        self.notice.setText(text)
        red = "#ff8a80" if is_dark(self.palette()) else "#b42318"
        color = red if error else "palette(text)"
        self.notice.setStyleSheet(f"#tabNotice {{ color: {color}; padding: 2px 4px; }}")
        self.notice.show()

    def update_count(self) -> None:
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        word = "payload" if total == 1 else "payloads"
        self.count_label.setText(
            f"{shown:,} of {total:,}" if shown != total else f"{total:,} {word}"
        )

    def focus_filter(self) -> None:
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()

    def _filter_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        self.update_count()

    # -- selection by payload ----------------------------------------------------------
    def select_row(self, payload_index: int) -> bool:
        """Make the payload's row current (clearing a filter that hides it)."""
        row = self.model.row_for_payload(payload_index)
        if row < 0:
            return False
        cell = self.table.cell_for_row(row)
        if not cell.isValid():  # the filter hides the row
            self.filter_edit.clear()
            cell = self.table.cell_for_row(row)
        self.table.make_current(cell)
        return True

    def selected_index(self) -> int | None:
        """The current row's payload index."""
        return self.table.selected_payload()

    def selected_indexes(self) -> list[int]:
        """Every selected row's payload index (two of them: a comparison)."""
        return self.table.selected_payloads()

    def selected_row(self) -> PayloadRow | None:
        index = self.selected_index()
        if index is None:
            return None
        return self.model.payload_row(self.model.row_for_payload(index))
