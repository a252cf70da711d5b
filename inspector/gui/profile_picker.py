"""The toolbar's profile picker: a label, an editable box of profile names (or a typed
namespace, as the server picks by ``X-Namespace``), and a line saying what the choice runs.

Three widgets rather than one compound, so the toolbar lays them out (and moves them into
its overflow menu when narrow) one by one, as it does its other items. It shows the current
tab's choice (``bind``) and says what the user picked (``picked``); the window decides what
that choice applies to.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from .profile_choice import ProfileChoice

ERROR_COLOR = "#c62828"


class ProfilePicker(QObject):
    """``Profile: [box] info``; ``widgets()`` go into the toolbar in that order."""

    picked = Signal(str)  # the text chosen in the box (a profile name, a namespace or "")

    def __init__(self, choice: ProfileChoice, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.choice = choice
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
        self.combo.activated.connect(lambda _i: self.picked.emit(self.combo.currentText()))
        line.returnPressed.connect(lambda: self.picked.emit(self.combo.currentText()))
        self.info = QLabel()
        self.info.setContentsMargins(6, 0, 6, 0)

    def widgets(self) -> tuple[QWidget, ...]:
        return (self.label, self.combo, self.info)

    def select(self, choice: str | None) -> None:
        """What typing in the box and pressing Enter does."""
        self.combo.setEditText(choice or "")
        self.picked.emit(choice or "")

    def bind(self, choice: ProfileChoice) -> None:
        """Show ``choice`` (the current tab's, or the one new documents start with)."""
        self.choice = choice
        self.refresh()

    def refresh(self) -> None:
        """The config's profiles in the box (each with its namespaces), the choice kept."""
        combo = self.combo
        combo.blockSignals(True)
        combo.clear()
        for name, profile in self.choice.config.profiles.items():
            combo.addItem(name)
            combo.setItemData(
                combo.count() - 1,
                f"namespaces: {', '.join(profile.namespaces)}",
                Qt.ItemDataRole.ToolTipRole,
            )
        combo.setEditText(self.choice.choice or "")
        combo.blockSignals(False)
        self.refresh_info()

    def refresh_info(self) -> None:
        """``→ profile: codecs · storage``, or why no profile serves the choice."""
        choice = self.choice
        if choice.profile is None:
            self.info.setText(f"<span style='color:{ERROR_COLOR}'>{choice.error}</span>")
            return
        profile = choice.profile
        codecs = " → ".join(c.label for c in profile.codecs) or "no codecs"
        storage = ", ".join(s.name or s.driver for s in profile.storage) or "no storage"
        target = f"→ {profile.name}: " if choice.namespace else f"{profile.name}: "
        warning = ""
        state = choice.session.state
        if state.error:
            warning = (
                f" <span style='color:{ERROR_COLOR}'>· config file has errors (Settings)</span>"
            )
        self.info.setText(f"{target}{codecs} · {storage}{warning}")
        self.info.setToolTip(
            f"Config: {state.source_label}\nNamespaces: {', '.join(profile.namespaces)}"
            + (f"\nChosen: {choice.why}" if choice.why else "")
        )
