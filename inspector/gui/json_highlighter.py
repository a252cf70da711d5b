"""JSON syntax highlighting whose colours follow the light or dark palette.

Every Qt call here is per token of every line of every payload shown, so the highlighter
makes as few as it can: one ``setFormat`` per token and nothing else per block, no repaint
when a palette change keeps the same colours, and no pass over the text a document held
before the highlighter was attached. Each block also checks the ``None`` guard (see
``none_guard``), as a leaking binding loses a reference per ``setFormat``.
"""

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

from . import none_guard
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
        # QSyntaxHighlighter highlights the document on the next event loop turn by itself;
        # highlighting here as well would colour text that is about to be replaced.
        super().__init__(document)
        self._dark: bool | None = None
        self._formats: dict[str, QTextCharFormat] = {}
        self._by_group: list[QTextCharFormat | None] = []
        self._build_formats(palette)

    def set_palette(self, palette: QPalette) -> None:
        """Pick the colour set for this palette and repaint (only if the colours change)."""
        if is_dark(palette) != self._dark:
            self._build_formats(palette)
            self.rehighlight()

    def _build_formats(self, palette: QPalette) -> None:
        dark = is_dark(palette)
        self._dark = dark
        self._formats = {}
        for kind, pair in _COLORS.items():
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(pair[dark]))
            if kind == "key":
                fmt.setFontWeight(QFont.Weight.DemiBold)
            if kind == "fold":
                fmt.setFontItalic(True)
            self._formats[kind] = fmt
        # indexed by a match's ``lastindex``: a list lookup per token instead of a name's
        by_group: list[QTextCharFormat | None] = [None] * (_TOKEN.groups + 1)
        for kind, group in _TOKEN.groupindex.items():
            by_group[group] = self._formats[kind]
        self._by_group = by_group

    def highlightBlock(self, text: str) -> None:
        none_guard.check()
        if len(text) > 20_000:  # one enormous line: leave it plain, keep the UI quick
            return
        by_group, set_format = self._by_group, self.setFormat
        for match in _TOKEN.finditer(text):
            fmt = by_group[match.lastindex or 0]
            if fmt is not None:
                start, end = match.span()
                set_format(start, end - start, fmt)
