"""Where a document that did not parse stays editable, with the error shown at its place.

The message says what and where (line:column, or the JSON pointer of the bad value); the
cursor jumps there and the line is marked, so it can be fixed in place and inspected again.
"""

from __future__ import annotations

import json
from json.decoder import scanstring  # type: ignore[attr-defined]  # the C scanner; typeshed omits it

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from inspector.documents import DocumentError

from .code_view import monospace_font

_WS = " \t\r\n"


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def pointer_offset(text: str, pointer: str) -> int | None:
    """Where the value at a JSON pointer starts in ``text`` (None if it cannot be found).

    Walks only along the pointer; sibling values are skipped by the C JSON scanner.
    """
    decoder = json.JSONDecoder()
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
    i = _skip(text, 0)
    try:
        for token in tokens:
            if text[i] == "{":
                i = _skip(text, i + 1)
                while True:
                    if text[i] != '"':
                        return None
                    key, i = scanstring(text, i + 1)
                    i = _skip(text, i)
                    if text[i] != ":":
                        return None
                    i = _skip(text, i + 1)
                    if key == token:
                        break
                    _, i = decoder.raw_decode(text, i)
                    i = _skip(text, i)
                    if text[i] != ",":
                        return None
                    i = _skip(text, i + 1)
            elif text[i] == "[":
                i = _skip(text, i + 1)
                for _ in range(int(token)):
                    _, i = decoder.raw_decode(text, i)
                    i = _skip(text, i)
                    if text[i] != ",":
                        return None
                    i = _skip(text, i + 1)
            else:
                return None
    except (IndexError, ValueError):
        return None
    return i


def error_position(text: str, error: DocumentError) -> tuple[int, int] | None:
    """(line, column), 1-based, of a DocumentError in ``text``."""
    if error.line is not None:
        return error.line, error.column or 1
    if error.pointer:
        offset = pointer_offset(text, error.pointer)
        if offset is not None:
            line = text.count("\n", 0, offset) + 1
            return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
    return None


class SourceEditor(QWidget):
    """A JSON text to fix: the error above, the text below, Inspect (Ctrl+Return)."""

    submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.error_label = QLabel()
        self.error_label.setObjectName("documentError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.setStyleSheet(
            "#documentError { color: #b42318; border: 1px solid #d93025; border-radius: 6px;"
            " padding: 8px; background: rgba(217, 48, 37, 0.08); }"
        )
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.edit = QPlainTextEdit()
        self.edit.setFont(monospace_font())
        self.edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.edit.setPlaceholderText(
            "Paste a Payloads JSON, one Payload, a list of payloads, or a whole workflow "
            "history export (temporal workflow show -o json, or the Web UI's download)."
        )
        layout.addWidget(self.edit, 1)
        row = QHBoxLayout()
        self.hint = QLabel("Fix the text and inspect it again.")
        row.addWidget(self.hint, 1)
        self.inspect_button = QPushButton("Inspect")
        self.inspect_button.setDefault(True)
        self.inspect_button.setToolTip("Inspect this text (Ctrl+Return)")
        row.addWidget(self.inspect_button)
        layout.addLayout(row)
        self.inspect_button.clicked.connect(self._submit)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self.edit)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self._submit)

    def _submit(self) -> None:
        self.submitted.emit(self.edit.toPlainText())

    def text(self) -> str:
        return self.edit.toPlainText()

    def set_text(self, text: str) -> None:
        self.edit.setPlainText(text)

    def clear_error(self) -> None:
        self.error_label.hide()
        self.edit.setExtraSelections([])

    def show_error(self, error: DocumentError | str) -> None:
        """Say what is wrong; put the cursor on the place and mark that line."""
        message = str(error)
        position = error_position(self.text(), error) if isinstance(error, DocumentError) else None
        if position is not None:
            line, column = position
            message = f"{message}\n(line {line}, column {column} — the cursor is there)"
            self._mark(line, column)
        else:
            self.edit.setExtraSelections([])
        self.error_label.setText(message)
        self.error_label.show()

    def _mark(self, line: int, column: int) -> None:
        block = self.edit.document().findBlockByNumber(line - 1)
        if not block.isValid():
            return
        cursor = QTextCursor(block)
        cursor.movePosition(
            QTextCursor.MoveOperation.Right,
            QTextCursor.MoveMode.MoveAnchor,
            max(0, min(column - 1, block.length() - 1)),
        )
        self.edit.setTextCursor(cursor)
        self.edit.centerCursor()
        selection = QTextEdit.ExtraSelection()
        selection.format.setBackground(QColor(217, 48, 37, 60))
        selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        selection.cursor = QTextCursor(block)
        self.edit.setExtraSelections([selection])
        self.edit.setFocus()
