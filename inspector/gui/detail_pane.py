"""The selected payload in detail: value (highlighted JSON), tree, hex, metadata, proto JSON,
its layers, the error it ran into (stage, codec/driver, cause, diagnosis), and a card when it
is a reference.

Big payloads are rendered on a worker thread and open folded; beyond a few MiB the text is
cut until "Show all", so selecting a 50 MiB payload never freezes the window.
"""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass
from functools import cached_property

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from temporalio.api.common.v1 import Payload

from inspector.diagnosis import Explanation
from inspector.documents import ReadableValue, read_value
from inspector.documents.redacted import redact_payload
from inspector.outcomes import Outcome, PayloadError
from inspector.protobufs import MessageTypes
from inspector.redaction import NO_REDACTION, Redaction
from inspector.references import (
    ReferenceFormatError,
    is_marked,
    is_plain_reference,
    is_reference,
    parse_reference,
    stored_size,
)
from inspector.views import VIEWS, View

from .code_view import CodeView, monospace_font
from .elided_label import ElidedLabel
from .failure_card import FailureCard, ShownFailure
from .layers_view import LayersView
from .payload_model import PayloadRow
from .payload_view import (
    FOLD_BYTES,
    HEX_PAGE,
    SHOW_ALL_BYTES,
    cut_text,
    encoding_of,
    folded_json,
    hex_dump,
    human_size,
    metadata_rows,
    payload_json_text,
    value_text,
)
from .reference_card import ReferenceCard
from .tasks import Progress, TaskRunner
from .tree_view import JsonTreeView
from .wrap_label import WrapLabel

INLINE_RENDER_BYTES = 128 * 1024  # smaller payloads render at once, bigger ones on a thread
HEX_ALL_LIMIT = 2 * 1024 * 1024  # hex text is ~4x the bytes: beyond this, Export


@dataclass(frozen=True)
class DetailEntry:
    """What the pane shows: one payload in one view, plus any download of it."""

    row: PayloadRow
    view: str
    raw: Payload
    shown: Payload | None
    error: PayloadError | None
    download: Outcome | None = None
    download_running: bool = False
    redaction: Redaction = NO_REDACTION
    types: MessageTypes | None = None  # the profile's protobuf messages (None: Temporal's)

    @property
    def source(self) -> Payload:
        """The payload whose content the tabs show, before redaction."""
        if self.download is not None and self.download.payload is not None:
            return self.download.payload
        return self.shown if self.shown is not None else self.raw

    @cached_property
    def _redacted(self) -> tuple[Payload, int]:
        return redact_payload(self.source, self.redaction)

    @property
    def displayed(self) -> Payload:
        """What the tabs show: ``source`` with the redaction rules applied (may be slow for a
        big payload: ``render_payload`` asks on a worker thread)."""
        return self._redacted[0]

    @property
    def redacted(self) -> int:
        """How many values the rules replaced in ``displayed``."""
        return self._redacted[1]


@dataclass(frozen=True)
class Rendered:
    """Texts for the tabs, made off the GUI thread for big payloads."""

    value: ReadableValue
    value_text: str
    value_note: str
    can_unfold: bool
    can_show_all: bool
    hex_text: str
    hex_note: str
    hex_more: bool
    meta: list[tuple[str, str]]
    proto_text: str
    proto_note: str
    proto_more: bool


