"""A loaded document's page: the filter, count and notice above the payload table, and the
selected payload's detail beside it.

Widgets and their local behaviour only (filtering, the count, which row is selected, the
first split); what the rows and the detail hold is decided by the tab (``document_tab``).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .detail_pane import DetailPane
from .event_view import EventView
from .payload_model import PayloadFilterProxy, PayloadRow, PayloadTableModel, is_dark
from .payload_table import PayloadTable
from .tasks import TaskRunner

# The list's share of the width the first time a document shows: what its columns want,
# within these bounds (the detail pane keeps at least a third).
LIST_SHARE = (0.5, 0.66)
SEARCH_PAUSE_MS = 150
SEARCH_HELP = (
    'Words (and "quoted phrases") are looked for in each payload\'s decoded value and in its'
    " row.\nTerms: event=25 · type~Activity (= exact, ~ contains) · status:error ·"
    ' encoding~gzip · field~memo · $.customer.id == "42" (==, !=, ~)\n'
    "Every word and term must hold. Down or Enter: to the results; F3 / Shift+F3: next /"
    " previous match; Esc: clear."
)


class SearchEdit(QLineEdit):
    """The search box: Down or Enter go into the results, Esc clears it."""

    leave_down = Signal()

    def event(self, event: QEvent) -> bool:
        # Esc is also the window's "cancel work" shortcut: with text here, it clears.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and self.text()
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.leave_down.emit()
            return
        if key == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        super().keyPressEvent(event)


class InspectorPage(QSplitter):
    """The payload list (left) and the detail pane (right)."""

    search_requested = Signal(str)
    matches_changed = Signal(object)  # the number of matches, or None: no search

    def __init__(self, runner: TaskRunner, key: str, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self._split_done = False
        self.matches: list[int] = []
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(4, 4, 0, 4)
        left_layout.setSpacing(4)
        top = QHBoxLayout()
        self.filter_edit = SearchEdit()
        self.filter_edit.setPlaceholderText(
            'Search (Ctrl+F): words in values, event=25, type~Activity, status:error, $.id == "42"'
        )
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setToolTip(SEARCH_HELP)
        self.only_matches = QCheckBox("Only matches")
        self.only_matches.setChecked(True)
        self.only_matches.setToolTip(
            "List only the payloads that match; F3 / Shift+F3 go to the next / previous either way"
        )
        self.all_tabs = QCheckBox("All tabs")
        self.all_tabs.setToolTip("Search every open document; each tab's title counts its matches")
        self.count_label = QLabel()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.only_matches)
        top.addWidget(self.all_tabs)
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
        # A search waits for a pause in typing, then runs off the GUI thread (the tab runs
        # it: ``search_requested``); a keystroke costs only this timer's restart.
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_PAUSE_MS)
        self._search_timer.timeout.connect(
            lambda: self.search_requested.emit(self.filter_edit.text())
        )
        self.filter_edit.textChanged.connect(self._filter_changed)
        self.filter_edit.leave_down.connect(self._enter_results)
        self.only_matches.toggled.connect(
            lambda _on: self.search_requested.emit(self.filter_edit.text())
        )

        self.detail = DetailPane(runner, key)
        # Payloads, or (for a history) Events: the same document by event, failures shown.
        self.left_tabs = QTabWidget()
        self.left_tabs.setDocumentMode(True)
        self.left_tabs.addTab(left, "Payloads")
        self.events = EventView()
        self.events_tab = self.left_tabs.addTab(self.events, "Events")
        self.left_tabs.setTabVisible(self.events_tab, False)
        self.addWidget(self.left_tabs)
        self.addWidget(self.detail)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 2)
        self.setSizes([1200, 800])
        self.setChildrenCollapsible(False)

    def split_evenly(self) -> None:
        """The list gets the width its columns want (within ``LIST_SHARE``) the first time
        the document shows."""
        if self._split_done or self.width() < 200:
            return
        self._split_done = True
        total = sum(self.sizes()) or self.width()
        low, high = LIST_SHARE
        left = min(max(self.table.wanted_width() + 8, int(total * low)), int(total * high))
        self.setSizes([left, total - left])

    def show_rows(self, rows: list[PayloadRow]) -> None:
        """New rows for the list, its columns fitted to them."""
        self.model.set_rows(rows)
        self.table.fit_columns(rows, fresh=False)
        if self.events.model.history is not None:
            self.events.model.set_rows(rows)
            self.events.rows_changed()

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
        if text.strip():
            self._search_timer.start()
        else:  # cleared: at once (select_row relies on it)
            self._search_timer.stop()
            self.search_requested.emit("")

    def show_matches(self, matches: list[int] | None, problem: str = "") -> None:
        """A search's answer: the matching payloads (None: no search), or what is wrong."""
        self.matches = matches or []
        self.matches_changed.emit(None if matches is None else len(matches))
        only = matches is not None and self.only_matches.isChecked()
        self.proxy.set_shown(frozenset(matches) if only and matches is not None else None)
        self.update_count()
        if problem:
            self.count_label.setText(problem)
        elif matches is not None and not self.only_matches.isChecked():
            self.count_label.setText(f"{len(matches):,} matches")
        if matches is not None and len(matches) == 1:
            self.select_row(matches[0])  # a single match is the one wanted

    def next_match(self, step: int) -> bool:
        """F3 / Shift+F3: the next (``step`` 1) or previous (-1) match after the current row."""
        if not self.matches:
            return False
        rows = sorted(self.model.row_for_payload(i) for i in self.matches)
        here = self.model.row_for_payload(self.selected_index() or 0)
        after = [r for r in rows if (r > here if step > 0 else r < here)]
        row = (
            (after[0] if step > 0 else after[-1]) if after else (rows[0] if step > 0 else rows[-1])
        )
        payload = self.model.payload_row(row)
        return payload is not None and self.select_row(payload.index)

    def _enter_results(self) -> None:
        """Down or Enter in the search box: into the list, on the first row shown."""
        if self.proxy.rowCount() == 0:
            return
        self.table.setFocus()
        if self.table.currentIndex().isValid():
            return
        first = self.proxy.index(0, 0)
        self.table.make_current(first)

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
