"""A failure as an engineer reads it: type and message, retry facts, the stack trace, and
the whole cause chain, with ``encodedAttributes`` shown decoded when the view decoded them.

The chain comes from ``documents.events`` (no Qt); ``decoded`` looks up what the current
view made of an ``encodedAttributes`` payload (the failure converter's message and stack
trace), so the card never decodes anything itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QFrame, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from inspector.documents.events import FailureInfo

from .code_view import monospace_font
from .wrap_label import WrapLabel

STACK_LINES = 12  # a stack trace's box shows this many lines, and scrolls


@dataclass(frozen=True)
class ShownFailure:
    """One link of the chain, with the texts to show."""

    headline: str
    facts: str  # "non-retryable · retry state: maximum attempts reached · source: PythonSDK"
    stack_trace: str
    note: str  # how the message was read ("decoded from encodedAttributes", …)


def shown_chain(
    failure: FailureInfo, decoded: Callable[[str], Any] | None = None
) -> list[ShownFailure]:
    """The chain's texts; ``decoded(pointer)`` gives an ``encodedAttributes`` payload's
    decoded JSON value (None when the view did not decode it)."""
    shown: list[ShownFailure] = []
    for link in failure.chain():
        message, stack, note = link.message, link.stack_trace, ""
        if link.encoded_pointer is not None:
            value = decoded(link.encoded_pointer) if decoded is not None else None
            if isinstance(value, dict):
                message = str(value.get("message", message))
                stack = str(value.get("stack_trace", value.get("stackTrace", stack)))
                note = "message and stack trace decoded from encodedAttributes"
            else:
                note = (
                    "message and stack trace are encoded (encodedAttributes); "
                    "this view did not decode them"
                )
        facts = []
        if link.non_retryable:
            facts.append("non-retryable")
        if link.retry_state:
            facts.append(f"retry state: {link.retry_state}")
        if link.timeout_type:
            facts.append(f"timeout: {link.timeout_type}")
        if link.source:
            facts.append(f"source: {link.source}")
        what = link.type_name or link.kind
        shown.append(
            ShownFailure(
                headline=f"{what}: {message}" if message else what,
                facts=" · ".join(facts),
                stack_trace=stack.rstrip(),
                note=note,
            )
        )
    return shown


class FailureCard(QFrame):
    """The chain, outermost failure first, each cause under it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("failureCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#failureCard { border: 1px solid #d93025; border-radius: 6px; }")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(12, 8, 12, 8)
        self._layout.setSpacing(4)
        self.shown: list[ShownFailure] = []

    def show_failure(self, chain: list[ShownFailure]) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.shown = chain
        for depth, link in enumerate(chain):
            title = QLabel("<b>Failure</b>" if depth == 0 else f"<b>Caused by</b> ({depth})")
            self._layout.addWidget(title)
            self._layout.addWidget(WrapLabel(link.headline))
            for text in (link.facts, link.note):
                if text:
                    label = QLabel(text)
                    label.setWordWrap(True)
                    self._layout.addWidget(label)
            if link.stack_trace:
                stack = QPlainTextEdit(link.stack_trace)
                stack.setReadOnly(True)
                stack.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
                stack.setFont(monospace_font())
                lines = min(link.stack_trace.count("\n") + 1, STACK_LINES)
                stack.setFixedHeight(stack.fontMetrics().lineSpacing() * lines + 12)
                self._layout.addWidget(stack)
        self.setVisible(bool(chain))

    def text(self) -> str:
        """Everything the card says, for tests and the clipboard."""
        return "\n".join(
            "\n".join(t for t in (s.headline, s.facts, s.note, s.stack_trace) if t)
            for s in self.shown
        )
