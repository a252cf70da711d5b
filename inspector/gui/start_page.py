"""What an empty window shows: paste box, Open, the samples, recent files, drop hint."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QCommandLinkButton,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector import __version__

from .resources import Sample, app_icon, samples
from .source_editor import SourceEditor

MAX_WIDTH = 1120


class StartPage(QWidget):
    """Every way in, one click each."""

    open_requested = Signal()
    path_requested = Signal(str)
    sample_requested = Signal(object)  # Sample
    text_submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startPage")
        outer = QHBoxLayout(self)
        outer.setContentsMargins(24, 24, 24, 18)
        body = QWidget()
        body.setMaximumWidth(MAX_WIDTH)
        outer.addWidget(body)
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(14)

        head = QHBoxLayout()
        head.setSpacing(16)
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(QSize(72, 72)))
        head.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        titles = QVBoxLayout()
        titles.setSpacing(4)
        title = QLabel("Payload Inspector")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.9)
        font.setBold(True)
        title.setFont(font)
        subtitle = QLabel(
            "Read what a Temporal workflow really carried — decoded, with storage references "
            "preserved, downloaded, or raw — through the same pipeline as the codec server."
        )
        subtitle.setWordWrap(True)
        titles.addWidget(title)
        titles.addWidget(subtitle)
        head.addLayout(titles, 1)
        column.addLayout(head)

        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open file…   Ctrl+O")
        self.open_button.setToolTip("Open one or more documents")
        self.open_button.clicked.connect(self.open_requested)
        self.samples = samples()
        self.sample_button = QPushButton("Open sample")
        self.sample_button.setToolTip("Open the sample workflow history")
        self.sample_button.setDefault(True)
        default = self.default_sample()
        if default is not None:
            self.sample_button.clicked.connect(lambda: self.sample_requested.emit(default))
        else:
            self.sample_button.setEnabled(False)
        for button in (self.open_button, self.sample_button):
            button.setMinimumHeight(34)
            button.setMinimumWidth(170)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.sample_button)
        buttons.addStretch(1)
        hint = QLabel("…or drop files anywhere in the window, or press Ctrl+V to paste.")
        hint.setObjectName("dropHint")
        hint.setEnabled(False)
        buttons.addWidget(hint)
        column.addLayout(buttons)

        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(6)
        grid.addWidget(QLabel("<b>Paste a document</b>"), 0, 0)
        self.paste = SourceEditor()
        paste_layout = self.paste.layout()
        if paste_layout is not None:
            paste_layout.setContentsMargins(0, 0, 0, 0)
        self.paste.hint.setText("Payloads, one Payload, a list, or a history export.")
        self.paste.edit.setMinimumHeight(180)
        self.paste.submitted.connect(self._submit)
        grid.addWidget(self.paste, 1, 0, 3, 1)

        grid.addWidget(QLabel("<b>Samples</b>"), 0, 1)
        sample_box = QVBoxLayout()
        sample_box.setSpacing(2)
        self.sample_links: list[QCommandLinkButton] = []
        for sample in self.samples:
            link = QCommandLinkButton(sample.title, sample.description)
            link.setToolTip(f"Open {sample.path.name}")
            link.clicked.connect(lambda _=False, s=sample: self.sample_requested.emit(s))
            sample_box.addWidget(link)
            self.sample_links.append(link)
        grid.addLayout(sample_box, 1, 1)

        grid.addWidget(QLabel("<b>Recent files</b>"), 2, 1)
        recent_box = QVBoxLayout()
        self.recent = QListWidget()
        self.recent.setFrameShape(QFrame.Shape.StyledPanel)
        self.recent.itemActivated.connect(self._recent_activated)
        self.no_recent = QLabel("No recent files yet.")
        self.no_recent.setObjectName("noRecent")
        self.no_recent.setEnabled(False)
        self.no_recent.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        recent_box.addWidget(self.recent)
        recent_box.addWidget(self.no_recent, 1)
        grid.addLayout(recent_box, 3, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setRowStretch(3, 1)
        column.addLayout(grid, 1)

        version = QLabel(f"Payload Inspector {__version__}")
        version.setAlignment(Qt.AlignmentFlag.AlignRight)
        version.setEnabled(False)
        column.addWidget(version)

    def default_sample(self) -> Sample | None:
        """The one-click sample: the workflow history (the richest that needs no config)."""
        for sample in self.samples:
            if sample.path.name == "history.json":
                return sample
        return self.samples[0] if self.samples else None

    def _submit(self, text: str) -> None:
        if text.strip():
            self.text_submitted.emit(text)

    def set_recent(self, files: list[str]) -> None:
        self.recent.clear()
        for path in files:
            item = QListWidgetItem(f"{Path(path).name}   —   {Path(path).parent}")
            item.setData(Qt.ItemDataRole.UserRole, path)
            item.setToolTip(path)
            self.recent.addItem(item)
        self.recent.setVisible(bool(files))
        self.no_recent.setVisible(not files)

    def _recent_activated(self, item: QListWidgetItem) -> None:
        self.path_requested.emit(str(item.data(Qt.ItemDataRole.UserRole)))
