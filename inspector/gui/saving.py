"""Saving what a document tab shows: the document exported in its view.

An export is written atomically off the GUI thread, with the usual file permissions, so
there is never a half-written or owner-only export.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from inspector import atomic_write

from .document_run import export_text
from .document_tab import DocumentTab


def write_atomically(path: Path, text: str) -> None:
    """An export: the text plus a final newline, replaced atomically with the usual file
    permissions (``inspector.atomic_write``), so no half-written or owner-only exports."""
    atomic_write.write_text(path, text, "\n")


async def export_document(tab: DocumentTab, path: Path) -> int:
    """Write the tab's document in its current view, shape kept; returns how many payloads
    were left as they were (errors in this view)."""
    assert tab.loaded is not None
    outcomes = await tab.complete_outcomes()
    text, failed = await asyncio.to_thread(export_text, tab.loaded.doc, outcomes)
    await asyncio.to_thread(write_atomically, path, text)
    return failed
