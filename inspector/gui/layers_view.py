"""The detail pane's *Layers* tab: every step the pipeline took with the selected payload.

One row per layer (step, codec or driver, encoding, size, what else is known), the failing
layer in red with its cause, and below the table the selected layer's value, hex and
metadata. The layers come from a traced decode (``inspector.diagnosis``), never from a
second reading of the payload here.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.diagnosis import Explanation
from inspector.layers import Layer
from inspector.layers_report import layer_value_text

from .code_view import CodeView, monospace_font
from .payload_view import hex_dump, human_size

COLUMNS = ("#", "Step", "Codec / driver", "Encoding", "Size", "Notes")
FAILED_BACKGROUND = QColor(217, 48, 37, 40)
FAILED_TEXT = QColor("#b3261e")
VALUE_CHARS = 256 * 1024  # a layer's value beyond this is cut; the Value tab shows it all


class LayersView(QWidget):
    """The layers table, the problem and diagnosis lines, and the selected layer's data."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.explanation: Explanation | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.currentCellChanged.connect(lambda row, *_: self._show_layer(row))
        splitter.addWidget(self.table)
        self.data_tabs = QTabWidget()
        self.data_tabs.setDocumentMode(True)
        self.value_view = CodeView()
        self.hex_view = CodeView()
        self.metadata_view = CodeView()
        self.data_tabs.addTab(self.value_view, "Value")
        self.data_tabs.addTab(self.hex_view, "Hex")
        self.data_tabs.addTab(self.metadata_view, "Metadata")
        splitter.addWidget(self.data_tabs)
        splitter.setSizes([220, 260])
        layout.addWidget(splitter, 1)
        self.show_message("Select a payload to see the steps the pipeline took with it.")

    def show_message(self, text: str) -> None:
        """No layers to show (yet): say why, and empty the table."""
        self.explanation = None
        self.status.setStyleSheet("")
        self.status.setText(text)
        self.table.setRowCount(0)
        for view in (self.value_view, self.hex_view, self.metadata_view):
            view.set_text("")

    def show_explanation(self, explanation: Explanation) -> None:
        """One row per layer, the failing one in red; the result, or the layer the failing
        step was given, selected."""
        self.explanation = explanation
        if explanation.failed:
            text = f"<b>Problem:</b> {_html(explanation.problem or '')}"
            if explanation.diagnosis:
                text += f"<br><b>Diagnosis:</b> {_html(explanation.diagnosis)}"
            self.status.setStyleSheet(f"color: {FAILED_TEXT.name()};")
        else:
            text = f"Decoded by profile <b>{_html(explanation.profile)}</b> in " + (
                f"{len(explanation.layers)} layers, through the same pipeline as the codec server."
            )
            self.status.setStyleSheet("")
        self.status.setText(text)
        layers = explanation.layers
        self.table.setRowCount(len(layers))
        for row, layer in enumerate(layers):
            cells = (
                str(row),
                layer.step.value,
                layer.component or "",
                layer.encoding or "",
                human_size(layer.size) if layer.size is not None else "",
                _notes(layer),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if column in (3, 4):
                    item.setFont(monospace_font())
                if layer.failed:
                    item.setBackground(QBrush(FAILED_BACKGROUND))
                    item.setForeground(QBrush(FAILED_TEXT))
                self.table.setItem(row, column, item)
        for column in range(len(COLUMNS) - 1):
            self.table.resizeColumnToContents(column)
        # The failing row stays red to see; selected is what the failing step was given.
        failing = [i for i, layer in enumerate(layers) if layer.failed]
        selected = max(failing[0] - 1, 0) if failing else len(layers) - 1
        self.table.setCurrentCell(selected, 0)
        self._show_layer(selected)

    def row_texts(self) -> list[str]:
        """Each row as ``step | component | encoding | notes`` (what tests and people read)."""
        rows = []
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, c) for c in (1, 2, 3, 5)]
            rows.append(" | ".join(cell.text() if cell is not None else "" for cell in cells))
        return rows

    def _show_layer(self, row: int) -> None:
        if self.explanation is None or not 0 <= row < len(self.explanation.layers):
            return
        layer = self.explanation.layers[row]
        if layer.error is not None:
            cause = f"{layer.title} failed: {layer.error.message}"
            for view in (self.value_view, self.hex_view, self.metadata_view):
                view.set_text(cause)
            return
        value = layer_value_text(layer, VALUE_CHARS)
        is_json = layer.payload is not None and (layer.encoding or "").startswith("json/")
        self.value_view.set_text(value, json=is_json and not value.endswith("characters)"))
        self.hex_view.set_text(hex_dump(layer.data) or "(no data)")
        lines = [f"{key}: {text}" for key, text in layer.metadata.items()]
        lines += [f"{name}: {text}" for name, text in layer.details]
        self.metadata_view.set_text("\n".join(lines) or "(no metadata)")


def _notes(layer: Layer) -> str:
    if layer.error is not None:
        return f"FAILED ({layer.error.kind.value}): {layer.error.message}"
    notes = [] if layer.changed else ["passed through (not its encoding)"]
    details = dict(layer.details)
    notes += [f"{name} {details[name]}" for name in ("stored size", "hash") if name in details]
    notes += [
        f"{name} {text}" for name, text in layer.details if name in ("claim key", "claim bucket")
    ]
    if key_id := layer.metadata.get("encryption-key-id"):
        notes.append(f"key id {key_id}")
    return "; ".join(notes)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
