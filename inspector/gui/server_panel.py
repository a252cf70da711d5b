"""The codec server panel: the same server as ``payload-inspector serve``, on the app's loop.

Start/stop, address, allowed origins, token on/off, the endpoint to copy, the exact Web UI
and CLI lines, and the live request log (the server's structured records: never payload
contents). A busy port is a message with a way out, not a crash.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.config import Config
from inspector.doctor import DEFAULT_ORIGIN, DoctorOptions
from inspector.server.request_log import RequestLog, RequestRecord
from inspector.server.runner import CodecServer, ServerStartError

from .code_view import monospace_font
from .doctor_view import DoctorView
from .session import PipelineSession
from .settings import AppSettings, ServerPrefs
from .tasks import TaskRunner

LOG_ROWS = 1000
LOG_COLUMNS = ("Time", "Method", "Path", "Namespace", "Status", "ms", "Payloads", "Bytes in → out")


class ServerPanel(QWidget):
    """Runs a ``CodecServer`` built from the current config plus the panel's fields."""

    state_changed = Signal(bool)  # running

    def __init__(
        self,
        runner: TaskRunner,
        session: PipelineSession,
        settings: AppSettings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.session = session
        self.settings = settings
        self.server: CodecServer | None = None
        self.log = RequestLog()
        self._unsubscribe: Callable[[], None] = self.log.subscribe(self._on_record)
        self._session_token: str | None = None
        self.request_count = 0

        # Three columns side by side when docked below the documents, one above the other
        # beside them (``set_vertical``): either way the payload table keeps its width.
        self.columns = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.columns.setContentsMargins(8, 8, 8, 8)
        self.columns.setSpacing(8)
        layout = QVBoxLayout()

        settings_box = QGroupBox("Server")
        form = QFormLayout(settings_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.host_edit = QLineEdit()
        self.port_spin = QSpinBox()
        self.port_spin.setRange(0, 65535)
        self.port_spin.setToolTip("0 picks a free port")
        self.origins_edit = QPlainTextEdit()
        self.origins_edit.setFont(monospace_font())
        self.origins_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.origins_edit.setFixedHeight(self.fontMetrics().height() * 3 + 14)
        self.origins_edit.setToolTip("Web UI origins allowed to call the server, one per line")
        self.token_check = QCheckBox("Require a bearer token")
        self.token_check.setToolTip(
            "Uses [server] token from the config file, else a fresh token for this session"
        )
        form.addRow("Host:", self.host_edit)
        form.addRow("Port:", self.port_spin)
        form.addRow("Allowed origins:", self.origins_edit)
        form.addRow("", self.token_check)
        layout.addWidget(settings_box)

        row = QHBoxLayout()
        self.start_button = QPushButton("Start server")
        self.start_button.clicked.connect(self.toggle)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.start_button)
        row.addWidget(self.status, 1)
        layout.addLayout(row)
        self.free_port_button = QPushButton("Use a free port and start")
        self.free_port_button.clicked.connect(self._use_free_port)
        self.free_port_button.hide()
        layout.addWidget(self.free_port_button)
        layout.addStretch(1)
        self.columns.addLayout(layout)

        use_box = QGroupBox("Use it")
        use = QFormLayout(use_box)
        use.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.endpoint_edit, self.copy_endpoint_button = self._copy_row(use, "Endpoint:")
        self.copy_endpoint_button.setText("Copy endpoint")
        self.copy_endpoint_button.clicked.connect(self.copy_endpoint)
        self.ui_edit, self.copy_ui_button = self._copy_row(use, "Dev server UI:")
        self.copy_ui_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.ui_edit.text())
        )
        self.cli_edit, self.copy_cli_button = self._copy_row(use, "CLI:")
        self.copy_cli_button.setToolTip("Copies the line, with the token when one is required")
        self.copy_cli_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.cli_line(with_token=True))
        )
        self.usage = QLabel()
        self.usage.setWordWrap(True)
        self.usage.setTextFormat(Qt.TextFormat.RichText)
        self.usage.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        use.addRow(self.usage)
        self.copy_token_button = QPushButton("Copy token")
        self.copy_token_button.clicked.connect(self._copy_token)
        use.addRow("", self.copy_token_button)
        use_column = QVBoxLayout()
        use_column.addWidget(use_box)
        self.doctor = DoctorView(runner, self.doctor_target)
        use_column.addWidget(self.doctor, 1)
        self.columns.addLayout(use_column)

        log_box = QGroupBox("Request log (never payload contents)")
        log_layout = QVBoxLayout(log_box)
        self.log_table = QTableWidget(0, len(LOG_COLUMNS))
        self.log_table.setHorizontalHeaderLabels(list(LOG_COLUMNS))
        self.log_table.verticalHeader().hide()
        self.log_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.log_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.log_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate((66, 58, 0, 82, 48, 44, 62, 104)):
            if width:
                self.log_table.horizontalHeader().resizeSection(column, width)
        self.log_table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        log_layout.addWidget(self.log_table)
        clear = QPushButton("Clear log")
        clear.clicked.connect(lambda: self.log_table.setRowCount(0))
        log_layout.addWidget(clear, 0, Qt.AlignmentFlag.AlignRight)
        self.columns.addWidget(log_box)
        self.set_vertical(False)

        self.load_fields()
        self._show_state()

    def set_vertical(self, vertical: bool) -> None:
        """One column (docked beside the documents, or floating) or three side by side."""
        direction = (
            QBoxLayout.Direction.TopToBottom if vertical else QBoxLayout.Direction.LeftToRight
        )
        self.columns.setDirection(direction)
        for index, stretch in enumerate((0, 0, 1) if vertical else (2, 3, 4)):
            self.columns.setStretch(index, stretch)

    def _copy_row(self, form: QFormLayout, label: str) -> tuple[QLineEdit, QPushButton]:
        row = QHBoxLayout()
        edit = QLineEdit()
        edit.setReadOnly(True)
        edit.setFont(monospace_font())
        edit.setCursorPosition(0)
        button = QPushButton("Copy")
        row.addWidget(edit, 1)
        row.addWidget(button)
        form.addRow(label, row)
        return edit, button

    # -- fields ------------------------------------------------------------------------
    def load_fields(self) -> None:
        """Fill the fields from the saved settings, else from the config's ``[server]``."""
        server = self.session.config.server
        prefs = self.settings.server_prefs()
        self.host_edit.setText(prefs.host or server.host)
        self.port_spin.setValue(server.port if prefs.port is None else prefs.port)
        origins = prefs.allowed_origins if prefs.allowed_origins is not None else None
        self.origins_edit.setPlainText("\n".join(origins or server.allowed_origins))
        self.token_check.setChecked(prefs.require_token or server.token is not None)

    def prefs(self) -> ServerPrefs:
        return ServerPrefs(
            host=self.host_edit.text().strip() or None,
            port=self.port_spin.value(),
            allowed_origins=self.origins(),
            require_token=self.token_check.isChecked(),
        )

    def origins(self) -> tuple[str, ...]:
        lines = (line.strip() for line in self.origins_edit.toPlainText().splitlines())
        return tuple(line for line in lines if line)

    def token(self) -> str | None:
        """The token the server requires (config's, else one made for this session)."""
        if not self.token_check.isChecked():
            return None
        configured = self.session.config.server.token
        if configured:
            return configured
        if self._session_token is None:
            self._session_token = secrets.token_urlsafe(24)
        return self._session_token

    def server_config(self) -> Config:
        """The session's config with the panel's host, port, origins and token."""
        config = self.session.config
        server = dataclasses.replace(
            config.server,
            host=self.host_edit.text().strip() or config.server.host,
            port=self.port_spin.value(),
            allowed_origins=self.origins(),
            token=self.token(),
        )
        return dataclasses.replace(config, server=server)

    # -- lifecycle ---------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.server is not None and self.server.running

    @property
    def url(self) -> str | None:
        return self.server.url if self.running and self.server is not None else None

    def toggle(self) -> None:
        if self.running:
            self.runner.start("server", "Stopping the codec server", lambda p: self.stop())
        else:
            self.runner.start("server", "Starting the codec server", lambda p: self.start())

    async def start(self) -> bool:
        """Start the server; on failure show why (and how to fix it) and return False."""
        if self.running:
            return True
        self.settings.set_server_prefs(self.prefs())
        server = CodecServer(self.server_config(), log=self.log)
        self._set_busy("Starting…")
        try:
            await server.start()
        except ServerStartError as e:
            self.server = None
            self._show_state(error=str(e), port_busy=e.port_in_use)
            return False
        except OSError as e:
            self.server = None
            self._show_state(error=f"cannot start: {e.strerror or e}")
            return False
        self.server = server
        self._show_state()
        self.state_changed.emit(True)
        return True

    async def stop(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            self._set_busy("Stopping…")
            await server.stop()
        self._show_state()
        self.state_changed.emit(False)

    def _use_free_port(self) -> None:
        self.port_spin.setValue(0)
        self.runner.start("server", "Starting the codec server", lambda p: self.start())

    def shutdown_unsubscribe(self) -> None:
        self._unsubscribe()

    # -- display -----------------------------------------------------------------------
    def _set_busy(self, text: str) -> None:
        self.start_button.setEnabled(False)
        self.status.setText(text)

    def _show_state(self, error: str | None = None, port_busy: bool = False) -> None:
        running = self.running
        self.start_button.setEnabled(True)
        self.start_button.setText("Stop server" if running else "Start server")
        for widget in (self.host_edit, self.port_spin, self.origins_edit, self.token_check):
            widget.setEnabled(not running)
        self.free_port_button.setVisible(port_busy)
        for button in (self.copy_endpoint_button, self.copy_ui_button, self.copy_cli_button):
            button.setEnabled(running)
        self.copy_token_button.setVisible(running and self.token() is not None)
        if error:
            hint = (
                " Stop the other server, or pick another port here (0 picks a free one)."
                if port_busy
                else ""
            )
            self.status.setText(f"<span style='color:#c62828'>Not started: {error}.{hint}</span>")
        elif running and self.server is not None:
            token = " · token required" if self.token() else ""
            self.status.setText(
                f"<span style='color:#2e7d32'>●</span> Listening on <b>{self.server.url}</b>"
                f"{token}<br>Profiles (picked by X-Namespace): {self.session.state.source_label}"
            )
        else:
            self.status.setText("Stopped.")
        self.endpoint_edit.setText(self.url or "")
        self.ui_edit.setText(
            f"temporal server start-dev --ui-codec-endpoint {self.url}" if self.url else ""
        )
        self.cli_edit.setText(self.cli_line() if self.url else "")
        for edit in (self.endpoint_edit, self.ui_edit, self.cli_edit):
            edit.setCursorPosition(0)
            edit.setToolTip(edit.text())
        self._show_usage()

    def cli_line(self, *, with_token: bool = False) -> str:
        """The exact ``temporal`` line that decodes through this server."""
        url = self.url or "http://127.0.0.1:PORT"
        line = f"temporal workflow show --workflow-id WORKFLOW_ID --codec-endpoint {url}"
        token = self.token()
        if token:
            shown = token if with_token else "$INSPECTOR_TOKEN"
            line += f' --codec-auth "Bearer {shown}"'
        return line

    def _show_usage(self) -> None:
        if self.url is None:
            self.usage.setText(
                "Start the server to get an endpoint for the Temporal Web UI and the CLI."
            )
            return
        origins = ", ".join(self.origins()) or "none: browsers are refused"
        token_note = (
            "<br>A token is required: <i>Copy</i> on the CLI line includes it (shown as "
            "<code>$INSPECTOR_TOKEN</code>). The Web UI sends its own access token only to "
            "<code>https://</code> endpoints."
            if self.token()
            else ""
        )
        self.usage.setText(
            "In the Web UI, set the <b>Codec Server endpoint</b> to the address above "
            f"(origins allowed: {origins}).{token_note}"
        )

    def doctor_target(self, typed: str) -> DoctorOptions | str:
        """What *Check* checks: the URL typed in, else this server (with its token)."""
        origin = next(iter(self.origins()), DEFAULT_ORIGIN)
        if typed:
            return DoctorOptions(url=typed, origin=origin)
        if self.url is None:
            return "Start the server, or type the URL of a codec endpoint to check."
        token = self.token()
        return DoctorOptions(url=self.url, origin=origin, auth=f"Bearer {token}" if token else None)

    def copy_endpoint(self) -> None:
        if self.url:
            QGuiApplication.clipboard().setText(self.url)

    def _copy_token(self) -> None:
        token = self.token()
        if token:
            QGuiApplication.clipboard().setText(token)

    def _on_record(self, record: RequestRecord) -> None:
        """A request was answered: add its row (oldest rows go beyond LOG_ROWS)."""
        self.request_count += 1
        table = self.log_table
        if table.rowCount() >= LOG_ROWS:
            table.removeRow(0)
        row = table.rowCount()
        table.insertRow(row)
        values = (
            record.time[11:19],
            record.method,
            record.path,
            record.namespace or "",
            str(record.status),
            f"{record.duration_ms:.1f}",
            "" if record.payloads is None else str(record.payloads),
            f"{record.bytes_in:,} → {record.bytes_out:,}",
        )
        for column, value in enumerate(values):
            item = QTableWidgetItem(value)
            if column == 4 and record.status >= 400:
                item.setForeground(QColor("#c62828"))
            if record.error:
                item.setToolTip(record.error)
            table.setItem(row, column, item)
        table.scrollToBottom()
