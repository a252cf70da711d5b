"""File → Connect: a Temporal server's connection form, its workflow list, and opening a run.

The form takes what ``decode --workflow-id`` takes (address, namespace, API key, TLS files,
or a profile of the ``temporal`` CLI's own client config); the list runs the visibility
query box's query a page at a time (More loads the next page); Open (Enter, a double click)
asks the window to open the selected run as a live tab. Trouble is one line in the form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
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

from inspector.live import keyring_store
from inspector.live.connection import Connection, connect
from inspector.live.listing import Execution, list_page

if TYPE_CHECKING:
    from temporalio.client import Client

    from inspector.live.connection import ConnectArgs

    from .tasks import Progress, TaskRunner

COLUMNS = ("Workflow ID", "Type", "Status", "Start", "Close", "Run ID")
PAGE_SIZE = 50
NO_PROFILE = "(none)"


def cli_profiles() -> list[str]:
    """The profiles of the ``temporal`` CLI's config file (``temporal.toml``), if any."""
    try:
        from temporalio.envconfig import ClientConfig

        return sorted(ClientConfig.load().profiles)
    except Exception:  # no file, or one the SDK cannot read: the form works without it
        return []


class ConnectDialog(QDialog):
    """The connection form and the workflow list of one server."""

    open_requested = Signal(object, str, str)  # Connection, workflow id, run id

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect to a Temporal server")
        self.setObjectName("connectDialog")
        self.runner = runner
        self.client: Client | None = None
        self.args: ConnectArgs | None = None
        self.connection: Connection | None = None
        self.rows: list[Execution] = []
        self.page_size = PAGE_SIZE  # rows a page of the list (More asks for the next)
        self._next: bytes = b""

        self.profile = QComboBox()
        self.profile.addItems([NO_PROFILE, *cli_profiles()])
        self.profile.setToolTip("a profile of the temporal CLI's client config (temporal.toml)")
        self.address = QLineEdit("127.0.0.1:7233")
        self.namespace = QLineEdit("default")
        self.profile.currentTextChanged.connect(self._profile_chosen)
        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("env:VAR, file:PATH or the key itself")
        self.remember_key = QCheckBox("Keep the API key in the system keyring")
        self.address.editingFinished.connect(self.fill_saved_key)
        self.namespace.editingFinished.connect(self.fill_saved_key)
        self.tls_ca = QLineEdit()
        self.tls_ca.setPlaceholderText("server CA (PEM path); empty: no TLS unless a key")
        self.tls_cert = QLineEdit()
        self.tls_cert.setPlaceholderText("client certificate (mTLS)")
        self.tls_key = QLineEdit()
        self.tls_key.setPlaceholderText("client key (mTLS)")
        self.tls_server_name = QLineEdit()
        self.tls_server_name.setPlaceholderText("the name in the server's certificate")
        form = QFormLayout()
        form.addRow("CLI profile", self.profile)
        form.addRow("Address", self.address)
        form.addRow("Namespace", self.namespace)
        form.addRow("API key", self.api_key)
        form.addRow("", self.remember_key)
        form.addRow("Server CA", self.tls_ca)
        form.addRow("Client cert", self.tls_cert)
        form.addRow("Client key", self.tls_key)
        form.addRow("Server name", self.tls_server_name)
        self.connect_button = QPushButton("Connect")
        self.connect_button.setDefault(True)
        self.connect_button.clicked.connect(self.connect_now)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.query = QLineEdit()
        self.query.setPlaceholderText('WorkflowType="Order" AND ExecutionStatus="Failed"')
        self.query.returnPressed.connect(self.search)
        self.search_button = QPushButton("Search")
        self.search_button.clicked.connect(self.search)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        # Enter or a double click on a row opens it (Qt's "activated").
        self.table.activated.connect(lambda _index: self.open_selected())
        self.more_button = QPushButton("More")
        self.more_button.clicked.connect(self.more)
        self.count = QLabel()
        self.open_button = QPushButton("Open")
        self.open_button.clicked.connect(self.open_selected)

        top = QHBoxLayout()
        top.addWidget(self.connect_button)
        top.addWidget(self.message, 1)
        query = QHBoxLayout()
        query.addWidget(QLabel("Query"))
        query.addWidget(self.query, 1)
        query.addWidget(self.search_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.more_button)
        bottom.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(top)
        layout.addLayout(query)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.resize(980, 720)
        self._update()

    # -- the form ------------------------------------------------------------------------
    def form_connection(self) -> Connection:
        """What the form says, as the command line's options would say it."""

        def value(edit: QLineEdit) -> str | None:
            return edit.text().strip() or None

        profile = self.profile.currentText()
        return Connection(
            address=value(self.address),
            namespace=value(self.namespace),
            api_key=value(self.api_key),
            tls_ca=value(self.tls_ca),
            tls_cert=value(self.tls_cert),
            tls_key=value(self.tls_key),
            tls_server_name=value(self.tls_server_name),
            env_profile=None if profile == NO_PROFILE else profile,
        )

    def _profile_chosen(self, name: str) -> None:
        """A CLI profile brings its own address and namespace: the fields then override it
        only where typed in."""
        using = name != NO_PROFILE
        for edit, default in ((self.address, "127.0.0.1:7233"), (self.namespace, "default")):
            edit.setText("" if using else default)
            edit.setPlaceholderText("from the CLI profile" if using else "")

    def fill_saved_key(self) -> None:
        """The key kept in the keyring for this address and namespace, if any."""
        key = keyring_store.load_key(self.address.text().strip(), self.namespace.text().strip())
        if key and not self.api_key.text():
            self.api_key.setText(key)
            self.remember_key.setChecked(True)

    def connect_now(self) -> None:
        connection = self.form_connection()
        self._say("Connecting…")

        async def work(_progress: Progress) -> None:
            try:
                self.client, self.args = await connect(connection)
            except Exception as e:
                self.client = self.args = None
                self._say(str(e), error=True)
                self._update()
                return
            self.connection = connection
            note = ""
            if self.remember_key.isChecked() and self.api_key.text().strip():
                saved = keyring_store.save_key(
                    self.args.address, self.args.namespace, self.api_key.text().strip()
                )
                note = " " + saved.message
            self._say(f"Connected to {self.args.address}, namespace {self.args.namespace}.{note}")
            self._update()
            await self._list(reset=True)

        self.runner.start("connect", "Connecting", work)

    # -- the list ------------------------------------------------------------------------
    def search(self) -> None:
        if self.client is None:
            self.connect_now()
            return
        self.runner.start("connect:list", "Listing workflows", lambda _p: self._list(reset=True))

    def more(self) -> None:
        if self.client is not None and self._next:
            self.runner.start(
                "connect:list", "Listing workflows", lambda _p: self._list(reset=False)
            )

    async def _list(self, *, reset: bool) -> None:
        if self.client is None or self.args is None:
            return
        token = b"" if reset else self._next
        try:
            rows, self._next = await list_page(
                self.client,
                self.args,
                self.query.text().strip(),
                page_size=self.page_size,
                token=token,
            )
        except Exception as e:
            self._say(str(e), error=True)
            return
        if reset:
            self.rows = []
            self.table.setRowCount(0)
        for row in rows:
            self._add_row(row)
        self.rows += rows
        if self.rows and self.table.currentRow() < 0:
            self.table.selectRow(0)
        self.table.resizeColumnsToContents()
        self._update()

    def _add_row(self, row: Execution) -> None:
        at = self.table.rowCount()
        self.table.insertRow(at)
        values = (
            row.workflow_id,
            row.type,
            row.status,
            _short_time(row.start_time),
            _short_time(row.close_time),
            row.run_id,
        )
        for column, text in enumerate(values):
            item = QTableWidgetItem(text)
            if column in (3, 4) and text:
                item.setToolTip((row.start_time if column == 3 else row.close_time) or "")
            self.table.setItem(at, column, item)

    def selected(self) -> Execution | None:
        at = self.table.currentRow()
        return self.rows[at] if 0 <= at < len(self.rows) else None

    def open_selected(self) -> None:
        row = self.selected()
        if row is not None and self.connection is not None:
            self.open_requested.emit(self.connection, row.workflow_id, row.run_id)

    # -- state ---------------------------------------------------------------------------
    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020;" if error else "")

    def _update(self) -> None:
        connected = self.client is not None
        self.search_button.setEnabled(True)
        self.more_button.setEnabled(connected and bool(self._next))
        self.open_button.setEnabled(connected and bool(self.rows))
        shown = len(self.rows)
        more = ", more on the server" if self._next else ""
        self.count.setText(f"{shown} execution(s){more}" if connected else "Not connected")


def _short_time(text: str | None) -> str:
    """``2026-12-02T03:43:45.317850656Z`` → ``2026-12-02 03:43:45`` (the full one in a tip)."""
    if not text:
        return ""
    return text.replace("T", " ")[:19]
