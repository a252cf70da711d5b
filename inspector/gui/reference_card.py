"""The card shown for a storage reference: driver, claim, size, hash, and Download.

Download is opt-in and fetches only this payload (as the Web UI's Download button does):
the tab calls ``pipeline.download([payload])`` and reports back through ``set_state``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector.references import Reference

from .code_view import monospace_font
from .payload_view import human_size
from .wrap_label import WrapLabel


class ReferenceCard(QFrame):
    """Shows one reference; emits ``download_requested`` / ``cancel_requested``."""

    download_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("referenceCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 10)
        outer.setSpacing(6)
        self.title = QLabel("<b>Storage reference</b>")
        outer.addWidget(self.title)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.hide()
        outer.addWidget(self.note)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setHorizontalSpacing(12)
        self.form.setVerticalSpacing(3)
        outer.addLayout(self.form)
        row = QHBoxLayout()
        self.download_button = QPushButton("Download")
        self.download_button.setToolTip(
            "Fetch this payload's content from its storage (only this one)"
        )
        self.cancel_button = QPushButton("Cancel")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.download_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.progress, 1)
        row.addWidget(self.status, 3)
        outer.addLayout(row)
        self.download_button.clicked.connect(self.download_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.set_state("idle")

    def _value_label(self, text: str, mono: bool = True) -> WrapLabel:
        """Claim values and hashes wrap anywhere: an audit screenshot shows them whole."""
        return WrapLabel(text, font=monospace_font() if mono else None)

    def show_reference(self, ref: Reference | None, *, marked: bool, stored: int | None) -> None:
        """Fill the card; ``ref`` None means a codec-encoded claim this view cannot read."""
        while self.form.rowCount():
            self.form.removeRow(0)
        if marked:
            self.title.setText("<b>Storage reference</b> · codec-encoded (marked)")
        else:
            self.title.setText("<b>Storage reference</b>")
        if ref is None:
            self.note.setText(
                "The claim is codec-encoded here; the References preserved view shows it "
                "decoded. Download still works: the pipeline decodes the reference first."
            )
            self.note.show()
            self.form.addRow("Stored size:", self._value_label(_size(stored), mono=False))
            return
        self.note.hide()
        self.form.addRow("Driver:", self._value_label(ref.driver_name))
        for key, value in sorted(ref.claim.items()):
            if key in ("hash_algorithm", "hash_value"):
                continue
            self.form.addRow(f"Claim {key}:", self._value_label(value))
        size = ref.stored_size if ref.stored_size is not None else stored
        self.form.addRow("Stored size:", self._value_label(_size(size), mono=False))
        algorithm = ref.claim.get("hash_algorithm")
        digest = ref.claim.get("hash_value")
        if digest:
            self.form.addRow("Hash:", self._value_label(f"{algorithm or '?'}:{digest}"))
        else:
            self.form.addRow("Hash:", self._value_label("none in the claim", mono=False))

    def set_state(self, state: str, message: str = "") -> None:
        """``idle`` | ``running`` | ``done`` | ``failed`` | ``unavailable``."""
        running = state == "running"
        self.download_button.setVisible(not running)
        self.download_button.setEnabled(state != "unavailable")
        self.download_button.setText("Download again" if state == "done" else "Download")
        self.cancel_button.setVisible(running)
        self.progress.setVisible(running)
        self.status.setText(message or ("Downloading…" if running else ""))
        self.status.setProperty("state", state)
        color = {"failed": "#c62828", "done": "#2e7d32"}.get(state)
        self.status.setStyleSheet(f"color: {color};" if color else "")


def _size(n: int | None) -> str:
    return f"{human_size(n)} ({n:,} bytes)" if n is not None else "not stated"
