"""JSON syntax highlighting whose colours follow the light or dark palette."""

from __future__ import annotations

import re

from PySide6.QtGui import (
    QColor,
    QFont,
    QPalette,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)

from .payload_model import is_dark

_TOKEN = re.compile(
    r'(?P<key>"(?:[^"\\]|\\.)*"(?=\s*:))'
    r'|(?P<string>"(?:[^"\\]|\\.)*"?)'
    r"|(?P<number>-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)"
    r"|(?P<literal>\b(?:true|false|null)\b)"
    r"|(?P<fold>…[^\n]*)"
)

_COLORS = {
    # kind: (light, dark)
    "key": ("#7a3e9d", "#d7a6f5"),
    "string": ("#1a7f37", "#8fd694"),
    "number": ("#0550ae", "#79c0ff"),
    "literal": ("#b35900", "#ffb46b"),
    "fold": ("#6e7781", "#8b949e"),
}


class JsonHighlighter(QSyntaxHighlighter):
    """Keys, strings, numbers, literals and folded summaries, line by line."""

    def __init__(self, document: QTextDocument, palette: QPalette) -> None:
        super().__init__(document)
        self._formats: dict[str, QTextCharFormat] = {}
        self.set_palette(palette)

    def set_palette(self, palette: QPalette) -> None:
        """Pick the colour set for this palette and repaint."""
        dark = is_dark(palette)
        self._formats = {}
        for kind, pair in _COLORS.items():
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(pair[dark]))
            if kind == "key":
                fmt.setFontWeight(QFont.Weight.DemiBold)
            if kind == "fold":
                fmt.setFontItalic(True)
            self._formats[kind] = fmt
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        if len(text) > 20_000:  # one enormous line: leave it plain, keep the UI quick
            return
        for match in _TOKEN.finditer(text):
            kind = match.lastgroup
            if kind is not None:
                self.setFormat(match.start(), match.end() - match.start(), self._formats[kind])
