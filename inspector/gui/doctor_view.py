"""The server panel's *Check*: ``doctor`` against the panel's own server or any URL typed in.

The same checks as ``payload-inspector doctor`` (``inspector.doctor``), run on the app's
loop; each line shows the check's name, ok / warn / FAIL, what was seen and the fix.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.doctor import CheckResult, DoctorOptions, DoctorUsageError, Status, run_checks

from .tasks import Progress, TaskRunner

COLOURS = {
    Status.OK: QColor("#2e7d32"),
    Status.WARN: QColor("#b26a00"),
    Status.FAIL: QColor("#c62828"),
}
# Given the URL typed in ("" for the panel's own server), the options to check with, or why not.
Target = Callable[[str], DoctorOptions | str]


class DoctorView(QGroupBox):
    """A URL field, the Check button and the checklist."""

    def __init__(self, runner: TaskRunner, target: Target, parent: QWidget | None = None) -> None:
        super().__init__("Check a codec server", parent)
        self._runner = runner
        self._target = target
        self.results: list[CheckResult] = []
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("this server, or any codec endpoint URL")
        self.url_edit.returnPressed.connect(self.start_check)
        self.check_button = QPushButton("Check")
        self.check_button.setToolTip("Try the endpoint as the Web UI and the CLI use it")
        self.check_button.clicked.connect(self.start_check)
        row.addWidget(self.url_edit, 1)
        row.addWidget(self.check_button)
        layout.addLayout(row)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Check", "Result", "Seen — fix"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.hide()
        layout.addWidget(self.table, 1)

    def start_check(self) -> None:
        self._runner.start("server:check", "Checking the codec server", self._check)

    async def check(self) -> list[CheckResult]:
        """Run the checks now (what the button starts); the results are also shown."""
        return await self._check(None)

    async def _check(self, progress: Progress | None) -> list[CheckResult]:
        try:
            target = self._target(self.url_edit.text().strip())
        except DoctorUsageError as e:
            target = str(e)
        if isinstance(target, str):
            self.summary.setText(target)
            self.table.hide()
            return []
        self.check_button.setEnabled(False)
        self.summary.setText(f"Checking {target.url} from origin {target.origin}…")
        try:
            self.results = await run_checks(target)
        finally:
            self.check_button.setEnabled(True)
        self._show(target, self.results)
        return self.results

    def _show(self, target: DoctorOptions, results: list[CheckResult]) -> None:
        failing = [r.name for r in results if r.status is Status.FAIL]
        verdict = f"FAIL: {', '.join(failing)}" if failing else "no check failed"
        self.summary.setText(f"{target.url} (origin {target.origin}): {verdict}")
        self.table.setRowCount(len(results))
        for row, result in enumerate(results):
            seen = result.seen + (
                f" — fix: {result.fix}" if result.fix and result.status is not Status.OK else ""
            )
            for column, text in enumerate((result.name, result.status.value, seen)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if column == 1:
                    item.setForeground(COLOURS[result.status])
                self.table.setItem(row, column, item)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(1)
        self.table.resizeRowsToContents()
        rows = sum(self.table.rowHeight(r) for r in range(self.table.rowCount()))
        self.table.setMinimumHeight(min(rows + self.table.horizontalHeader().height() + 4, 360))
        self.table.show()

    def lines(self) -> list[str]:
        """The checklist as ``doctor`` prints it."""
        return [r.line for r in self.results]
