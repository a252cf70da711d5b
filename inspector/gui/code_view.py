"""A read-only monospace text pane with JSON highlighting and fold / show-all controls."""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from .code_edit import CodeEdit
from .json_highlighter import JsonHighlighter

HIGHLIGHT_LIMIT = 1024 * 1024  # beyond this, plain text: highlighting would cost seconds
INDENT = 2  # spaces per level in the JSON we show
MAX_HIGHLIGHTS = 500  # search hits marked in one value (each costs the GUI thread)
_LEADING = re.compile(r"^(?: {2})+", re.MULTILINE)


def tab_indented(text: str) -> str:
    """Leading indentation as one tab per level.

    Qt lays a line out in runs of one script, and leading spaces join the script of the
    first letter after them: before a CJK string they are set in the CJK fallback font,
    whose space is narrower, and that line sits left of its siblings. A tab's width comes
    from the view's tab stops, not from a font, so every level lines up.
    """
    return _LEADING.sub(lambda m: "\t" * (len(m.group()) // INDENT), text)


def monospace_font() -> QFont:
    """The system's fixed-width font (DejaVu Sans Mono on most Linux desktops)."""
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


class CodeView(QWidget):
    """Text plus an optional note bar ("folded", "cut at 4 MiB") with its action buttons;
    with ``tools``, a bar to fold by node or level, wrap lines and find in the text."""

    def __init__(self, parent: QWidget | None = None, *, tools: bool = False) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.tools = self._make_tools() if tools else None
        if self.tools is not None:
            layout.addWidget(self.tools)
        self._bar = QWidget()
        bar = QHBoxLayout(self._bar)
        bar.setContentsMargins(6, 2, 6, 2)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("noteLabel")
        self.unfold_button = QPushButton("Unfold")
        self.show_all_button = QPushButton("Show all")
        bar.addWidget(self.note, 1)
        bar.addWidget(self.unfold_button)
        bar.addWidget(self.show_all_button)
        self._bar.hide()
        self.edit = CodeEdit()
        self.edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.edit.setFont(monospace_font())
        self.edit.setTabStopDistance(INDENT * self.edit.fontMetrics().horizontalAdvance(" "))
        self._text = ""
        self.edit.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        layout.addWidget(self._bar)
        layout.addWidget(self.edit, 1)
        self._highlighter: JsonHighlighter | None = None
        self._on_unfold: Callable[[], None] | None = None
        self._on_show_all: Callable[[], None] | None = None
        self.unfold_button.clicked.connect(self._unfold_clicked)
        self.show_all_button.clicked.connect(self._show_all_clicked)

    def _make_tools(self) -> QWidget:
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(4, 0, 4, 0)
        row.setSpacing(4)
        fold_all = QPushButton("Fold all")
        unfold_all = QPushButton("Unfold all")
        self.level_spin = QSpinBox()
        self.level_spin.setRange(1, 32)
        self.level_spin.setValue(2)
        self.level_spin.setPrefix("Level ")
        self.level_spin.setToolTip("Fold every node deeper than this level")
        fold_level = QPushButton("Fold to level")
        self.wrap_check = QCheckBox("Wrap")
        self.find_edit = QLineEdit()
        self.find_edit.setPlaceholderText("Find in value (Enter: next)")
        self.find_edit.setClearButtonEnabled(True)
        self.find_label = QLabel()
        for widget in (fold_all, unfold_all, self.level_spin, fold_level, self.wrap_check):
            row.addWidget(widget)
        row.addWidget(self.find_edit, 1)
        row.addWidget(self.find_label)
        fold_all.clicked.connect(lambda: self.edit.fold_all())
        unfold_all.clicked.connect(lambda: self.edit.unfold_all())
        fold_level.clicked.connect(lambda: self.edit.fold_to_level(self.level_spin.value()))
        self.wrap_check.toggled.connect(self.set_wrap)
        self.find_edit.returnPressed.connect(self.find_next)
        self.find_edit.textChanged.connect(self._find_changed)
        return bar

    def set_wrap(self, wrap: bool) -> None:
        mode = (
            QPlainTextEdit.LineWrapMode.WidgetWidth if wrap else QPlainTextEdit.LineWrapMode.NoWrap
        )
        self.edit.setLineWrapMode(mode)

    def _find_changed(self, text: str) -> None:
        count = self.highlight([text]) if text else self.highlight([])
        self.find_label.setText(f"{count:,} found" if text else "")

    def find_next(self) -> bool:
        """Move to the next occurrence of the find text (from the top after the last)."""
        word = self.find_edit.text() if self.tools is not None else ""
        if not word:
            return False
        found = self.edit.document().find(word, self.edit.textCursor())
        if found.isNull():
            found = self.edit.document().find(word)
        if found.isNull():
            return False
        block = found.block()
        if not block.isVisible():  # inside a folded node: unfold to show it
            self.edit.unfold_all()
        self.edit.setTextCursor(found)
        self.edit.ensureCursorVisible()
        return True

    def _unfold_clicked(self) -> None:
        if self._on_unfold is not None:
            self._on_unfold()

    def _show_all_clicked(self) -> None:
        if self._on_show_all is not None:
            self._on_show_all()

    def set_text(
        self,
        text: str,
        *,
        json: bool = False,
        note: str = "",
        on_unfold: Callable[[], None] | None = None,
        on_show_all: Callable[[], None] | None = None,
    ) -> None:
        """Show ``text``; highlighted when JSON and not huge; a note bar when folded/cut."""
        want_highlight = json and len(text) <= HIGHLIGHT_LIMIT
        if want_highlight and self._highlighter is None:
            self._highlighter = JsonHighlighter(self.edit.document(), self.palette())
        elif not want_highlight and self._highlighter is not None:
            self._highlighter.setDocument(None)
            self._highlighter = None
        self._text = text
        # Only text beyond ASCII can hold another script; the rest is shown as it is.
        self.edit.set_code(text if text.isascii() else tab_indented(text), foldable=json)
        if self.tools is not None:
            self.tools.setEnabled(bool(text))
        self._on_unfold, self._on_show_all = on_unfold, on_show_all
        self.note.setText(note)
        self.unfold_button.setVisible(on_unfold is not None)
        self.show_all_button.setVisible(on_show_all is not None)
        self._bar.setVisible(bool(note))

    def highlight(self, words: list[str]) -> int:
        """Mark every occurrence of ``words`` (any case) in the shown text; how many."""
        selections: list[QTextEdit.ExtraSelection] = []
        document = self.edit.document()
        mark = QTextCharFormat()
        mark.setBackground(QColor("#ffe066"))
        mark.setForeground(QColor("#1a1a1a"))
        for word in words:
            cursor = QTextCursor(document)
            while len(selections) < MAX_HIGHLIGHTS:
                cursor = document.find(word, cursor)
                if cursor.isNull():
                    break
                selection = QTextEdit.ExtraSelection()
                selection.cursor = cursor
                selection.format = mark
                selections.append(selection)
        self.edit.setExtraSelections(selections)
        if selections:
            self.edit.setTextCursor(QTextCursor(selections[0].cursor.block()))
            self.edit.ensureCursorVisible()
        return len(selections)

    def text(self) -> str:
        """The text as given (the view may show its indentation as tabs)."""
        return self._text

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange and self._highlighter is not None:
            self._highlighter.set_palette(self.palette())
        super().changeEvent(event)
