"""A Temporal Cloud history export opened in the app: each of its histories in its own tab.

An export file holds several runs; read as one document it would mix their events. Once
the file is parsed, its tab is replaced by one tab per history (``name [N]``), each a
history document like any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer

from inspector.documents.binary_history import split_export
from inspector.documents.model import DocumentKind

from .loading import LoadedDocument

if TYPE_CHECKING:
    from .document_tab import DocumentTab
    from .main_window import MainWindow


def split_exports(window: MainWindow, tab: DocumentTab) -> None:
    """If ``tab`` shows an export, open its histories as tabs and close it (after the
    signal that called this has returned)."""
    loaded = tab.loaded
    if loaded is None or loaded.doc.kind is not DocumentKind.EXPORT:
        return

    def split() -> None:
        index = window.tabs.indexOf(tab)
        if index < 0 or tab.loaded is not loaded:
            return
        for part in split_export(loaded.doc):
            window.open_loaded(
                LoadedDocument(part, part.source, loaded.path, loaded.sha256, loaded.size)
            )
        window.close_tab(window.tabs.indexOf(tab))

    QTimer.singleShot(0, split)
