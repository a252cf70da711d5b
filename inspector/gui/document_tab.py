"""One open document in a tab: its pages, its view runs on the task runner, its actions.

A tab shows the editor (the text did not parse), the loading page (``document_load``) or
the inspector page (``inspector_page``: the payload list beside the selected payload's
detail). What a view run computes and when its results are stale is ``document_run``'s (no
Qt); this module schedules those runs on the session's pipeline, where a newer run
(another view, another profile) cancels the stale one, and shows what they give.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu, QStackedWidget, QVBoxLayout, QWidget
from temporalio.api.common.v1 import Payload

from inspector.config import ConfigError
from inspector.documents import Document, DocumentError, DocumentKind, read_value
from inspector.documents.events import Event, History, event_of_payload, read_history
from inspector.errors import InspectorError
from inspector.outcomes import ErrorKind, Outcome, PayloadError, Stage
from inspector.profile_guess import namespace_in_references, profile_that_decodes
from inspector.protobufs import MessageTypes
from inspector.references import is_reference
from inspector.search import PLAIN_BYTES, QueryError, Searchable, matching, parse_query
from inspector.views import View

from . import collector
from .detail_pane import INLINE_RENDER_BYTES, DetailEntry
from .document_load import LoadingPage, Read, build_rows_in_thread, bytes_in_hand
from .document_run import (
    BIG_PAYLOAD_COUNT,
    DocumentRun,
    decode_one,
    payload_size,
    pipeline_for,
    run_document_view,
)
from .event_detail import EventShown, decoded_value, event_shown, failure_beside, group_shown
from .event_model import EventTree
from .inspector_page import InspectorPage
from .layers_trace import LayersTracer
from .loading import LoadedDocument, read_file
from .payload_model import Badge, PayloadRow, build_rows
from .payload_view import human_size, value_text
from .profile_choice import ProfileChoice
from .results import ViewResults
from .search_index import Part, build_index, index_values
from .session import PipelineSession
from .source_editor import SourceEditor
from .tasks import Progress, TaskRunner


class DocumentTab(QWidget):
    """Editor (when the text is bad), loading, or the inspector for one document."""

    title_changed = Signal(str)
    status_changed = Signal()  # loaded, results updated, selection changed
    opened_file = Signal(str)  # a file parsed fine: remember it as recent

    def __init__(
        self,
        runner: TaskRunner,
        session: PipelineSession,
        choice: ProfileChoice,
        key: str,
        name: str,
        view: str = "decoded",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.session = session
        self.choice = choice  # this tab's profile (the config and pipelines are the session's)
        self.key = key
        self.name = name
        self.title = name  # as the tab shows it (the window adds the profile and matches)
        self.view = view
        self.path: Path | None = None
        self.loaded: LoadedDocument | None = None
        self.run = DocumentRun(choice.generation)
        self.disposed = False
        self.types: MessageTypes | None = None  # the profile's protobuf messages, once loaded
        self.types_error: str | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack)
        self.editor = SourceEditor()
        self.editor.submitted.connect(self.load_text)
        self.loading_page = LoadingPage(runner, key)
        self.loading_page.loaded.connect(self.show_loaded)
        self.loading_page.failed.connect(self._show_problem)
        self.loading_page.cancelled.connect(self._load_cancelled)
        page = self.inspector_page = InspectorPage(runner, key)
        # The page's parts, under the tab's own names for them.
        self.splitter, self.detail, self.table = page, page.detail, page.table
        self.model, self.proxy, self.filter_edit = page.model, page.proxy, page.filter_edit
        self.count_label, self.notice = page.count_label, page.notice
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        for widget in (self.editor, self.loading_page, self.inspector_page):
            self.stack.addWidget(widget)
        self.stack.setCurrentWidget(self.editor)
        self.detail.download_requested.connect(self.download)
        self.detail.download_cancel_requested.connect(
            lambda i: self.runner.cancel(f"{self.key}:download:{i}")
        )
        self.detail.copy_value_button.clicked.connect(self.copy_value)
        self.detail.copy_path_button.clicked.connect(self.copy_path)
        self.history: History | None = None
        self.match_count: int | None = None  # the current search's, for the tab's title
        # The index over every shown value: (the results it reads, its task), made once per
        # result; for a big document as soon as the result is in, so that the first search
        # does not wait seconds for it (when ``interactive``).
        self._index: tuple[object, asyncio.Task[list[Searchable]]] | None = None
        # False for a window made for one headless picture (``screenshot``): it shows what
        # its profile does (no other is taken for it) and builds no index ahead.
        self.interactive = True
        self._chosen_over: tuple[str, int] | None = None  # the profile left, and what for
        page.search_requested.connect(self.search)
        self.notice.linkActivated.connect(self._notice_link)
        self.events = page.events
        self.events.payload_selected.connect(self.select_row)
        self.events.event_selected.connect(self._show_event)
        self.events.group_selected.connect(self._show_group)
        page.left_tabs.currentChanged.connect(self._events_page_opened)
        session.redaction_changed.connect(self._refresh_detail)
        session.redaction_changed.connect(self._redaction_changed)
        self.layers = LayersTracer(runner, choice, key)
        self.detail.layers_requested.connect(self._trace_layers)

    @property
    def outcomes(self) -> Mapping[int, Outcome] | None:
        """The shown results (for the view and profile of ``run.key``)."""
        return self.run.outcomes

    @property
    def downloads(self) -> dict[int, Outcome]:
        return self.run.downloads

    @property
    def is_current(self) -> bool:
        """Whether the shown results are those of the current view and profile."""
        return self.run.current(self.view, self.choice.generation)

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
        self._start_load(bytes_in_hand(text.encode("utf-8")), "Parsing…", keep_text=text)

    def load_bytes(self, data: bytes) -> None:
        self._start_load(bytes_in_hand(data), "Parsing…")

    def _start_load(self, read: Read, label: str, keep_text: str | None = None) -> None:
        self.stack.setCurrentWidget(self.loading_page)
        self.loading_page.start(read, self.name, self.path, label, keep_text)

    def _load_cancelled(self, keep_text: str | None) -> None:
        if self.loaded is None:
            self._show_problem("Loading was cancelled.", keep_text)
        else:
            self.stack.setCurrentWidget(self.inspector_page)

    def _show_problem(self, error: DocumentError | str, text: str | None) -> None:
        """Back to the editor with the text kept and the error at its place."""
        if isinstance(error, DocumentError) and error.binary:
            self.editor.set_text("")
            self.editor.hint.setText("Open a JSON document, or paste one here.")
        elif text is not None:
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

    def show_loaded(self, loaded: LoadedDocument, rows: list[PayloadRow]) -> None:
        """Show a parsed document (its rows built without results), then run the view."""
        self.loaded = loaded
        self.run.reset()
        self.model.set_rows(rows)
        self.stack.setCurrentWidget(self.inspector_page)
        self.table.fit_columns(rows)
        QTimer.singleShot(0, self.inspector_page.split_evenly)  # once it has its real size
        self._read_events(loaded)
        self._choose_from_history(loaded)
        self.title_changed.emit(self.name)
        if self.path is not None:
            self.opened_file.emit(str(self.path))
        self.inspector_page.update_count()
        if rows:
            self.select_row(0)
        else:
            self.detail.clear("This document holds no payloads.")
        self.ensure_current()
        self.status_changed.emit()

    def _choose_from_history(self, loaded: LoadedDocument) -> None:
        """A tab whose profile was only inherited takes the one serving the namespace its
        storage references name (a choice the user made, or remembered, stands). Looked
        for off the GUI thread: it reads every payload of the document."""
        config = self.session.config
        named = any(n != "*" for p in config.profiles.values() for n in p.namespaces)
        if self.choice.why is not None or not named:
            return

        async def work(progress: Progress) -> None:
            payloads = loaded.doc.payloads
            found = await asyncio.to_thread(
                lambda: namespace_in_references(p.payload for p in payloads)
            )
            if self.loaded is not loaded or self.choice.why is not None or found is None:
                return
            if config.lists_namespace(found) and found != self.choice.namespace:
                why = f"namespace ‘{found}’, named by its storage references"
                self.choice.select(found, why=why)

        self.runner.start(f"{self.key}:namespace", "Looking for the history's namespace", work)

    # -- views -------------------------------------------------------------------------
    def set_view(self, view: str) -> None:
        self.view = view
        self.ensure_current()

    def ensure_current(self) -> None:
        """Run the view if the shown results are for another view or profile."""
        if self.loaded is None:
            return
        if not self.run.shows(self.view, self.choice.generation):
            self.run_view()

    def run_view(self) -> None:
        """(Re-)run the current view over the whole document, cancelling stale work."""
        loaded = self.loaded
        if loaded is None:
            return
        view, generation = self.view, self.choice.generation
        profile = self.choice.profile
        profile_name = profile.name if profile is not None else ""
        self.run.start(generation)
        try:
            pipeline = pipeline_for(view, self.choice)
        except ConfigError as e:
            self.run.fail(view, generation, str(e))
            self.model.set_rows(build_rows(loaded.doc, None))
            self.inspector_page.show_notice(f"The profile cannot run: {e}", error=True)
            self._refresh_detail()
            self.status_changed.emit()
            return

        async def work(progress: Progress) -> None:
            progress.update(0, len(loaded.doc.payloads))
            await self._load_types()
            big = len(loaded.doc.payloads) >= BIG_PAYLOAD_COUNT
            with collector.paused(big):
                outcomes = await run_document_view(
                    loaded.doc, pipeline, view, progress, into=ViewResults()
                )
            rows = await build_rows_in_thread(loaded.doc, outcomes, view, profile_name)
            if self.loaded is loaded:
                self.run.finish(view, generation, outcomes)
                self.inspector_page.show_rows(rows)
                self._after_results()

        label = f"{View(view).label} · {loaded.name}"
        self.runner.start(f"{self.key}:view", label, work)

    def left_encoded_rows(self) -> list[PayloadRow]:
        return [r for r in self.model.rows() if r.badge is Badge.LEFT_ENCODED]

    def left_encoded_summary(self) -> str:
        """One line for the caption and the notice; "" when nothing was left encoded."""
        left = self.left_encoded_rows()
        if not left:
            return ""
        word = "payload" if len(left) == 1 else "payloads"
        reasons = sorted({r.left_reason or "" for r in left})
        return f"{len(left)} {word} left encoded: {'; '.join(reasons)}"

    async def _load_types(self) -> None:
        """The profile's protobuf descriptors; broken ones leave messages shown raw."""
        try:
            self.types, self.types_error = await self.choice.message_types(), None
        except InspectorError as e:
            self.types, self.types_error = None, str(e)

    def _after_results(self) -> None:
        failed = self.run.failed()
        left = self.left_encoded_summary()
        if failed:
            word = "payload" if len(failed) == 1 else "payloads"
            self.inspector_page.show_notice(
                f"{len(failed)} {word} could not be shown in this view (marked “error”; the "
                "rest is fine). Type “error” in the search to list them.",
                error=True,
            )
        elif left:
            self.inspector_page.show_notice(
                f"{left} (marked “left encoded”: the view did not decode them). "
                "Type “status:left” in the search to list them.",
                error=True,
            )
        elif self.types_error is not None:
            self.inspector_page.show_notice(
                f"Protobuf messages of this profile are shown raw: {self.types_error}",
                error=True,
            )
        elif self._chosen_over is not None:
            self._say_chosen()
        else:
            self.notice.hide()
        self._chosen_over = None
        if failed or left:
            self._guess_profile(failed)
        self._forget_index()  # new results: a search looks at them
        if self.interactive and self.loaded is not None and self.run.dropped_some():
            self._values_index(self.loaded)
        if self.filter_edit.text().strip():
            self.search(self.filter_edit.text())
        self.inspector_page.update_count()
        # The selected value is drawn on the loop's next turn: with the new rows it would
        # be one step of a tenth of a second for a big history (a 75 KiB JSON value).
        QTimer.singleShot(0, self._refresh_detail)
        self.status_changed.emit()

    def _guess_profile(self, failed: Sequence[int]) -> None:
        """Try the config's other profiles on what this one could not read. A tab whose
        profile was only inherited takes the first that reads it (and says so, with the way
        back); a profile the user chose, or remembered, stands: the notice offers the other."""
        loaded, profile = self.loaded, self.choice.profile
        if loaded is None or profile is None:
            return
        indexes = [r.index for r in self.left_encoded_rows()] + list(failed)
        payloads = [loaded.doc.payloads[i].payload for i in indexes]
        view, notice, generation = self.view, self.notice.text(), self.choice.generation
        take = self.interactive and self.choice.why is None

        async def work(progress: Progress) -> None:
            found = await profile_that_decodes(self.session.config, profile.name, payloads, view)
            if found is None or self.loaded is not loaded:
                return
            if take and self.choice.generation == generation:
                self._chosen_over = (profile.name, len(indexes))
                self.choice.select(found, why=f"it decodes this document, ‘{profile.name}’ did not")
            elif self.notice.text() == notice:
                self.inspector_page.show_notice(
                    f"{html.escape(notice)} Profile ‘{html.escape(found)}’ decodes them: "
                    f"<a href='profile:{html.escape(found)}'>use it</a>.",
                    error=True,
                )

        self.runner.start(f"{self.key}:guess", "Trying the other profiles", work)

    def _say_chosen(self) -> None:
        """The notice after the tab took a profile by what it decodes, once."""
        if self._chosen_over is None or self.choice.profile is None:
            return
        before, count = self._chosen_over
        self._chosen_over = None
        word = "payload" if count == 1 else "payloads"
        self.inspector_page.show_notice(
            f"Profile ‘{html.escape(self.choice.profile.name)}’ was chosen for this tab: it "
            f"decodes this document, where ‘{html.escape(before)}’ left {count} {word} "
            f"encoded. <a href='profile:{html.escape(before)}'>Use ‘{html.escape(before)}’"
            "</a>.",
            error=False,
        )

    def _notice_link(self, href: str) -> None:
        if href.startswith("profile:"):
            self.choice.select(href.removeprefix("profile:"), why="chosen in the notice")

    async def complete_outcomes(self) -> Mapping[int, Outcome]:
        """Every outcome of the current view (those the results did not keep decoded again)."""
        if self.loaded is None:
            return self.outcomes or {}
        return await self.run.complete_outcomes(self.loaded.doc, self.view, self.choice)

    # -- selection and detail ----------------------------------------------------------
    def select_row(self, payload_index: int) -> bool:
        return self.inspector_page.select_row(payload_index)

    def select_pointer(self, pointer: str) -> bool:
        """Select the payload at a JSON pointer (``--select``)."""
        if self.loaded is None:
            return False
        for i, found in enumerate(self.loaded.doc.payloads):
            if found.location.pointer == pointer:
                return self.select_row(i)
        return False

    def selected_index(self) -> int | None:
        return self.inspector_page.selected_index()

    def selected_row(self) -> PayloadRow | None:
        return self.inspector_page.selected_row()

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._refresh_detail()
        index = self.selected_index()
        if index is not None:
            self.events.show_payload(index)
        self.status_changed.emit()

    # -- events ------------------------------------------------------------------------
    def _read_events(self, loaded: LoadedDocument) -> None:
        """A history gets the Events page. Its events are grouped off the GUI thread: now
        for a small history; for a big one when the page is first opened, since grouping
        50,000 events is seconds of Python that the window would share the GIL with."""
        self.history = None
        self.events.model.set_history(None, ())
        page = self.inspector_page
        is_history = loaded.doc.kind is DocumentKind.HISTORY
        page.left_tabs.setTabVisible(page.events_tab, is_history)
        if not is_history:
            return
        big = len(loaded.doc.payloads) >= BIG_PAYLOAD_COUNT
        if big and page.left_tabs.currentIndex() != page.events_tab:
            self.events.count_label.setText("The events are grouped when this page opens.")
            return
        self._group_events(loaded)

    def _events_page_opened(self, index: int) -> None:
        page, loaded = self.inspector_page, self.loaded
        if index == page.events_tab and loaded is not None and self.history is None:
            self._group_events(loaded)

    def _group_events(self, loaded: LoadedDocument) -> None:
        key = f"{self.key}:events"
        if self.runner.is_running(key):
            return
        self.events.count_label.setText("Grouping the events…")

        async def work(progress: Progress) -> None:
            tree = await asyncio.to_thread(_event_tree, loaded.doc)
            if self.loaded is loaded and tree is not None:
                self.history = tree.history
                self.events.model.set_history(tree, self.model.rows())
                self.events.refresh_count()
                self._refresh_detail()

        self.runner.start(key, f"Reading the events of {loaded.name}", work)

    def _event_of(self, index: int) -> Event | None:
        """The event payload ``index`` belongs to (read alone while the events are not
        grouped yet)."""
        if self.history is not None:
            return self.history.event_for_payload(index)
        return event_of_payload(self.loaded.doc, index) if self.loaded is not None else None

    def _lookup(self) -> Callable[[str], Any]:
        assert self.loaded is not None
        return decoded_value(self.loaded.doc, self.outcomes)

    def _show_event(self, position: int) -> None:
        if self.loaded is not None and self.history is not None:
            self._show_shown(event_shown(self.loaded.doc, self.history, position, self._lookup()))

    def _show_group(self, group: int) -> None:
        if self.loaded is not None and self.history is not None:
            self._show_shown(group_shown(self.loaded.doc, self.history, group, self._lookup()))

    def _show_shown(self, shown: EventShown) -> None:
        self.detail.show_event(shown.title, shown.pointer, shown.text, shown.summary)
        self.detail.show_failure(shown.failure)
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
            event = self._event_of(index)
            failed = event is not None and event.failure is not None
            # the lookup (a map of every payload) is made only for a payload of a failure
            chain = failure_beside(event, self._lookup()) if failed else []
            self.detail.show_failure(chain)

    def detail_entry(self, index: int) -> DetailEntry | None:
        if self.loaded is None:
            return None
        row = self.model.payload_row(self.model.row_for_payload(index))
        if row is None:
            return None
        raw = self.loaded.doc.payloads[index].payload
        view, generation = self.view, self.choice.generation
        outcome = self.run.shown_outcome(index, view, generation)
        if self.run.needs_decoding(index, view, generation):
            self._decode_to_show(index)  # shows the raw payload until then
        # No outcome: a search attribute (passes through), or the view is still running.
        shown: Payload | None = raw if outcome is None else outcome.payload
        error = None if outcome is None else outcome.error
        return DetailEntry(
            row=row,
            view=view,
            raw=raw,
            shown=shown,
            error=error,
            download=self.downloads.get(index),
            download_running=self.runner.is_running(f"{self.key}:download:{index}"),
            redaction=self.session.redaction,
            types=self.types,
        )

    def _decode_to_show(self, index: int) -> None:
        """Decode one payload the results did not keep (see results.py), then show it."""
        loaded, key = self.loaded, f"{self.key}:show:{index}"
        if loaded is None or self.runner.is_running(key):
            return
        view, generation = self.view, self.choice.generation
        try:
            pipeline = pipeline_for(view, self.choice)
        except ConfigError:
            return  # the view run that made these results could not have run either

        async def work(progress: Progress) -> None:
            outcome = await decode_one(loaded.doc, index, pipeline, view)
            if self.loaded is not loaded or outcome is None:
                return
            if self.run.keep_decoded(index, outcome, view, generation):
                if self.selected_index() == index:
                    self._refresh_detail()

        self.runner.start(key, f"Decoding {loaded.doc.payloads[index].location.label}", work)

    # -- actions -----------------------------------------------------------------------
    def download(self, index: int) -> None:
        """Fetch one reference's content (the Web UI's opt-in Download)."""
        if self.loaded is None:
            return
        outcome = self.run.kept_outcome(index, self.view, self.choice.generation)
        source = self.loaded.doc.payloads[index].payload
        if outcome is not None and outcome.payload is not None and is_reference(outcome.payload):
            source = outcome.payload  # the plain reference the References view decoded
        try:
            pipeline = self.choice.pipeline()
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
        payload, types = entry.displayed, entry.types
        if payload.ByteSize() <= INLINE_RENDER_BYTES:
            QGuiApplication.clipboard().setText(self.detail.current_value_text())
            return

        async def work(progress: Progress) -> None:
            text = await asyncio.to_thread(lambda: value_text(read_value(payload, types)))
            QGuiApplication.clipboard().setText(text)

        self.runner.start(f"{self.key}:copy", "Copying the value", work)

    def _trace_layers(self, index: int) -> None:
        if self.loaded is not None and not self.disposed:
            doc = self.loaded.doc
            self.layers.request(
                doc, index, self.detail.show_explanation, self.detail.show_layers_message
            )

    def copy_path(self) -> None:
        QGuiApplication.clipboard().setText(self.detail.current_pointer() or "/")

    def focus_filter(self) -> None:
        if self.stack.currentWidget() is self.inspector_page:
            self.inspector_page.left_tabs.setCurrentIndex(0)
            self.inspector_page.focus_filter()

    def next_match(self) -> None:
        self.inspector_page.next_match(1)

    def previous_match(self) -> None:
        self.inspector_page.next_match(-1)

    # -- search ------------------------------------------------------------------------
    def search(self, text: str) -> None:
        """Find the payloads ``text`` asks for, off the GUI thread; a newer search cancels
        this one (the runner keeps one task per key)."""
        page, loaded = self.inspector_page, self.loaded
        if not text.strip() or loaded is None:
            self.runner.cancel(f"{self.key}:search")
            page.show_matches(None)
            self.detail.set_highlights([])
            return
        try:
            query = parse_query(text)
        except QueryError as e:
            page.show_matches(None, problem=str(e))
            return

        async def work(progress: Progress) -> None:
            if query.needs_values:
                items = await asyncio.shield(self._values_index(loaded))
            else:  # the rows' texts and the values the results kept
                rows, shown, rules = self.model.rows(), self.outcomes, self.session.redaction
                items = await asyncio.to_thread(build_index, loaded.doc, rows, shown, rules)
            found = await asyncio.to_thread(matching, query, items)
            if self.loaded is loaded and self.filter_edit.text() == text:
                page.show_matches(found)
                self.detail.set_highlights(query.words)

        self.runner.start(f"{self.key}:search", "Searching values", work)

    def _redaction_changed(self) -> None:
        """Other rules: the search looks at the values as they are now shown."""
        self._forget_index()
        if self.filter_edit.text().strip():
            self.search(self.filter_edit.text())

    def _forget_index(self) -> None:
        self._index = None
        self.runner.cancel(f"{self.key}:index")

    def _values_index(self, loaded: LoadedDocument) -> asyncio.Task[list[Searchable]]:
        """The index over every shown value, for the current results: built once, a chunk
        at a time (those the results did not keep are decoded again, see document_run)."""
        shown = self.outcomes
        if self._index is not None and self._index[0] is shown:
            task = self._index[1]
            if not task.done() or (not task.cancelled() and task.exception() is None):
                return task
        doc, rows, rules = loaded.doc, self.model.rows(), self.session.redaction
        run, view, choice = self.run, self.view, self.choice
        packed = max(run.decoded_bytes(), sum(map(payload_size, doc.payloads))) > PLAIN_BYTES

        async def work(progress: Progress) -> list[Searchable]:
            async def parts() -> AsyncIterator[Part]:
                async for part in run.outcomes_by_chunk(doc, view, choice):
                    progress.update(part[1], len(doc.payloads))
                    yield part

            return await index_values(doc, rows, parts(), rules, packed=packed)

        task = self.runner.start(f"{self.key}:index", "Indexing values for search", work)
        self._index = (shown, task)
        return task

    def _context_menu(self, pos: QPoint) -> None:
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
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def summary(self) -> str:
        """One line for the status bar."""
        if self.loaded is None:
            return ""
        n = len(self.loaded.doc.payloads)
        kind = self.loaded.doc.kind.value
        return f"{self.loaded.name} · {kind} · {n:,} payloads · {human_size(self.loaded.size)}"


def _config_error(message: str) -> PayloadError:
    return PayloadError(ErrorKind.NO_STORAGE, Stage.RETRIEVE, None, message)


def _event_tree(doc: Document) -> EventTree | None:
    """A history's events grouped and its tree's rows (off the GUI thread, and with the
    collector paused for a big one: its allocations would set off full collections of the
    whole document's tree, holding the GIL the GUI thread needs)."""
    with collector.paused(len(doc.payloads) >= BIG_PAYLOAD_COUNT):
        history = read_history(doc)
        return EventTree.build(history) if history is not None else None