def render_payload(
    payload: Payload,
    *,
    unfolded: bool,
    show_all: bool,
    hex_all: bool,
    types: MessageTypes | None = None,
) -> Rendered:
    """Everything the tabs need for ``payload`` (pure; safe on a worker thread)."""
    view = read_value(payload, types)
    can_unfold = can_show_all = False
    note = view.note
    if view.kind == "json" and view.size > FOLD_BYTES and not unfolded:
        text = folded_json(view.value)
        note = (
            f"{view.note} Large value ({human_size(view.size)}) shown folded: nested values "
            "are summarised. The Tree tab opens every level."
        ).lstrip()
        can_unfold = True
    elif view.kind == "binary":
        text = value_text(view)
        note = (
            f"Binary data ({human_size(view.size)}) shown as base64; the Hex tab shows the bytes."
        )
    elif view.kind == "empty":
        text, note = "", "This payload has no data."
    else:
        text = value_text(view)
    if not show_all:
        text, cut = cut_text(text, SHOW_ALL_BYTES)
        if cut:
            note = f"Showing the first {human_size(len(text))} of a larger value."
            can_show_all = True
    data = bytes(payload.data)
    hex_limit = HEX_ALL_LIMIT if hex_all else HEX_PAGE
    hex_text = hex_dump(data, hex_limit)
    hex_more = len(data) > hex_limit and not hex_all
    hex_note = ""
    if len(data) > hex_limit:
        hex_note = f"Showing the first {human_size(hex_limit)} of {human_size(len(data))}."
    proto = payload_json_text(payload)
    proto_text, proto_more = (proto, False) if show_all else cut_text(proto, SHOW_ALL_BYTES)
    proto_note = (
        f"Showing the first {human_size(len(proto_text))} of {human_size(len(proto))}."
        if proto_more
        else ""
    )
    return Rendered(
        view,
        text,
        note,
        can_unfold,
        can_show_all,
        hex_text,
        hex_note,
        hex_more,
        metadata_rows(payload),
        proto_text,
        proto_note,
        proto_more,
    )


