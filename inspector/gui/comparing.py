"""The window's two ways to compare: two payloads selected in one document, or the current
document against a second one opened for it (two runs, staging against production).

Each side is what the app shows: the current view over the whole document, through the
current profile, redacted by the current rules; the comparison itself is
``inspector.diffing``'s, the same as ``payload-inspector diff``. The work runs on the task
runner (Esc cancels), and the result opens in a ``DiffWindow``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from inspector.diffing import ItemDiff, Side, compare_documents, compare_payloads
from inspector.documents import DocumentKind
from inspector.documents.redacted import redact_document
from inspector.views import View

from .diff_window import DiffWindow
from .document_run import pipeline_for, run_document_view
from .document_tab import DocumentTab
from .loading import parse_bytes, read_file
from .tasks import Progress

if TYPE_CHECKING:
    from .main_window import MainWindow


async def shown_side(tab: DocumentTab) -> Side:
    """The tab's document as it shows it: every payload in the current view, redacted."""
    assert tab.loaded is not None
    outcomes = await tab.complete_outcomes()
    replacements = {i: o.payload for i, o in outcomes.items() if o.payload is not None}
    shown, _ = redact_document(tab.loaded.doc, replacements, tab.session.redaction)
    return Side(tab.loaded.doc, shown)


def _context(window: MainWindow) -> str:
    redaction = window.session.redaction
    rules = f"redacted by {len(redaction.rules)} rule(s)" if redaction else "no redaction"
    return f"view: {View(window.view).label} · profile: {window.choice.profile_label} · {rules}"


def open_result(
    window: MainWindow, items: list[ItemDiff], title_a: str, title_b: str, *, runs: bool = False
) -> DiffWindow:
    dialog = DiffWindow(
        items,
        title_a=title_a,
        title_b=title_b,
        context=_context(window),
        runs=runs,
        parent=window,
    )
    window.diff_windows.append(dialog)
    dialog.finished.connect(lambda _r: window.diff_windows.remove(dialog))
    dialog.show()
    return dialog


def compare_selected(window: MainWindow) -> asyncio.Task[None] | None:
    """The two payloads selected in the current document (Ctrl+click the second one)."""
    tab = window.current_tab()
    if tab is None or tab.loaded is None:
        return None
    selected = tab.inspector_page.selected_indexes()
    if len(selected) != 2:
        window.statusBar().showMessage(
            "Select two payloads to compare (Ctrl+click the second one).", 8000
        )
        return None
    first, second = selected
    doc = tab.loaded.doc

    async def work(progress: Progress) -> None:
        side = await shown_side(tab)
        items = await asyncio.to_thread(compare_payloads, side, first, side, second)
        label = doc.payloads
        open_result(window, items, label[first].location.label, label[second].location.label)

    return window.runner.start("compare", "Comparing payloads", work)


def compare_dialog(window: MainWindow) -> None:
    """Ask for the second document, then compare the current one against it."""
    tab = window.current_tab()
    if tab is None or tab.loaded is None:
        return
    start = str(tab.path.parent) if tab.path else str(Path.home())
    path, _ = QFileDialog.getOpenFileName(
        window, "Compare with document", start, "JSON documents (*.json);;All files (*)"
    )
    if path:
        compare_with(window, Path(path))


def compare_with(window: MainWindow, path: Path) -> asyncio.Task[None] | None:
    """The current document (A) against the one at ``path`` (B), in the current view."""
    tab = window.current_tab()
    if tab is None or tab.loaded is None:
        return None
    loaded_a = tab.loaded

    async def work(progress: Progress) -> None:
        data = await read_file(path)
        other = await asyncio.to_thread(parse_bytes, data, path.name, path)
        side_a = await shown_side(tab)
        pipeline = pipeline_for(window.view, tab.choice)
        outcomes = await run_document_view(other.doc, pipeline, window.view, progress)
        replacements = {i: o.payload for i, o in outcomes.items() if o.payload is not None}
        shown, _ = redact_document(other.doc, replacements, window.session.redaction)
        items = await asyncio.to_thread(compare_documents, side_a, Side(other.doc, shown))
        runs = loaded_a.doc.kind is DocumentKind.HISTORY and other.doc.kind is DocumentKind.HISTORY
        open_result(window, items, loaded_a.name, other.name, runs=runs)

    return window.runner.start("compare", f"Comparing with {path.name}", work)
