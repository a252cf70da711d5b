"""One open document: its payload list, the selected payload's detail, and the view runs.

Every view goes through ``views.transform_document`` (the CLI's code too) on the
session's pipeline, in chunks so progress shows and Esc cancels between chunks; a newer
run (another view, another profile) cancels the stale one.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from temporalio.api.common.v1 import Payload

from inspector import atomic_write
from inspector.config import ConfigError
from inspector.documents import Document, DocumentError, read_value, write_document
from inspector.outcomes import ErrorKind, Outcome, PayloadError, Stage
from inspector.pipeline import Pipeline
from inspector.references import is_reference
from inspector.views import View, transform_document

from . import collector
from .detail_pane import INLINE_RENDER_BYTES, DetailEntry, DetailPane
from .loading import (
    BadDocument,
    LoadedDocument,
    ReadError,
    parse_owned,
    payload_size,
    read_file,
)
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
    build_rows,
    is_dark,
)
from .payload_view import human_size, value_text
from .results import ViewResults
from .session import PipelineSession
from .source_editor import SourceEditor
from .tasks import Progress, TaskRunner

# Small chunks keep each step's decoded payloads (and the loop's pauses) small: a 100 MB
# history decodes to ~500 MB, of which only a chunk exists at a time (see results.py).
CHUNK_PAYLOADS = 64
CHUNK_BYTES = 1024 * 1024
EDITABLE_LIMIT = 16 * 1024 * 1024  # larger broken files are not put into the editor
SHOWN_KEPT = 8  # payloads decoded again for the detail pane, most recent kept
BIG_PAYLOAD_COUNT = 5000  # from here on, results are built with the collector paused


def _chunks(doc: Document) -> list[tuple[int, int]]:
    """Index ranges of at most CHUNK_PAYLOADS payloads or about CHUNK_BYTES bytes."""
    ranges = []
    start, size = 0, 0
    for i, found in enumerate(doc.payloads):
        size += payload_size(found)
        if i + 1 - start >= CHUNK_PAYLOADS or size >= CHUNK_BYTES:
            ranges.append((start, i + 1))
            start, size = i + 1, 0
    if start < len(doc.payloads):
        ranges.append((start, len(doc.payloads)))
    return ranges


async def run_document_view(
    doc: Document,
    pipeline: Pipeline,
    view: str,
    progress: Progress | None = None,
    into: ViewResults | None = None,
) -> Mapping[int, Outcome]:
    """``transform_document`` over the whole document, a chunk at a time.

    Chunking changes nothing in the result (each payload's outcome is its own); it lets the
    loop breathe and the status bar count. With ``into``, outcomes go there as each chunk
    ends (kept within its budget) and it is returned; else every outcome is kept.
    """
    outcomes: dict[int, Outcome] = {}
    total = len(doc.payloads)
    for start, end in _chunks(doc):
        part = dataclasses.replace(doc, payloads=doc.payloads[start:end])
        result = await transform_document(part, pipeline, view)
        for i, outcome in result.items():
            if into is not None:
                into.add(start + i, outcome)
            else:
                outcomes[start + i] = outcome
        del result
        if progress is not None:
            progress.update(end, total)
        await asyncio.sleep(0)
    return into if into is not None else outcomes


def write_atomically(path: Path, text: str) -> None:
    """An export: the text plus a final newline, replaced atomically with the usual file
    permissions (``inspector.atomic_write``), so no half-written or owner-only exports."""
    atomic_write.write_text(path, text, "\n")


class _PayloadTable(QTableView):
    """The payload list's view; says when its size changed (to fit the columns)."""

    resized = Signal()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()


class DocumentTab(QWidget):
    """Editor (when the text is bad), loading, or the inspector for one document."""

    title_changed = Signal(str)
    status_changed = Signal()  # loaded, results updated, selection changed
    opened_file = Signal(str)  # a file parsed fine: remember it as recent

    def __init__(
        self,
        runner: TaskRunner,
        session: PipelineSession,
        key: str,
        name: str,
        view: str = "decoded",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.session = session
        self.key = key
        self.name = name
        self.view = view
        self.path: Path | None = None
        self.loaded: LoadedDocument | None = None
        self.outcomes: Mapping[int, Outcome] | None = None
        self._shown: dict[int, Outcome] = {}  # dropped payloads decoded again to be shown
        self.result_key: tuple[str, int] | None = None
        self.run_error: str | None = None
        self.downloads: dict[int, Outcome] = {}
        self._downloads_generation = session.generation
        self.disposed = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack)
        self.editor = SourceEditor()
        self.editor.submitted.connect(self.load_text)
        self.loading_page = self._make_loading_page()
        self.inspector_page = self._make_inspector_page()
        for page in (self.editor, self.loading_page, self.inspector_page):
            self.stack.addWidget(page)
        self.stack.setCurrentWidget(self.editor)
        self.detail.download_requested.connect(self.download)
        self.detail.download_cancel_requested.connect(
            lambda i: self.runner.cancel(f"{self.key}:download:{i}")
        )
        self.detail.copy_value_button.clicked.connect(self.copy_value)
        self.detail.copy_path_button.clicked.connect(self.copy_path)

    # -- construction ------------------------------------------------------------------
    def _make_loading_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        self.loading_label = QLabel("Reading…")
        self.loading_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        bar = QProgressBar()
        bar.setRange(0, 0)
        bar.setMaximumWidth(360)
        cancel = QPushButton("Cancel (Esc)")
        cancel.clicked.connect(lambda: self.runner.cancel(f"{self.key}:load"))
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(bar)
        row.addWidget(cancel)
        row.addStretch(1)
        layout.addWidget(self.loading_label)
        layout.addLayout(row)
        layout.addStretch(1)
        return page

    def _make_inspector_page(self) -> QWidget:
        splitter = QSplitter(Qt.Orientation.Horizontal)
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
        self.table = _PayloadTable()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.setItemDelegateForColumn(COL_STATUS, BadgeDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(36)
        self.table.resized.connect(self._distribute_columns)
        self._wanted: dict[int, int] = {}
        self._split_done = False
        header.resizeSection(COL_INDEX, 44)
        header.resizeSection(COL_EVENT, 52)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        left_layout.addWidget(self.table, 1)
        self.filter_edit.textChanged.connect(self._filter_changed)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)

        self.detail = DetailPane(self.runner, self.key)
        splitter.addWidget(left)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([1200, 800])
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        return splitter

    # -- loading -----------------------------------------------------------------------
    def load_path(self, path: Path) -> None:
        """Read and parse a file in the background."""
        self.path = path
        self.name = path.name
        self.title_changed.emit(self.name)
        self._start_load(lambda: read_file(path), f"Reading {path.name}…")

    def load_text(self, text: str) -> None:
        """Parse pasted or edited text."""
        self.editor.clear_error()
        data = text.encode("utf-8")
        self._start_load(lambda: _ready(data), "Parsing…", keep_text=text)

    def load_bytes(self, data: bytes) -> None:
        self._start_load(lambda: _ready(data), "Parsing…")

    def _start_load(
        self,
        read: Callable[[], Awaitable[bytes]],
        label: str,
        keep_text: str | None = None,
    ) -> None:
        self.loading_label.setText(label)
        self.stack.setCurrentWidget(self.loading_page)
        name, path = self.name, self.path

        async def work(progress: Progress) -> None:
            try:
                # The bytes are handed over: parse_owned lets them go once they are text.
                box = [await read()]
                progress.update(0, 0, f"Parsing {name}")
                loaded = await asyncio.to_thread(parse_owned, box, name, path, EDITABLE_LIMIT)
                rows = await asyncio.to_thread(_rows_paused, loaded.doc, None)
            except ReadError as e:
                self._show_problem(str(e), None)
                return
            except BadDocument as e:
                text = keep_text
                if text is None and e.data is not None:
                    text = e.data.decode("utf-8", "replace")
                self._show_problem(e.error, text)
                return
            except asyncio.CancelledError:
                if self.loaded is None:
                    self._show_problem("Loading was cancelled.", keep_text)
                else:
                    self.stack.setCurrentWidget(self.inspector_page)
                raise
            self._loaded(loaded, rows)

        self.runner.start(f"{self.key}:load", label.rstrip("…"), work)

    def _show_problem(self, error: DocumentError | str, text: str | None) -> None:
        """Back to the editor with the text kept and the error at its place."""
        if text is not None:
            self.editor.set_text(text)
            self.editor.hint.setText("Fix the text and inspect it again.")
        elif isinstance(error, DocumentError):
            self.editor.set_text("")
            self.editor.hint.setText(
                "This file is too large to edit here: fix it in an editor and open it again."
            )
        self.editor.show_error(error)
        self.stack.setCurrentWidget(self.editor)
        self.title_changed.emit(f"⚠ {self.name}")
        self.status_changed.emit()

    def _loaded(self, loaded: LoadedDocument, rows: list[PayloadRow]) -> None:
        self.loaded = loaded
        self.outcomes = None
        self.result_key = None
        self.downloads = {}
        self.model.set_rows(rows)
        self.stack.setCurrentWidget(self.inspector_page)
        self._fit_columns(rows)
        QTimer.singleShot(0, self._split_evenly)  # once the page has its real size
        self.title_changed.emit(self.name)
        if self.path is not None:
            self.opened_file.emit(str(self.path))
        self._update_count()
        if rows:
            self.select_row(0)
        else:
            self.detail.clear("This document holds no payloads.")
        self.ensure_current()
        self.status_changed.emit()

    def _split_evenly(self) -> None:
        """The list gets the larger share (58 %) the first time the document shows."""
        if self._split_done or self.splitter.width() < 200:
            return
        self._split_done = True
        total = sum(self.splitter.sizes()) or self.splitter.width()
        left = int(total * 0.58)
        self.splitter.setSizes([left, total - left])

    def _fit_columns(self, rows: list[PayloadRow]) -> None:
        """Event columns only for histories; the other columns as wide as their texts."""
        has_events = any(row.event_id is not None for row in rows)
        self.table.setColumnHidden(COL_EVENT, not has_events)
        self.table.setColumnHidden(COL_TYPE, not has_events)
        self.table.setColumnHidden(COL_INDEX, has_events)  # event ids give the order
        metrics = self.table.fontMetrics()

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

    def _distribute_columns(self) -> None:
        """Fit the columns to the view: shrink the widest first when space is short."""
        wanted = self._wanted
        if not wanted:
            return
        header = self.table.horizontalHeader()
        visible = {c: w for c, w in wanted.items() if not self.table.isColumnHidden(c)}
        fixed = sum(
            header.sectionSize(c)
            for c in (COL_INDEX, COL_EVENT)
            if not self.table.isColumnHidden(c)
        )
        room = self.table.viewport().width() - fixed
        widths = dict(visible)
        while sum(widths.values()) > room:
            widest = max(widths, key=lambda c: widths[c])
            if widths[widest] <= 80:
                break
            widths[widest] -= 4
        spare = room - sum(widths.values())
        if spare > 0:  # give what is left to the field (or the event type)
            target = COL_TYPE if COL_TYPE in widths else COL_FIELD
            widths[target] += spare
        for column, width in widths.items():
            header.resizeSection(column, width)

    # -- views -------------------------------------------------------------------------
    def set_view(self, view: str) -> None:
        self.view = view
        self.ensure_current()

    def ensure_current(self) -> None:
        """Run the view if the shown results are for another view or profile."""
        if self.loaded is None:
            return
        if self.result_key != (self.view, self.session.generation):
            self.run_view()

    def run_view(self) -> None:
        """(Re-)run the current view over the whole document, cancelling stale work."""
        loaded = self.loaded
        if loaded is None:
            return
        view, generation = self.view, self.session.generation
        if self._downloads_generation != generation:
            self.downloads, self._downloads_generation = {}, generation
        try:
            pipeline = self.session.pipeline() if view != "raw" else _raw_pipeline(self.session)
        except ConfigError as e:
            self.run_error = str(e)
            self.outcomes, self.result_key = None, (view, generation)
            self.model.set_rows(build_rows(loaded.doc, None))
            self._show_notice(f"The profile cannot run: {e}", error=True)
            self._refresh_detail()
            self.status_changed.emit()
            return
        self.run_error = None

        async def work(progress: Progress) -> None:
            progress.update(0, len(loaded.doc.payloads))
            big = len(loaded.doc.payloads) >= BIG_PAYLOAD_COUNT
            with collector.paused(big):
                outcomes = await run_document_view(
                    loaded.doc, pipeline, view, progress, into=ViewResults()
                )
            rows = await asyncio.to_thread(_rows_paused, loaded.doc, outcomes)
            if self.loaded is loaded:
                self.outcomes, self.result_key = outcomes, (view, generation)
                self._shown = {}
                self.model.set_rows(rows)
                self._fit_columns(rows)
                self._after_results()

        label = f"{View(view).label} · {loaded.name}"
        self.runner.start(f"{self.key}:view", label, work)

    def _after_results(self) -> None:
        failed = [i for i, o in (self.outcomes or {}).items() if o.error is not None]
        if failed:
            word = "payload" if len(failed) == 1 else "payloads"
            self._show_notice(
                f"{len(failed)} {word} could not be shown in this view (marked “error”; the "
                "rest is fine). Type “error” in the filter to list them.",
                error=True,
            )
        else:
            self.notice.hide()
        self._update_count()
        self._refresh_detail()
        self.status_changed.emit()

    def _show_notice(self, text: str, *, error: bool) -> None:
        self.notice.setText(text)
        red = "#ff8a80" if is_dark(self.palette()) else "#b42318"
        color = red if error else "palette(text)"
        self.notice.setStyleSheet(f"#tabNotice {{ color: {color}; padding: 2px 4px; }}")
        self.notice.show()

    @property
    def is_current(self) -> bool:
        """Whether the shown results are those of the current view and profile."""
        return self.result_key == (self.view, self.session.generation) and self.outcomes is not None

    # -- selection and detail ----------------------------------------------------------
    def select_row(self, payload_index: int) -> bool:
        row = self.model.row_for_payload(payload_index)
        if row < 0:
            return False
        # The current cell must be in a shown column: from a hidden one (the # column of a
        # history) the arrow keys do not move, so the keyboard could not leave this row.
        column = self._first_shown_column()
        proxy_index = self.proxy.mapFromSource(self.model.index(row, column))
        if not proxy_index.isValid():
            self.filter_edit.clear()
            proxy_index = self.proxy.mapFromSource(self.model.index(row, column))
        self.table.selectionModel().setCurrentIndex(
            proxy_index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(proxy_index)
        return True

    def _first_shown_column(self) -> int:
        header = self.table.horizontalHeader()
        for visual in range(header.count()):
            logical = header.logicalIndex(visual)
            if not header.isSectionHidden(logical):
                return logical
        return 0

    def select_pointer(self, pointer: str) -> bool:
        """Select the payload at a JSON pointer (``--select``)."""
        if self.loaded is None:
            return False
        for i, found in enumerate(self.loaded.doc.payloads):
            if found.location.pointer == pointer:
                return self.select_row(i)
        return False

    def selected_index(self) -> int | None:
        current = self.table.selectionModel().currentIndex()
        if not current.isValid():
            return None
        value = current.data(INDEX_ROLE)
        return int(value) if value is not None else None

    def selected_row(self) -> PayloadRow | None:
        index = self.selected_index()
        if index is None:
            return None
        return self.model.payload_row(self.model.row_for_payload(index))

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._refresh_detail()
        self.status_changed.emit()

    def dispose(self) -> None:
        """The tab is closing: its background work is cancelled, late callbacks ignored."""
        self.disposed = True
        self.runner.cancel_prefix(f"{self.key}:")

    def _refresh_detail(self) -> None:
        if self.disposed:
            return
        index = self.selected_index()
        if index is None or self.loaded is None:
            self.detail.clear()
            return
        entry = self.detail_entry(index)
        if entry is not None:
            self.detail.show_entry(entry)

    def detail_entry(self, index: int) -> DetailEntry | None:
        if self.loaded is None:
            return None
        row = self.model.payload_row(self.model.row_for_payload(index))
        if row is None:
            return None
        raw = self.loaded.doc.payloads[index].payload
        outcome = (self.outcomes or {}).get(index) if self.is_current else None
        if outcome is None and self.is_current and self._was_dropped(index):
            outcome = self._shown.get(index)
            if outcome is None:
                self._decode_to_show(index)  # shows the raw payload until then
        # No outcome: a search attribute (passes through), or the view is still running.
        shown: Payload | None = raw if outcome is None else outcome.payload
        error = None if outcome is None else outcome.error
        return DetailEntry(
            row=row,
            view=self.view,
            raw=raw,
            shown=shown,
            error=error,
            download=self.downloads.get(index),
            download_running=self.runner.is_running(f"{self.key}:download:{index}"),
        )

    def _was_dropped(self, index: int) -> bool:
        outcomes = self.outcomes
        return isinstance(outcomes, ViewResults) and outcomes.dropped(index) is not None

    def _decode_to_show(self, index: int) -> None:
        """Decode one payload the results did not keep (see results.py), then show it."""
        loaded, key = self.loaded, f"{self.key}:show:{index}"
        if loaded is None or self.runner.is_running(key):
            return
        view, generation = self.view, self.session.generation
        try:
            pipeline = self.session.pipeline() if view != "raw" else _raw_pipeline(self.session)
        except ConfigError:
            return  # the view run that made these results could not have run either

        async def work(progress: Progress) -> None:
            part = dataclasses.replace(loaded.doc, payloads=[loaded.doc.payloads[index]])
            result = await transform_document(part, pipeline, view)
            if self.loaded is loaded and self.result_key == (view, generation) and 0 in result:
                while len(self._shown) >= SHOWN_KEPT:
                    del self._shown[next(iter(self._shown))]
                self._shown[index] = result[0]
                if self.selected_index() == index:
                    self._refresh_detail()

        self.runner.start(key, f"Decoding {loaded.doc.payloads[index].location.label}", work)

    async def complete_outcomes(self) -> Mapping[int, Outcome]:
        """Every outcome of the current view (run again if the results did not keep all)."""
        outcomes = self.outcomes or {}
        if isinstance(outcomes, ViewResults) and not outcomes.complete and self.loaded:
            view = self.view
            pipeline = self.session.pipeline() if view != "raw" else _raw_pipeline(self.session)
            outcomes = await run_document_view(self.loaded.doc, pipeline, view)
        return outcomes

    # -- actions -----------------------------------------------------------------------
    def download(self, index: int) -> None:
        """Fetch one reference's content (the Web UI's opt-in Download)."""
        if self.loaded is None:
            return
        outcome = (self.outcomes or {}).get(index) if self.is_current else None
        source = self.loaded.doc.payloads[index].payload
        if outcome is not None and outcome.payload is not None and is_reference(outcome.payload):
            source = outcome.payload  # the plain reference the References view decoded
        try:
            pipeline = self.session.pipeline()
        except ConfigError as e:
            self.downloads[index] = Outcome(error=_config_error(str(e)))
            self._refresh_detail()
            return
        key = f"{self.key}:download:{index}"

        async def work(progress: Progress) -> None:
            [result] = await pipeline.download([source])
            self.downloads[index] = result

        self.downloads.pop(index, None)
        label = self.loaded.doc.payloads[index].location.label
        task = self.runner.start(key, f"Downloading {label}", work)
        # After the runner's own callback: the card then sees the task as finished.
        task.add_done_callback(lambda _t: self._refresh_detail())
        self._refresh_detail()

    def copy_value(self) -> None:
        """The whole value (not the folded display); big ones are rendered off the GUI thread."""
        entry = self.detail.entry
        if entry is None:
            return
        payload = entry.displayed
        if payload.ByteSize() <= INLINE_RENDER_BYTES:
            QGuiApplication.clipboard().setText(self.detail.current_value_text())
            return

        async def work(progress: Progress) -> None:
            text = await asyncio.to_thread(lambda: value_text(read_value(payload)))
            QGuiApplication.clipboard().setText(text)

        self.runner.start(f"{self.key}:copy", "Copying the value", work)

    def copy_path(self) -> None:
        QGuiApplication.clipboard().setText(self.detail.current_pointer() or "/")

    def focus_filter(self) -> None:
        if self.stack.currentWidget() is self.inspector_page:
            self.filter_edit.setFocus()
            self.filter_edit.selectAll()

    def export_text(self, outcomes: Mapping[int, Outcome] | None = None) -> tuple[str, int]:
        """The whole document in the current view, shape kept; and how many were left as is.

        ``outcomes`` defaults to the shown results, which must then be complete (see
        ``complete_outcomes``).
        """
        assert self.loaded is not None
        if outcomes is None:
            outcomes = self.outcomes or {}
            assert not isinstance(outcomes, ViewResults) or outcomes.complete
        replacements = {i: o.payload for i, o in outcomes.items() if o.payload is not None}
        failed = sum(1 for o in outcomes.values() if o.error is not None)
        return write_document(self.loaded.doc, replacements), failed

    async def export_to(self, path: Path) -> int:
        """Write the export atomically off the GUI thread; returns the failed count."""
        assert self.loaded is not None
        outcomes = await self.complete_outcomes()
        text, failed = await asyncio.to_thread(self.export_text, outcomes)
        await asyncio.to_thread(write_atomically, path, text)
        return failed

    def _filter_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        self._update_count()

    def _update_count(self) -> None:
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        word = "payload" if total == 1 else "payloads"
        self.count_label.setText(
            f"{shown:,} of {total:,}" if shown != total else f"{total:,} {word}"
        )

    def _context_menu(self, pos: object) -> None:
        index = self.selected_index()
        if index is None:
            return
        menu = QMenu(self)
        menu.addAction("Copy value", self.copy_value)
        menu.addAction("Copy path", self.copy_path)
        raw = self.loaded.doc.payloads[index].payload if self.loaded else None
        if raw is not None and is_reference(raw):
            action = QAction("Download this reference", menu)
            action.triggered.connect(lambda: self.download(index))
            menu.addAction(action)
        menu.exec(self.table.viewport().mapToGlobal(pos))  # type: ignore[arg-type]

    def summary(self) -> str:
        """One line for the status bar."""
        if self.loaded is None:
            return ""
        n = len(self.loaded.doc.payloads)
        kind = self.loaded.doc.kind.value
        return f"{self.loaded.name} · {kind} · {n:,} payloads · {human_size(self.loaded.size)}"


def _rows_paused(doc: Document, outcomes: Mapping[int, Outcome] | None) -> list[PayloadRow]:
    with collector.paused(len(doc.payloads) >= BIG_PAYLOAD_COUNT):
        return build_rows(doc, outcomes)


async def _ready(data: bytes) -> bytes:
    return data


def _raw_pipeline(session: PipelineSession) -> Pipeline:
    """Raw needs no codecs or storage; use the session's when it can be built."""
    try:
        return session.pipeline()
    except ConfigError:
        return Pipeline(name="raw")


def _config_error(message: str) -> PayloadError:
    return PayloadError(ErrorKind.NO_STORAGE, Stage.RETRIEVE, None, message)