class ErrorBanner(QFrame):
    """A payload's failure: which stage, which codec or driver, and why."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.setStyleSheet(
            "#errorBanner { border: 1px solid #d93025; border-radius: 6px;"
            " background: rgba(217, 48, 37, 0.10); }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.title = QLabel("<b>This payload could not be shown in this view</b>")
        layout.addWidget(self.title)
        form = QFormLayout()
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(2)
        self.stage = QLabel()
        self.component = QLabel()
        self.cause = WrapLabel()
        for label in (self.stage, self.component):
            label.setWordWrap(True)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Stage:", self.stage)
        form.addRow("Codec / driver:", self.component)
        form.addRow("Cause:", self.cause)
        self.diagnosis = WrapLabel()
        form.addRow("Diagnosis:", self.diagnosis)
        self._form = form
        layout.addLayout(form)
        self.hint = QLabel(
            "The rest of the document is unaffected. Below: the payload as the document has it."
        )
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)

    def show_error(self, error: PayloadError, title: str | None = None) -> None:
        self.title.setText(f"<b>{title or 'This payload could not be shown in this view'}</b>")
        self.stage.setText(error.stage.value)
        self.component.setText(error.component or "—")
        self.cause.set_text(error.message)
        self.set_diagnosis(None)
        self.show()

    def set_diagnosis(self, line: str | None) -> None:
        """The one-line diagnosis of this failure, once the tries behind it are done."""
        self.diagnosis.set_text(line or "")
        self._form.setRowVisible(self.diagnosis, bool(line))

    def text(self) -> str:
        return f"{self.stage.text()} | {self.component.text()} | {self.cause.text()}"


class CardArea(QScrollArea):
    """The error and reference cards, scrolled when the pane is short: wrapped keys and
    causes grow tall at narrow widths, and without this they raised the window's minimum
    height until the window grew by itself."""

    def __init__(self, *cards: QWidget) -> None:
        super().__init__()
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        for card in cards:
            column.addWidget(card)
        self.setWidget(inner)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._hinted = -1  # the content height the layout was last told about
        inner.installEventFilter(self)

    def sizeHint(self) -> QSize:
        inner = self.widget()
        return QSize(super().sizeHint().width(), inner.sizeHint().height() if inner else 0)

    def minimumSizeHint(self) -> QSize:
        inner = self.widget()
        wanted = inner.sizeHint().height() if inner else 0
        return QSize(0, min(wanted, self.fontMetrics().height() * 4))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest and watched is self.widget():
            # A card appeared, vanished or re-wrapped. Told later, and only of a new height:
            # telling the layout at once resizes the content, which asks again, forever.
            QTimer.singleShot(0, self._content_changed)
        return super().eventFilter(watched, event)

    def _content_changed(self) -> None:
        inner = self.widget()
        height = inner.sizeHint().height() if inner is not None else 0
        if height != self._hinted:
            self._hinted = height
            self.updateGeometry()


class DetailPane(QWidget):
    """The right-hand side of a document tab."""

    download_requested = Signal(int)  # payload index
    download_cancel_requested = Signal(int)
    layers_requested = Signal(int)  # payload index: its layers (and diagnosis) are wanted

    def __init__(self, runner: TaskRunner, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._key = f"{key}:detail"
        self.entry: DetailEntry | None = None
        self._unfolded = False
        self._show_all = False
        self._hex_all = False
        self.rendered: Rendered | None = None
        self._summary = ""  # the header's summary line, before the redaction count

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.setSpacing(6)
        header = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(1)
        self.title = QLabel("No payload selected")
        self.title.setObjectName("detailTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pointer = ElidedLabel()
        self.pointer.setFont(monospace_font())
        self.pointer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        for label in (self.title, self.pointer, self.summary):
            # long pointers and labels are clipped rather than widening the whole pane
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            titles.addWidget(label)
        header.addLayout(titles, 1)
        self.copy_value_button = QPushButton("Copy value")
        self.copy_path_button = QPushButton("Copy path")
        header.addWidget(self.copy_value_button, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self.copy_path_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(header)

        self.error_banner = ErrorBanner()
        self.error_banner.hide()
        self.card = ReferenceCard()
        self.card.hide()
        self.card.download_requested.connect(self._download_clicked)
        self.card.cancel_requested.connect(self._cancel_clicked)
        self.showing = QLabel()
        self.showing.setObjectName("showingLabel")
        self.showing.setWordWrap(True)
        self.failure_card = FailureCard()
        self.failure_card.hide()
        layout.addWidget(CardArea(self.failure_card, self.error_banner, self.card, self.showing))
        self.event_shown: tuple[str, str] | None = None  # an event's pointer and JSON text
        self.highlight_words: list[str] = []  # the search's words, marked in the value

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.value_view = CodeView(tools=True)
        self.tree_view = JsonTreeView()
        self.hex_view = CodeView()
        self.metadata_table = QTableWidget(0, 2)
        self.metadata_table.setHorizontalHeaderLabels(["Key", "Value"])
        self.metadata_table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Stretch
        )
        self.metadata_table.verticalHeader().hide()
        self.metadata_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.proto_view = CodeView()
        self.layers_view = LayersView()
        self.tabs.addTab(self.value_view, "Value")
        self.tabs.addTab(self.tree_view, "Tree")
        self.tabs.addTab(self.hex_view, "Hex")
        self.tabs.addTab(self.metadata_table, "Metadata")
        self.tabs.addTab(self.proto_view, "Proto JSON")
        self.tabs.addTab(self.layers_view, "Layers")
        self.tabs.currentChanged.connect(lambda _i: self._request_layers())
        layout.addWidget(self.tabs, 1)
        self.clear()

    # -- public ------------------------------------------------------------------------
    def clear(self, message: str = "Select a payload in the list.") -> None:
        self._runner.cancel(self._key)
        self.entry = None
        self.event_shown = None
        self.rendered = None
        self.failure_card.hide()
        self.title.setText("No payload selected")
        self.pointer.set_full_text("")
        self.summary.setText(message)
        self.error_banner.hide()
        self.card.hide()
        self.showing.hide()
        self.copy_value_button.setEnabled(False)
        self.copy_path_button.setEnabled(False)
        self.value_view.set_text("")
        self.tree_view.clear()
        self.hex_view.set_text("")
        self.metadata_table.setRowCount(0)
        self.proto_view.set_text("")
        self.layers_view.show_message(
            "Select a payload to see the steps the pipeline took with it."
        )

    def show_entry(self, entry: DetailEntry) -> None:
        """Show a payload; re-showing the same payload keeps fold / show-all choices."""
        same = self.entry is not None and self.entry.row.index == entry.row.index
        if not same:
            self._unfolded = self._show_all = self._hex_all = False
        self.entry = entry
        self.event_shown = None
        row = entry.row
        self.title.setText(row.label or row.field)
        self.pointer.set_full_text(row.pointer or "/")
        self.pointer.setToolTip(f"{row.pointer or '/'}\nJSON pointer of this payload (Copy path)")
        self.copy_value_button.setEnabled(True)
        self.copy_path_button.setEnabled(True)
        self._show_header(entry)
        self._show_card(entry)
        self._render(entry)
        if not same:
            self.layers_view.show_message("Tracing the pipeline's steps…")
        self._request_layers()

    def show_explanation(self, index: int, explanation: Explanation) -> None:
        """The traced layers of payload ``index`` and its diagnosis, if it is still shown."""
        if self.entry is None or self.entry.row.index != index:
            return
        self.layers_view.show_explanation(explanation)
        if self.entry.error is not None:
            self.error_banner.set_diagnosis(explanation.diagnosis)

    def show_layers_message(self, index: int, text: str) -> None:
        if self.entry is not None and self.entry.row.index == index:
            self.layers_view.show_message(text)

    def _request_layers(self) -> None:
        """Layers are traced when their tab is open, or to diagnose a payload that failed."""
        entry = self.entry
        if entry is None:
            return
        if not entry.row.transform:
            self.layers_view.show_message(
                "A search attribute is never codec-encoded: the pipeline takes no steps with it."
            )
            return
        if self.tabs.currentWidget() is self.layers_view or entry.error is not None:
            self.layers_requested.emit(entry.row.index)

    def show_event(self, title: str, pointer: str, text: str, summary: str) -> None:
        """An event itself (what is not a payload): its JSON as the history has it."""
        self._runner.cancel(self._key)
        self.entry, self.rendered = None, None
        self.event_shown = (pointer, text)
        self.title.setText(title)
        self.pointer.set_full_text(pointer)
        self.pointer.setToolTip(f"{pointer}\nJSON pointer of this event (Copy path)")
        self.summary.setText(summary)
        self.error_banner.hide()
        self.card.hide()
        self.showing.setText("Showing: the event as the history has it; its payloads are its rows")
        self.showing.show()
        self.copy_value_button.setEnabled(True)
        self.copy_path_button.setEnabled(True)
        self.value_view.set_text(text, json=True)
        self.tree_view.clear_message("Select one of the event's payloads to see its tree.")
        self.hex_view.set_text("")
        self.metadata_table.setRowCount(0)
        self.proto_view.set_text(text, json=True)

    def set_highlights(self, words: list[str]) -> None:
        """Mark a search's words in the shown value (and in every value shown after)."""
        self.highlight_words = words
        self.value_view.highlight(words)

    def show_failure(self, chain: list[ShownFailure]) -> None:
        """The failure of the shown payload's (or event's) event; an empty chain hides it."""
        self.failure_card.show_failure(chain)

    def current_value_text(self) -> str:
        """The whole value as text (not the folded or cut display)."""
        if self.entry is None:
            return self.event_shown[1] if self.event_shown is not None else ""
        return value_text(read_value(self.entry.displayed, self.entry.types))

    def current_pointer(self) -> str:
        if self.entry is None:
            return self.event_shown[0] if self.event_shown is not None else ""
        return self.entry.row.pointer

    # -- parts -------------------------------------------------------------------------
    def _show_header(self, entry: DetailEntry) -> None:
        raw, shown = entry.raw, entry.shown
        parts = [f"View: {View(entry.view).label if entry.view in VIEWS else entry.view}"]
        if shown is not None and entry.error is None:
            before, after = encoding_of(raw), encoding_of(shown)
            parts.append(before if before == after else f"{before} → {after}")
            size_before, size_after = human_size(raw.ByteSize()), human_size(shown.ByteSize())
            parts.append(size_before if raw == shown else f"{size_before} → {size_after}")
        else:
            parts.append(encoding_of(raw))
            parts.append(human_size(raw.ByteSize()))
        if not entry.row.transform:
            parts.append("search attribute (never codec-encoded)")
        self._summary = " · ".join(parts)
        self.summary.setText(self._summary)
        if entry.error is not None:
            self.error_banner.show_error(entry.error)
        elif entry.download is not None and entry.download.error is not None:
            self.error_banner.show_error(entry.download.error, "The download failed")
        else:
            self.error_banner.hide()
        if entry.row.left_reason and entry.error is None:
            reason = html.escape(entry.row.left_reason)
            self.showing.setText(
                f"<span style='color:#b45309'><b>Left encoded</b>: {reason} — the view did not "
                "decode it; the value below is still in that encoding.</span>"
            )
        elif entry.download is not None and entry.download.payload is not None:
            self.showing.setText("Showing: the content downloaded for this reference")
        elif entry.error is not None:
            self.showing.setText("Showing: the payload as the document has it")
        elif is_reference(raw) and entry.view in ("decoded", "download"):
            self.showing.setText("Showing: the content retrieved for this reference")
        else:
            self.showing.setText("")
        self.showing.setVisible(bool(self.showing.text()))

    def _show_card(self, entry: DetailEntry) -> None:
        payload = entry.shown if entry.shown is not None else entry.raw
        if not is_reference(payload):
            self.card.hide()
            return
        ref = None
        if is_plain_reference(payload):
            try:
                ref = parse_reference(payload)
            except ReferenceFormatError:
                ref = None
        self.card.show_reference(ref, marked=is_marked(payload), stored=stored_size(payload))
        if entry.download_running:
            self.card.set_state("running")
        elif entry.download is not None and entry.download.payload is not None:
            size = human_size(entry.download.payload.ByteSize())
            self.card.set_state("done", f"Downloaded {size}")
        elif entry.download is not None and entry.download.error is not None:
            self.card.set_state("failed", entry.download.error.describe())
        else:
            self.card.set_state("idle")
        self.card.show()

    def _download_clicked(self) -> None:
        if self.entry is not None:
            self.download_requested.emit(self.entry.row.index)

    def _cancel_clicked(self) -> None:
        if self.entry is not None:
            self.download_cancel_requested.emit(self.entry.row.index)

    def _render(self, entry: DetailEntry) -> None:
        options = {"unfolded": self._unfolded, "show_all": self._show_all, "hex_all": self._hex_all}
        if entry.source.ByteSize() <= INLINE_RENDER_BYTES:
            self._runner.cancel(self._key)
            self._apply(render_payload(entry.displayed, types=entry.types, **options), entry)
            return
        self.value_view.set_text("Rendering…")

        async def work(progress: Progress) -> None:
            rendered = await asyncio.to_thread(
                lambda: render_payload(entry.displayed, types=entry.types, **options)
            )
            if self.entry is entry:
                self._apply(rendered, entry)

        self._runner.start(self._key, "Rendering payload", work)

    def _apply(self, r: Rendered, entry: DetailEntry) -> None:
        self.rendered = r
        if entry.redaction:
            count = entry.redacted
            self.summary.setText(
                f"{self._summary} · {count} value{'' if count == 1 else 's'} redacted"
            )
        self.value_view.set_text(
            r.value_text,
            json=r.value.is_json,
            note=r.value_note,
            on_unfold=self._unfold if r.can_unfold else None,
            on_show_all=self._show_everything if r.can_show_all else None,
        )
        self.value_view.highlight(self.highlight_words)
        if r.value.is_json:
            self.tree_view.set_value(r.value.value)
        else:
            self.tree_view.clear_message(f"Not JSON ({r.value.kind}); see Value and Hex.")
        self.hex_view.set_text(
            r.hex_text or "(no data)",
            note=r.hex_note,
            on_show_all=self._hex_everything if r.hex_more else None,
        )
        self.metadata_table.setRowCount(len(r.meta))
        for i, (key, value) in enumerate(r.meta):
            self.metadata_table.setItem(i, 0, QTableWidgetItem(key))
            item = QTableWidgetItem(value)
            item.setFont(monospace_font())
            self.metadata_table.setItem(i, 1, item)
        self.metadata_table.resizeColumnToContents(0)
        self.proto_view.set_text(
            r.proto_text,
            json=True,
            note=r.proto_note,
            on_show_all=self._show_everything if r.proto_more else None,
        )

    def _unfold(self) -> None:
        self._unfolded = True
        if self.entry is not None:
            self._render(self.entry)

    def _show_everything(self) -> None:
        self._unfolded = self._show_all = True
        if self.entry is not None:
            self._render(self.entry)

    def _hex_everything(self) -> None:
        self._hex_all = True
        if self.entry is not None:
            self._render(self.entry)
