"""A tab showing a run's history fetched from a Temporal server, filled as pages arrive.

Each page is added to the document and the tab re-shown (at most every ``SHOW_EVERY``
seconds, and once at the end), so a long history is readable before it is all there. The
fetch is a task of the window's runner: the status bar shows its progress and Esc cancels
it. ``refresh`` fetches the run again, so a running workflow shows its new events.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from inspector.documents import document_from_json
from inspector.live.connection import connect
from inspector.live.fetch import history_pages
from inspector.live.links import Link, related_runs

from .loading import LoadedDocument
from .payload_model import build_rows

if TYPE_CHECKING:
    from inspector.live.connection import Connection

    from .document_tab import DocumentTab
    from .tasks import Progress, TaskRunner

SHOW_EVERY = 0.25  # seconds between re-showing a tab that is still filling


def _loaded(events: list[dict[str, Any]], name: str) -> LoadedDocument:
    """The events so far as a parsed document (in a worker thread: a big one takes time)."""
    root = {"events": events}
    text = json.dumps(root, ensure_ascii=False).encode("utf-8")
    doc = document_from_json(root, name)
    return LoadedDocument(doc, name, None, hashlib.sha256(text).hexdigest(), len(text))


class LiveHistory(QObject):
    """One tab's run on a server: fetched into the tab, again on ``refresh``."""

    changed = Signal()  # a page arrived, or the fetch ended (``message`` says how)

    def __init__(
        self,
        runner: TaskRunner,
        tab: DocumentTab,
        connection: Connection,
        workflow_id: str,
        run_id: str | None = None,
        *,
        page_size: int = 0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.tab = tab
        self.connection = connection
        self.workflow_id = workflow_id
        self.run_id = run_id
        self.page_size = page_size
        self.pages = 0
        self.events = 0
        self.done = False
        self.message = ""

    @property
    def key(self) -> str:
        return f"live:{self.tab.key}"

    def start(self) -> asyncio.Task[None]:
        """Fetch the whole run into the tab (cancelling a fetch still under way)."""
        label = f"Fetching {self.workflow_id}"
        return self.runner.start(self.key, label, self._fetch)

    refresh = start

    async def _fetch(self, progress: Progress) -> None:
        self.done, self.pages, self.message = False, 0, "Connecting…"
        self.changed.emit()
        try:
            client, args = await connect(self.connection)
            events: list[dict[str, Any]] = []
            shown_at = 0.0
            async for page in history_pages(
                client, args, self.workflow_id, self.run_id, page_size=self.page_size
            ):
                events += page
                self.pages += 1
                self.events = len(events)
                self.message = f"{len(events)} events, page {self.pages}…"
                progress.update(len(events), 0, f"{self.workflow_id}: {self.message}")
                if time.monotonic() - shown_at >= SHOW_EVERY:
                    await self._show(events)
                    shown_at = time.monotonic()
                self.changed.emit()
            await self._show(events)
            self.message = f"{len(events)} events in {self.pages} page(s)"
        except asyncio.CancelledError:
            self.message = f"Cancelled after {self.events} events"
            raise
        except Exception as e:
            self.message = str(e)
            raise
        finally:
            self.done = True
            self.changed.emit()

    def links(self) -> list[Link]:
        """The runs this one points to (parent, previous and next run, children)."""
        loaded = self.tab.loaded
        if loaded is None or not self.done:
            return []
        return related_runs(loaded.doc.root.get("events", []), self.workflow_id)

    async def _show(self, events: list[dict[str, Any]]) -> None:
        loaded = await asyncio.to_thread(_loaded, list(events), self.tab.name)
        # The row the user is on stays selected as the tab fills or is refreshed.
        before, at = self.tab.loaded, self.tab.selected_index()
        pointer = before.doc.payloads[at].location.pointer if before and at is not None else None
        self.tab.show_loaded(loaded, build_rows(loaded.doc, None))
        if pointer is not None:
            self.tab.select_pointer(pointer)
