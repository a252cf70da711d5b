"""Settings → Redaction rules: the user's rules, one a line, checked as they are typed.

The config file's ``[redaction] rules`` apply after these and are shown read-only, so the
user sees every rule that a screenshot's caption (and an evidence folder's ``rules.json``)
will name. Applying changes only what is shown: nothing is decoded again.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from inspector.redaction import Redaction, RedactionError, parse_rule

from .code_view import monospace_font
from .session import PipelineSession

HELP = (
    "One rule a line. <b>key:NAME</b> hides every value under a key of that name, at any "
    "depth; <b>path:/a/*/b</b> the value at that JSON pointer inside the payload (<b>*</b> is "
    "any one key or index); <b>re:REGEX</b> every string value the expression is found in. "
    'A hidden value shows as <code>"[redacted]"</code>; metadata and structure stay. '
    "Views, copies, exports, screenshots and evidence all show values this way."
)


class RedactionDialog(QDialog):
    """Edits ``session.rules``; OK is enabled only while every line is a rule."""

    def __init__(self, session: PipelineSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Redaction rules")
        self.resize(640, 460)
        layout = QVBoxLayout(self)
        help_label = QLabel(HELP)
        help_label.setWordWrap(True)
        layout.addWidget(help_label)
        self.edit = QPlainTextEdit()
        self.edit.setFont(monospace_font())
        self.edit.setPlaceholderText("key:ssn\npath:/cards/*/number\nre:^\\d{16}$")
        self.edit.setPlainText("\n".join(session.rules))
        self.edit.textChanged.connect(self._check)
        layout.addWidget(self.edit, 1)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c62828;")
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.problem)
        self.config_rules = QLabel()
        self.config_rules.setWordWrap(True)
        self.config_rules.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.config_rules)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._check()

    def rules(self) -> list[str]:
        """The editor's rules: its non-empty lines, without surrounding spaces."""
        return [line.strip() for line in self.edit.toPlainText().splitlines() if line.strip()]

    def _check(self) -> None:
        problems = []
        for number, line in enumerate(self.edit.toPlainText().splitlines(), start=1):
            if line.strip():
                try:
                    parse_rule(line.strip(), f"line {number}")
                except RedactionError as e:
                    problems.append(str(e))
        self.problem.setText("\n".join(problems))
        self.problem.setVisible(bool(problems))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not problems)
        config = self.session.config.redaction_rules
        if config:
            listed = ", ".join(f"<code>{html.escape(r)}</code>" for r in config)
            self.config_rules.setText(f"From the config file, applied after these: {listed}")
        else:
            self.config_rules.setText("The config file has no [redaction] rules.")
        if not problems:
            effective = Redaction.of(self.rules(), config)
            count = len(effective.rules)
            self.summary.setText(
                f"{count} rule{'' if count == 1 else 's'} in effect"
                + (f" · rules sha256: {effective.sha256()}" if count else "")
            )

    def accept(self) -> None:
        self.session.set_rules(self.rules())
        super().accept()
