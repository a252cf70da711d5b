"""File → Connect against the real dev server: the form, the workflow list, a run opened as a
tab that fills while its pages arrive (progress, cancel), and Refresh of a running workflow
showing its new events, each decoded like the SDK decodes it."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import keyring
import pytest
from google.protobuf import json_format
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from temporalio.api.common.v1 import Payload

from inspector.gui.document_tab import DocumentTab
from inspector.gui.main_window import MainWindow
from inspector.live.connection import Connection, connect
from inspector.live.listing import list_executions
from tests.gui.conftest import Runner, WindowFactory, settle, wait_for
from tests.support.aio import run_sync
from tests.support.config import write_config
from tests.support.grpc_proxy import GrpcProxy
from tests.support.history import HistoryRun
from tests.support.linked_workflows import make_linked_runs
from tests.support.live import start_waiting_run
from tests.support.ports import free_port
from tests.support.temporal_server import TemporalDevServer
from tests.support.tls import make_pki


def _events(tab: DocumentTab) -> list[dict[str, object]]:
    assert tab.loaded is not None
    events: list[dict[str, object]] = tab.loaded.doc.root["events"]
    return events


def _decoded(tab: DocumentTab, pointer: str) -> Payload:
    assert tab.loaded is not None and tab.outcomes is not None
    [index] = [i for i, f in enumerate(tab.loaded.doc.payloads) if f.location.pointer == pointer]
    payload = tab.outcomes[index].payload
    assert payload is not None, tab.outcomes[index].error
    return payload


def _window(make_window: WindowFactory, history: HistoryRun, tmp_path: Path) -> MainWindow:
    return make_window(write_config(tmp_path, {"live": history.profile}))


def test_connect_list_and_open_a_run(
    make_window: WindowFactory,
    run: Runner,
    paged_server: TemporalDevServer,
    fs_history: HistoryRun,
    tmp_path: Path,
) -> None:
    closed = f'WorkflowId="{fs_history.workflow_id}" AND ExecutionStatus="Completed"'
    run(_all_visible(paged_server, closed, 1))
    window = _window(make_window, fs_history, tmp_path)
    assert window.connect_action.shortcut().toString() == "Ctrl+Shift+O"
    window.connect_action.trigger()
    dialog = window.connect_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.address.setText(f"127.0.0.1:{free_port()}")
    dialog.connect_button.click()
    run(settle(window))
    assert "unreachable" in dialog.message.text() and dialog.client is None

    dialog.address.setText(paged_server.address)
    dialog.query.setText(f'WorkflowId="{fs_history.workflow_id}"')
    dialog.connect_button.click()
    run(settle(window))
    assert "Connected to" in dialog.message.text()
    assert [r.workflow_id for r in dialog.rows] == [fs_history.workflow_id]
    cells = [dialog.table.item(0, c).text() for c in range(dialog.table.columnCount())]
    assert cells[:3] == [fs_history.workflow_id, "InspectorSampleWorkflow", "Completed"]
    assert cells[5] == fs_history.run_id

    dialog.query.setText('ExecutionStatus="Nonsense"')
    dialog.search_button.click()
    run(settle(window))
    assert dialog.message.styleSheet() and "\n" not in dialog.message.text()

    dialog.query.setText(f'WorkflowId="{fs_history.workflow_id}"')
    dialog.search()
    run(settle(window))
    dialog.table.setFocus()
    QTest.keyClick(dialog.table, Qt.Key.Key_Return)  # Enter on the row opens it
    run(settle(window))
    tab = window.current_tab()
    assert tab is not None and tab.name == fs_history.workflow_id
    assert _events(tab) == fs_history.history["events"]
    assert window.live[tab.key].pages > 2
    stored = fs_history.large_result_pointer()
    assert json.loads(_decoded(tab, stored).data) == fs_history.expected.large_result


def test_a_tab_fills_as_pages_arrive_and_cancels(
    make_window: WindowFactory,
    run: Runner,
    paged_server: TemporalDevServer,
    fs_history: HistoryRun,
    tmp_path: Path,
) -> None:
    window = _window(make_window, fs_history, tmp_path)
    total = len(fs_history.history["events"])
    with GrpcProxy(paged_server.address, delay=0.4) as slow:
        tab = window.open_workflow(Connection(address=slow.address), fs_history.workflow_id)
        live = window.live[tab.key]
        run(wait_for(lambda: tab.loaded is not None and 0 < len(_events(tab)) < total))
        assert window.runner.is_running(live.key)
        assert any("events, page" in p.label for p in window.runner.active())  # the progress
        window.cancel_work()
        run(wait_for(lambda: live.done))
        run(settle(window))
        assert live.message.startswith("Cancelled after") and len(_events(tab)) < total
        live.refresh()  # Refresh fetches it all again
        run(settle(window, timeout=60))
    assert _events(tab) == fs_history.history["events"]


def test_refresh_shows_a_running_workflows_new_events(
    make_window: WindowFactory,
    run: Runner,
    paged_server: TemporalDevServer,
    fs_history: HistoryRun,
    tmp_path: Path,
) -> None:
    window = _window(make_window, fs_history, tmp_path)
    store = Path(fs_history.profile["storage"]["path"])
    workflow_id = f"inspector-running-{uuid.uuid4().hex[:8]}"
    _client, handle = run(start_waiting_run(paged_server, store, workflow_id))
    tab = window.open_workflow(Connection(address=paged_server.address), workflow_id)
    run(settle(window))
    before = len(_events(tab))
    assert before >= 2
    tab.table.setFocus()
    QTest.keyClick(tab.table, Qt.Key.Key_Down)  # the user is on the second row
    assert tab.selected_index() == 1 and tab.loaded is not None
    chosen = tab.loaded.doc.payloads[1].location.pointer
    signal = {"by": "refresh@example.com", "comment": "new ✓"}
    run(handle.signal("approve", signal))
    window.refresh()
    run(settle(window))
    # the same payload stays selected (a memo map's order may differ from fetch to fetch)
    at = tab.selected_index()
    assert at is not None and tab.loaded.doc.payloads[at].location.pointer == chosen
    events = _events(tab)
    assert len(events) == before + 1
    assert events[-1]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED"
    pointer = f"/events/{before}/workflowExecutionSignaledEventAttributes/input/payloads/0"
    raw = tab.loaded.doc.payloads if tab.loaded else []
    assert any(f.location.pointer == pointer for f in raw)
    assert json.loads(_decoded(tab, pointer).data) == signal
    [sdk] = run(fs_history.sdk_decode_steps([json_format.MessageToDict(raw[-1].payload)])).decoded
    assert _decoded(tab, pointer) == sdk
    run(handle.terminate("test over"))


def test_an_api_key_is_not_saved_without_a_keyring(
    make_window: WindowFactory,
    run: Runner,
    paged_server: TemporalDevServer,
    fs_history: HistoryRun,
    tmp_path: Path,
) -> None:
    pki = make_pki(tmp_path / "pki")
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # keyring's own backend when none is available
    tls = (pki.server_cert.read_bytes(), pki.server_key.read_bytes())
    try:
        with GrpcProxy(paged_server.address, tls=tls, api_key="k-1") as proxy:
            window = _window(make_window, fs_history, tmp_path)
            dialog = window.show_connect()
            dialog.address.setText(proxy.address)
            dialog.api_key.setText("k-1")
            dialog.tls_ca.setText(str(pki.ca))
            dialog.remember_key.setChecked(True)
            dialog.connect_button.click()
            run(settle(window))
            text = dialog.message.text()
            assert "Connected to" in text and "The API key was not saved: no system" in text
            assert proxy.authorizations()[-1] == "Bearer k-1"
    finally:
        keyring.set_keyring(before)


def test_follow_a_child_and_continue_as_new_into_new_tabs(
    make_window: WindowFactory, run: Runner, paged_server: TemporalDevServer, tmp_path: Path
) -> None:
    runs = run_sync(lambda: make_linked_runs(paged_server.address), timeout=120)
    window = make_window(write_config(tmp_path, {"plain": {"namespaces": ["default"]}}))
    connection = Connection(address=paged_server.address)
    first = window.open_workflow(connection, runs.workflow_id, runs.first_run)
    run(settle(window))
    menu = window.show_related()
    assert menu is not None
    labels = [a.text() for a in menu.actions()]
    assert labels == [
        f"Child InspectorLinkedChild: {runs.child_id}",
        "Next run (continued as new)",
    ]
    menu.actions()[0].trigger()
    run(settle(window))
    child = window.current_tab()
    assert child is not None and child is not first and child.name == runs.child_id
    assert window.live[child.key].run_id == runs.child_run
    assert [a.text() for a in window.show_related().actions()] == [  # type: ignore[union-attr]
        f"Parent: {runs.workflow_id}"
    ]
    window.tabs.setCurrentWidget(first)
    window.show_related().actions()[1].trigger()  # type: ignore[union-attr]
    run(settle(window))
    last = window.current_tab()
    assert last is not None and window.live[last.key].run_id == runs.last_run
    assert [a.text() for a in window.show_related().actions()] == [  # type: ignore[union-attr]
        "Previous run (continued as new)"
    ]
    # a retried run points to its retry, and back
    window.open_workflow(connection, runs.retried_id, runs.retried_first_run)
    run(settle(window))
    [retry] = window.show_related().actions()  # type: ignore[union-attr]
    assert retry.text() == "Next run (retry)"
    retry.trigger()
    run(settle(window))
    again = window.current_tab()
    assert again is not None and window.live[again.key].run_id == runs.retried_last_run
    assert [a.text() for a in window.show_related().actions()] == [  # type: ignore[union-attr]
        "Previous run (retried)"
    ]


def test_a_cli_profile_connects_with_nothing_typed(
    make_window: WindowFactory,
    run: Runner,
    paged_server: TemporalDevServer,
    fs_history: HistoryRun,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    toml = tmp_path / "temporal.toml"
    toml.write_text(f'[profile.dev]\naddress = "{paged_server.address}"\nnamespace = "default"\n')
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(toml))
    run(_all_visible(paged_server, f'WorkflowId="{fs_history.workflow_id}"', 1))
    window = _window(make_window, fs_history, tmp_path)
    dialog = window.show_connect()
    assert [dialog.profile.itemText(i) for i in range(dialog.profile.count())] == ["(none)", "dev"]
    dialog.profile.setCurrentText("dev")
    assert dialog.address.text() == "" and dialog.namespace.text() == ""
    dialog.query.setText(f'WorkflowId="{fs_history.workflow_id}"')
    dialog.connect_button.click()
    run(settle(window))
    assert dialog.message.text().startswith(f"Connected to {paged_server.address}")
    assert [r.run_id for r in dialog.rows] == [fs_history.run_id]


async def _all_visible(server: TemporalDevServer, query: str, count: int) -> None:
    """Until the server's visibility lists ``count`` runs for ``query`` (written just after
    each start; under load a moment later)."""
    client, args = await connect(Connection(address=server.address))
    for _ in range(100):
        if len([r async for r in list_executions(client, args, query)]) == count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"visibility never listed {count} runs for {query}")


def test_the_list_pages_with_more(
    make_window: WindowFactory,
    run: Runner,
    paged_server: TemporalDevServer,
    fs_history: HistoryRun,
    tmp_path: Path,
) -> None:
    store = Path(fs_history.profile["storage"]["path"])
    ids = [f"inspector-paging-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    handles = [run(start_waiting_run(paged_server, store, i))[1] for i in ids]
    window = _window(make_window, fs_history, tmp_path)
    dialog = window.show_connect()
    dialog.page_size = 2
    dialog.address.setText(paged_server.address)
    dialog.query.setText(" OR ".join(f'WorkflowId="{i}"' for i in ids))
    run(_all_visible(paged_server, query := " OR ".join(f'WorkflowId="{i}"' for i in ids), 3))
    dialog.connect_button.click()
    run(settle(window))
    assert dialog.query.text() == query
    assert len(dialog.rows) == 2 and dialog.more_button.isEnabled()
    assert dialog.count.text() == "2 execution(s), more on the server"
    dialog.more_button.click()
    run(settle(window))
    assert sorted(r.workflow_id for r in dialog.rows) == sorted(ids)
    assert {r.status for r in dialog.rows} == {"Running"}
    assert [dialog.table.item(n, 4).text() for n in range(3)] == ["", "", ""]  # no close time
    assert not dialog.more_button.isEnabled() and dialog.table.rowCount() == 3
    for handle in handles:
        run(handle.terminate("test over"))
