"""Settings → Profiles and config file: which file is in use, its errors, its profiles.

The embedded default works with no file; this dialog says so, and opens the folder where
the file would go, so "where do I put my config?" has an answer one click away.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.config import CONFIG_ENV

from .session import PipelineSession


class ConfigDialog(QDialog):
    """Shows the session's config state; Reload and "Use another file" change it."""

    reloaded = Signal()

    def __init__(self, session: PipelineSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Profiles and config file")
        self.resize(720, 460)
        layout = QVBoxLayout(self)
        self.source = QLabel()
        self.source.setWordWrap(True)
        self.source.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.source)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setStyleSheet("color: #c62828;")
        layout.addWidget(self.error)
        self.profiles = QTreeWidget()
        self.profiles.setHeaderLabels(["Profile", "Namespaces", "Codecs", "Storage"])
        self.profiles.setRootIsDecorated(False)
        layout.addWidget(self.profiles, 1)
        row = QHBoxLayout()
        self.open_folder = QPushButton("Open config folder")
        self.open_folder.clicked.connect(self._open_folder)
        self.other_file = QPushButton("Use another file…")
        self.other_file.clicked.connect(self._choose_file)
        self.reload = QPushButton("Reload")
        self.reload.clicked.connect(self._reload)
        row.addWidget(self.open_folder)
        row.addWidget(self.other_file)
        row.addWidget(self.reload)
        row.addStretch(1)
        layout.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        state = self.session.state
        if state.config.source is not None and state.error is None:
            text = f"<b>Config file in use:</b> {state.config.source}"
        elif state.error is None:
            text = (
                f"<b>No config file</b> at {state.path}: the <b>embedded default</b> is in use "
                "(profile <i>default</i> for every namespace, no codecs, the filesystem store "
                "in your user data folder)."
            )
        else:
            text = f"<b>Config file:</b> {state.path} — <b>not used</b>, the embedded default is."
        if not state.explicit:
            text += (
                f"<br>The file is looked for with --config, then ${CONFIG_ENV}, then {state.path}."
            )
        self.source.setText(text)
        self.error.setText(f"Error: {state.error}" if state.error else "")
        self.error.setVisible(bool(state.error))
        self.profiles.clear()
        for name, profile in state.config.profiles.items():
            codecs = " → ".join(c.label for c in profile.codecs) or "none"
            if profile.proxy_codecs:
                codecs += " | proxy: " + " → ".join(c.label for c in profile.proxy_codecs)
            storage = ", ".join(
                f"{s.driver} ({s.name})" if s.name else s.driver for s in profile.storage
            )
            item = QTreeWidgetItem([name, ", ".join(profile.namespaces), codecs, storage or "none"])
            self.profiles.addTopLevelItem(item)
        for column in range(4):
            self.profiles.resizeColumnToContents(column)

    def folder(self) -> Path:
        state = self.session.state
        return (state.config.source or state.path).parent

    def _open_folder(self) -> None:
        folder = self.folder()
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Config file", str(self.folder()), "TOML (*.toml);;All files (*)"
        )
        if path:
            self.session.reload_config(path)
            self.refresh()
            self.reloaded.emit()

    def _reload(self) -> None:
        self.session.reload_config()
        self.refresh()
        self.reloaded.emit()
