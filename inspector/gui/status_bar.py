"""The window's status bar: what runs now (its label, progress and a Cancel button) or else
the current document's summary, and the codec server's address while it serves.

The window says when to update it (the task runner changed, the tab changed); this only
turns the running tasks' progress into what the bar shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

from .tasks import Progress


class WindowStatusBar(QStatusBar):
    """``label ……… [progress] [Cancel (Esc)] ● server URL``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setMaximumHeight(16)
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel (Esc)")
        self.server = QLabel()
        self.addWidget(self.label, 1)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.cancel_button)
        self.addPermanentWidget(self.server)
        self.progress.hide()
        self.cancel_button.hide()

    def show_tasks(self, active: Sequence[Progress], idle_text: str) -> None:
        """The newest running task (and how many more), or ``idle_text`` when none runs."""
        if not active:
            self.progress.hide()
            self.cancel_button.hide()
            self.label.setText(idle_text)
            return
        current = active[-1]
        more = f" (+{len(active) - 1} more)" if len(active) > 1 else ""
        if current.total:
            self.progress.setRange(0, current.total)
            self.progress.setValue(current.done)
            text = f"{current.label}… {current.done:,}/{current.total:,}{more}"
        else:
            self.progress.setRange(0, 0)
            text = f"{current.label}…{more}"
        self.label.setText(text)
        self.progress.show()
        self.cancel_button.show()

    def show_server(self, url: str | None) -> None:
        """The server's address while it runs (``None``: it does not)."""
        self.server.setText(f"● server {url}" if url else "")
