"""The Events page of a history: every event in order, grouped by what happened, each
event's payloads one click away (``event_model`` holds the rows)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from .event_model import EventTreeModel

COLUMN_WIDTHS = (70, 96, 260, 0, 72)  # 0: the summary takes what is left


class EventView(QWidget):
    """Emits what was selected: a payload (its index), an event or a group (positions)."""

    payload_selected = Signal(int)
    event_selected = Signal(int)
    group_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = EventTreeModel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        bar = QHBoxLayout()
        self.count_label = QLabel()
        self.expand_button = QPushButton("Expand all")
        self.collapse_button = QPushButton("Collapse all")
        bar.addWidget(self.count_label, 1)
        bar.addWidget(self.expand_button)
        bar.addWidget(self.collapse_button)
        layout.addLayout(bar)
        self.tree = QTreeView()
        # The model is given to the tree when the page is first shown: laying out a tree of
        # 50,000 events calls the model for every top row, which is a stall nobody asked for
        # while the document loads.
        self._attached = False
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        layout.addWidget(self.tree, 1)
        self.expand_button.clicked.connect(self.tree.expandAll)
        self.collapse_button.clicked.connect(self.tree.collapseAll)

    def attach(self) -> None:
        """Give the tree its model (once): when the page shows, or when it is asked for."""
        if self._attached:
            return
        self._attached = True
        self.tree.setModel(self.model)
        self.tree.selectionModel().currentRowChanged.connect(self._current_changed)
        header = self.tree.header()
        header.setStretchLastSection(False)
        for column, width in enumerate(COLUMN_WIDTHS):
            if width:
                header.resizeSection(column, width)
        header.setSectionResizeMode(3, header.ResizeMode.Stretch)

    def showEvent(self, event: QShowEvent) -> None:
        self.attach()
        super().showEvent(event)

    def rows_changed(self) -> None:
        """The payload rows' texts changed (another view): repaint what is on screen."""
        if self._attached:
            self.tree.viewport().update()

    def refresh_count(self) -> None:
        history = self.model.history
        if history is None:
            self.count_label.setText("")
            return
        self.count_label.setText(
            f"{len(history.events):,} events · {len(history.groups):,} in the compact view"
        )

    def show_payload(self, payload_index: int) -> None:
        """Make the payload's row current (its event expanded), without emitting."""
        if not self._attached:
            return  # shown when the page is: nothing to follow before that
        index = self.model.index_of_payload(payload_index)
        if index.isValid():
            self.tree.selectionModel().blockSignals(True)
            self.tree.setCurrentIndex(index)
            self.tree.selectionModel().blockSignals(False)
            self.tree.scrollTo(index)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        node = self.model.node(current)
        if node is None:
            return
        if node.kind == "payload":
            self.payload_selected.emit(node.ref)
        elif node.kind == "event":
            self.event_selected.emit(node.ref)
        else:
            self.group_selected.emit(node.ref)
