"""The window's two ways to save what it shows: the document exported in its view, and the
audit screenshot.

Each is a flow of its own (a file dialog with a suggested name, the work, a line in the
status bar), apart from the window that only names them as handlers. An export is written
atomically off the GUI thread with the usual file permissions, so there is never a
half-written or owner-only export; a screenshot is taken once the dialog has gone.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog

from inspector import atomic_write, evidence
from inspector.views import View

from .audit import AuditCaption, ScreenshotError, render, save_png, utc_now
from .document_run import export_text
from .document_tab import DocumentTab
from .tasks import Progress

if TYPE_CHECKING:
    from .main_window import MainWindow

DIALOG_GONE_MS = 50  # lets the file dialog disappear before the window is grabbed


def write_atomically(path: Path, text: str) -> None:
    """An export: the text plus a final newline, replaced atomically with the usual file
    permissions (``inspector.atomic_write``), so no half-written or owner-only exports."""
    atomic_write.write_text(path, text, "\n")


# -- export ----------------------------------------------------------------------------
READABLE_FILTER = "Readable JSON, values for people (*.json)"
EXPORT_FILTERS = f"Proto JSON, as the codec server answers (*.json);;{READABLE_FILTER}"


async def export_document(tab: DocumentTab, path: Path, *, readable: bool = False) -> int:
    """Write the tab's document in its current view, shape kept (``readable``: as
    ``decode --readable`` prints it); returns how many payloads were left as they were."""
    assert tab.loaded is not None
    outcomes = await tab.complete_outcomes()
    redaction = tab.session.redaction
    text, failed = await asyncio.to_thread(
        export_text, tab.loaded.doc, outcomes, redaction, readable=readable, types=tab.types
    )
    await asyncio.to_thread(write_atomically, path, text)
    return failed


def export_dialog(window: MainWindow) -> None:
    """Ask where (``<name>.<view>.json`` beside the source), then export there."""
    tab = window.current_tab()
    if tab is None or tab.loaded is None:
        return
    stem = Path(tab.loaded.name).stem or "document"
    suggested = str((tab.path.parent if tab.path else Path.home()) / f"{stem}.{tab.view}.json")
    path, chosen = QFileDialog.getSaveFileName(window, "Export document", suggested, EXPORT_FILTERS)
    if path:
        window.export(tab, Path(path), readable=chosen == READABLE_FILTER)


def export(
    window: MainWindow, tab: DocumentTab, path: Path, *, readable: bool = False
) -> asyncio.Task[None]:
    """Write the document in the current view, same shape, atomically."""

    async def work(progress: Progress) -> None:
        if not tab.is_current:
            tab.run_view()
            await window.runner.wait_idle()
        failed = await export_document(tab, path, readable=readable)
        note = f" ({failed} left as they were: errors in this view)" if failed else ""
        window.statusBar().showMessage(f"Exported to {path}{note}", 8000)

    return window.runner.start("export", f"Exporting {path.name}", work)


# -- audit screenshot ------------------------------------------------------------------
def audit_caption(window: MainWindow) -> AuditCaption:
    """What the screenshot says: view, profile, source and its sha256, payload, time, and
    what redaction hid in the payload shown."""
    tab = window.current_tab()
    source, digest, location, left = "none", "—", "none", ""
    if tab is not None and tab.loaded is not None:
        source, digest = tab.loaded.name, tab.loaded.sha256
        row = tab.selected_row()
        if row is not None:
            location = f"{row.label} ({row.pointer or '/'})"
            if row.left_reason:
                location += f" — left encoded: {row.left_reason}"
        left = tab.left_encoded_summary()
    redaction = window.session.redaction
    entry = tab.detail.entry if tab is not None else None
    return AuditCaption(
        view=View(window.view).label,
        profile=window.choice.profile_label,
        source=source,
        sha256=digest,
        location=location,
        time_utc=utc_now(),
        left_encoded=left,
        redaction=redaction.caption(entry.redacted if entry else 0) if redaction else None,
    )


def save_screenshot(window: MainWindow, path: Path, caption: AuditCaption | None = None) -> Path:
    """Render the window as it is now, with the caption, to ``path`` (PNG)."""
    return save_png(render(window, caption or audit_caption(window)), path)


# -- evidence folder ---------------------------------------------------------------------
def save_evidence(window: MainWindow, directory: Path) -> Path:
    """The screenshot, the shown value, ``rules.json`` and ``manifest.json`` in ``directory``
    (``inspector.evidence``); ``EvidenceError`` or ``ScreenshotError`` when it cannot be."""
    tab = window.current_tab()
    entry = tab.detail.entry if tab is not None else None
    if tab is None or tab.loaded is None or entry is None or window.choice.profile is None:
        raise evidence.EvidenceError("select a payload of a document first")
    folder = evidence.prepare(directory)
    caption = audit_caption(window)
    save_screenshot(window, folder / evidence.PNG, caption)
    shot = evidence.Shot(
        source_name=tab.loaded.name,
        source_sha256=tab.loaded.sha256,
        view=window.view,
        profile=window.choice.profile.name,
        namespace=window.choice.namespace,
        pointer=entry.row.pointer,
        label=entry.row.label,
        time_utc=caption.time_utc,
    )
    evidence.write_bundle(folder, entry.displayed, entry.redacted, window.session.redaction, shot)
    return folder


def evidence_dialog(window: MainWindow) -> None:
    """Ask for a folder (one per piece of evidence), then save there."""
    path = QFileDialog.getExistingDirectory(window, "Save evidence into folder", str(Path.home()))
    if path:
        QTimer.singleShot(DIALOG_GONE_MS, lambda: _save_evidence_reporting(window, Path(path)))


def _save_evidence_reporting(window: MainWindow, path: Path) -> None:
    try:
        folder = save_evidence(window, path)
    except (ScreenshotError, evidence.EvidenceError) as e:
        window.statusBar().showMessage(f"Evidence not saved: {e}", 10_000)
        return
    window.statusBar().showMessage(f"Evidence saved in {folder}", 8000)


def screenshot_dialog(window: MainWindow) -> None:
    """Ask where (``<name>-<view>-<time>.png`` in the home folder), then save there."""
    tab = window.current_tab()
    stem = Path(tab.loaded.name).stem if tab and tab.loaded else "payload-inspector"
    stamp = utc_now().replace(":", "").replace("-", "")
    suggested = str(Path.home() / f"{stem}-{window.view}-{stamp}.png")
    path, _ = QFileDialog.getSaveFileName(window, "Save audit screenshot", suggested, "PNG (*.png)")
    if not path:
        return
    QTimer.singleShot(DIALOG_GONE_MS, lambda: _save_screenshot_reporting(window, Path(path)))


def _save_screenshot_reporting(window: MainWindow, path: Path) -> None:
    try:
        saved = window.save_screenshot(path)
    except ScreenshotError as e:
        window.statusBar().showMessage(f"Screenshot not saved: {e}", 10_000)
        return
    window.statusBar().showMessage(f"Audit screenshot saved to {saved}", 8000)
