"""The toolbar's profile picker: a label, an editable box of profile names (or a typed
namespace, as the server picks by ``X-Namespace``), and a line saying what the choice runs.

Three widgets rather than one compound, so the toolbar lays them out (and moves them into
its overflow menu when narrow) one by one, as it does its other items. The choice itself
is the session's (``PipelineSession.select``); this only shows it and hands it over.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from .session import PipelineSession

ERROR_COLOR = "#c62828"


class ProfilePicker(QObject):
    """``Profile: [box] info``; ``widgets()`` go into the toolbar in that order."""

    def __init__(self, session: PipelineSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.label = QLabel(" Profile: ")
        self.combo = QComboBox()
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.setMinimumContentsLength(18)
        self.combo.setToolTip(
            "A profile name, or type a namespace (Enter) to use the profile serving it"
        )
        line = self.combo.lineEdit()
        assert line is not None  # the combo is editable: it has its line edit
        line.setPlaceholderText("default namespace")
        self.combo.activated.connect(lambda _i: self.session.select(self.combo.currentText()))
        line.returnPressed.connect(lambda: self.session.select(self.combo.currentText()))
        self.info = QLabel()
        self.info.setContentsMargins(6, 0, 6, 0)

    def widgets(self) -> tuple[QWidget, ...]:
        return (self.label, self.combo, self.info)

    def select(self, choice: str | None) -> None:
        """What typing in the box and pressing Enter does."""
        self.combo.setEditText(choice or "")
        self.session.select(choice)

    def refresh(self) -> None:
        """The config's profiles in the box (each with its namespaces), the choice kept."""
        combo = self.combo
        combo.blockSignals(True)
        combo.clear()
        for name, profile in self.session.config.profiles.items():
            combo.addItem(name)
            combo.setItemData(
                combo.count() - 1,
                f"namespaces: {', '.join(profile.namespaces)}",
                Qt.ItemDataRole.ToolTipRole,
            )
        combo.setEditText(self.session.choice or "")
        combo.blockSignals(False)
        self.refresh_info()

    def refresh_info(self) -> None:
        """``→ profile: codecs · storage``, or why no profile serves the choice."""
        session = self.session
        if session.profile is None:
            self.info.setText(f"<span style='color:{ERROR_COLOR}'>{session.error}</span>")
            return
        profile = session.profile
        codecs = " → ".join(c.label for c in profile.codecs) or "no codecs"
        storage = ", ".join(s.name or s.driver for s in profile.storage) or "no storage"
        target = f"→ {profile.name}: " if session.namespace else f"{profile.name}: "
        warning = ""
        if session.state.error:
            warning = (
                f" <span style='color:{ERROR_COLOR}'>· config file has errors (Settings)</span>"
            )
        self.info.setText(f"{target}{codecs} · {storage}{warning}")
        self.info.setToolTip(
            f"Config: {session.state.source_label}\nNamespaces: {', '.join(profile.namespaces)}"
        )
