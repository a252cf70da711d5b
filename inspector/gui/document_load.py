"""Opening a document in a tab: the "Reading…" page and the load task behind it.

A load reads the bytes (a file, or text already in hand), parses them off the GUI thread
(``loading.parse_owned``) and builds the payload list's rows, while this page shows with a
Cancel button. How it ended is a signal, so the tab alone decides which page follows:
``loaded``, ``failed`` (with the text to put back in the editor) or ``cancelled``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from inspector.documents import Document
from inspector.outcomes import Outcome

from . import collector
from .document_run import BIG_PAYLOAD_COUNT
from .loading import BadDocument, ReadError, parse_owned
from .payload_model import PayloadRow, build_rows
from .tasks import Progress, TaskRunner

EDITABLE_LIMIT = 16 * 1024 * 1024  # larger broken files are not put into the editor

Read = Callable[[], Awaitable[bytes]]


async def build_rows_in_thread(
    doc: Document,
    outcomes: Mapping[int, Outcome] | None,
    view: str = "raw",
    profile: str = "",
) -> list[PayloadRow]:
    """``build_rows`` off the GUI thread, with collection paused for a big document."""
    return await asyncio.to_thread(_rows_paused, doc, outcomes, view, profile)


def _rows_paused(
    doc: Document, outcomes: Mapping[int, Outcome] | None, view: str, profile: str
) -> list[PayloadRow]:
    with collector.paused(len(doc.payloads) >= BIG_PAYLOAD_COUNT):
        return build_rows(doc, outcomes, view=view, profile=profile)


def bytes_in_hand(data: bytes) -> Read:
    """A read that has nothing to wait for (pasted or edited text)."""

    async def read() -> bytes:
        return data

    return read


class LoadingPage(QWidget):
    """What a tab shows while its document is read and parsed."""

    loaded = Signal(object, object)  # LoadedDocument, list[PayloadRow]
    failed = Signal(object, object)  # DocumentError or message, text for the editor or None
    cancelled = Signal(object)  # the text to keep in the editor, or None

    def __init__(self, runner: TaskRunner, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.task_key = f"{key}:load"
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.label = QLabel("Reading…")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        bar = QProgressBar()
        bar.setRange(0, 0)
        bar.setMaximumWidth(360)
        cancel = QPushButton("Cancel (Esc)")
        cancel.clicked.connect(lambda: self.runner.cancel(self.task_key))
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(bar)
        row.addWidget(cancel)
        row.addStretch(1)
        layout.addWidget(self.label)
        layout.addLayout(row)
        layout.addStretch(1)

    def start(
        self, read: Read, name: str, path: Path | None, label: str, keep_text: str | None
    ) -> None:
        """Read, parse and build the rows in the background; ``keep_text`` is the text the
        editor gets back if it does not parse (else the document's own, when small)."""
        self.label.setText(label)

        async def work(progress: Progress) -> None:
            try:
                # The bytes are handed over: parse_owned lets them go once they are text.
                box = [await read()]
                progress.update(0, 0, f"Parsing {name}")
                loaded = await asyncio.to_thread(parse_owned, box, name, path, EDITABLE_LIMIT)
                rows = await build_rows_in_thread(loaded.doc, None)
            except ReadError as e:
                self.failed.emit(str(e), None)
                return
            except BadDocument as e:
                text = keep_text
                if text is None and e.data is not None and not e.error.binary:
                    text = e.data.decode("utf-8", "replace")
                self.failed.emit(e.error, text)
                return
            except asyncio.CancelledError:
                self.cancelled.emit(keep_text)
                raise
            self.loaded.emit(loaded, rows)

        self.runner.start(self.task_key, label.rstrip("…"), work)
