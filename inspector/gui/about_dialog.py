"""About: the icon, what the app is, and the versions that matter when reporting a bug."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QSize, Qt, qVersion
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from inspector import __version__

from .resources import app_icon


def about_versions() -> list[tuple[str, str]]:
    """(name, version): the app, temporalio, Qt, PySide6, Python."""
    try:
        temporalio_version = version("temporalio")
    except PackageNotFoundError:
        temporalio_version = "unknown"
    return [
        ("Payload Inspector", __version__),
        ("temporalio", temporalio_version),
        ("Qt", qVersion()),
        ("PySide6", pyside_version),
        ("Python", platform.python_version()),
    ]


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Payload Inspector")
        self.setWindowIcon(app_icon())
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(QSize(96, 96)))
        head.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        title = QLabel(f"<h2>Payload Inspector {__version__}</h2>")
        blurb = QLabel(
            "Reads Temporal payloads — decoded, with storage references preserved, downloaded "
            "or raw — through the same pipeline as its codec server."
        )
        blurb.setWordWrap(True)
        text.addWidget(title)
        text.addWidget(blurb)
        form = QFormLayout()
        self.versions = about_versions()
        for name, value in self.versions:
            label = QLabel(value)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(f"{name}:", label)
        text.addLayout(form)
        head.addLayout(text, 1)
        layout.addLayout(head)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)
