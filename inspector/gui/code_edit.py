"""A read-only text editor with line numbers and folding of a pretty JSON text's nodes.

The gutter shows each line's number and, on a line that opens an object or array, a marker
that folds the node (the lines between its brackets are hidden; the brackets stay). Fold
ranges are found from the text's shape (one pass over its lines with a stack), so folding
works on any JSON the app pretty-prints, by node, at any depth.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QResizeEvent, QTextBlock
from PySide6.QtWidgets import QPlainTextEdit, QWidget

FOLD_LINE_LIMIT = 50_000  # beyond this many lines no fold ranges are computed (GUI thread)
_MARKER_WIDTH = 14


def fold_ranges(text: str) -> dict[int, tuple[int, int]]:
    """``{opening line: (closing line, depth)}`` for every object/array spanning lines."""
    ranges: dict[int, tuple[int, int]] = {}
    stack: list[int] = []
    for number, line in enumerate(text.split("\n")):
        body = line.strip()
        if not body:
            continue
        if body[0] in "}]" and stack:
            start = stack.pop()
            if number > start + 1:
                ranges[start] = (number, len(stack) + 1)
        if body[-1] in "{[":
            stack.append(number)
    return ranges


class _Gutter(QWidget):
    def __init__(self, editor: CodeEdit) -> None:
        super().__init__(editor)
        self.editor = editor

    def sizeHint(self) -> QSize:
        return QSize(self.editor.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self.editor.paint_gutter(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.editor.gutter_clicked(event.position().y())


class CodeEdit(QPlainTextEdit):
    """``set_code(text, json)``; ``fold_all``, ``unfold_all``, ``fold_to_level(n)``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self._gutter = _Gutter(self)
        self.folds: dict[int, tuple[int, int]] = {}
        self.folded: set[int] = set()
        self.blockCountChanged.connect(lambda _n: self._update_margin())
        self.updateRequest.connect(self._update_gutter)
        self._update_margin()

    # -- content and folding -----------------------------------------------------------
    def set_code(self, text: str, *, foldable: bool) -> None:
        self.folded = set()
        self.setPlainText(text)
        lines = self.document().blockCount()
        self.folds = fold_ranges(text) if foldable and lines <= FOLD_LINE_LIMIT else {}
        self._gutter.update()

    def toggle_fold(self, line: int) -> None:
        if line in self.folds:
            self.folded ^= {line}
            self._apply()

    def fold_all(self) -> None:
        self.fold_to_level(1)

    def unfold_all(self) -> None:
        self.folded = set()
        self._apply()

    def fold_to_level(self, level: int) -> None:
        """Nodes deeper than ``level`` folded; ``level`` 1 leaves the top node's keys."""
        self.folded = {line for line, (_end, depth) in self.folds.items() if depth > level}
        self._apply()

    def _apply(self) -> None:
        """Every line's visibility from the folded nodes, in one pass over the lines."""
        document = self.document()
        count = document.blockCount()
        depth = [0] * (count + 1)  # +1 where a hidden run starts, -1 past its end
        for start in self.folded:
            end, _ = self.folds[start]
            depth[start + 1] += 1
            depth[end] -= 1
        hidden = 0
        block = document.firstBlock()
        for number in range(count):
            hidden += depth[number]
            visible = hidden == 0
            if block.isVisible() != visible:
                block.setVisible(visible)
            block = block.next()
        self._relayout()

    def _relayout(self) -> None:
        document = self.document()
        document.markContentsDirty(0, document.characterCount())
        self.viewport().update()
        self._gutter.update()
        self.ensureCursorVisible()

    # -- the gutter --------------------------------------------------------------------
    def gutter_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 8 + self.fontMetrics().horizontalAdvance("9") * digits + _MARKER_WIDTH

    def _update_margin(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _update_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        area = self.contentsRect()
        self._gutter.setGeometry(QRect(area.left(), area.top(), self.gutter_width(), area.height()))

    def _visible_blocks(self) -> list[tuple[QTextBlock, int, int]]:
        """(block, top, bottom) of the blocks on screen."""
        found = []
        block = self.firstVisibleBlock()
        top = int(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.viewport().height()
        while block.isValid() and top <= height:
            bottom = top + int(self.blockBoundingRect(block).height())
            if block.isVisible():
                found.append((block, top, bottom))
            block = block.next()
            top = bottom
        return found

    def paint_gutter(self, event: QPaintEvent) -> None:
        painter = QPainter(self._gutter)
        palette = self.palette()
        painter.fillRect(event.rect(), palette.alternateBase())
        painter.setPen(palette.placeholderText().color())
        width = self._gutter.width()
        for block, top, bottom in self._visible_blocks():
            number = block.blockNumber()
            rect = QRect(0, top, width - _MARKER_WIDTH - 4, bottom - top)
            painter.drawText(rect, Qt.AlignmentFlag.AlignRight, str(number + 1))
            if number in self.folds:
                marker = "▸" if number in self.folded else "▾"
                mark = QRect(width - _MARKER_WIDTH, top, _MARKER_WIDTH, bottom - top)
                painter.drawText(mark, Qt.AlignmentFlag.AlignCenter, marker)
        painter.end()

    def gutter_clicked(self, y: float) -> None:
        for block, top, bottom in self._visible_blocks():
            if top <= y < bottom:
                self.toggle_fold(block.blockNumber())
                return
