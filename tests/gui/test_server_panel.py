"""The codec server panel: the same server as ``serve``, started on the app's loop."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import aiohttp
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload

from tests.gui.conftest import Runner, WindowFactory, settle, wait_for
from tests.support.config import write_config
from tests.support.history import HistoryRun, iter_payloads
from tests.support.ports import LOOPBACK


def test_decode_through_the_panels_server(
    make_window: WindowFactory, run: Runner, real_history: HistoryRun, tmp_path: Path
) -> None:
    config = write_config(tmp_path, {"history": real_history.profile})
    window = make_window(config)
    window.server_action.trigger()
    panel = window.server_panel
    assert window.server_dock.isVisible()
    panel.port_spin.setValue(0)
    panel.start_button.click()
    run(settle(window))
    assert panel.running and panel.url is not None
    assert panel.url.startswith(f"http://{LOOPBACK}:")
    assert panel.endpoint_edit.text() == panel.url
    assert f"--codec-endpoint {panel.url}" in panel.cli_edit.text()
    assert panel.url in window.server_status.text()

    stored = real_history.large_result_pointer()
    payloads = [raw for p, raw in iter_payloads(real_history.history) if p == stored]

    async def decode(path: str) -> list[Payload]:
        async with aiohttp.ClientSession() as http:
            response = await http.post(
                f"{panel.url}{path}",
                json={"payloads": payloads},
                headers={"X-Namespace": real_history.namespace},
            )
            assert response.status == 200, await response.text()
            body = await response.json()
        return [json_format.ParseDict(p, Payload()) for p in body["payloads"]]

    [content] = run(decode("/decode"))
    assert json.loads(content.data) == real_history.expected.large_result
    [reference] = run(decode("/decode?preserveStorageRefs=true"))
    [expected_ref] = run(real_history.sdk_decode_preserving_refs(payloads))
    assert reference == expected_ref
    # the live request log: one row per request, never payload contents
    run(wait_for(lambda: panel.log_table.rowCount() >= 2))
    cells = [
        panel.log_table.item(0, c).text()  # type: ignore[union-attr]
        for c in range(panel.log_table.columnCount())
    ]
    assert cells[1:5] == ["POST", "/decode", real_history.namespace, "200"]
    logged = " ".join(
        panel.log_table.item(r, c).text()  # type: ignore[union-attr]
        for r in range(panel.log_table.rowCount())
        for c in range(panel.log_table.columnCount())
    )
    assert "rows" not in logged and payloads[0]["metadata"]["encoding"] not in logged

    panel.start_button.click()  # Stop
    run(settle(window))
    assert not panel.running and panel.start_button.text() == "Start server"


def test_port_in_use_is_a_message_and_a_way_out(make_window: WindowFactory, run: Runner) -> None:
    window = make_window()
    panel = window.server_panel
    with socket.socket() as busy:
        busy.bind((LOOPBACK, 0))
        busy.listen(1)
        panel.port_spin.setValue(busy.getsockname()[1])
        assert run(panel.start()) is False
        assert not panel.running
        assert "already in use" in panel.status.text()
        assert "--" not in panel.status.text()  # the panel's words, not the command line's
        assert panel.free_port_button.isVisibleTo(panel)
        panel.free_port_button.click()
        run(settle(window))
        assert panel.running and panel.port_spin.value() == 0


def test_token_is_required_and_never_shown(make_window: WindowFactory, run: Runner) -> None:
    window = make_window()
    panel = window.server_panel
    panel.port_spin.setValue(0)
    panel.token_check.setChecked(True)
    assert run(panel.start())
    token = panel.token()
    assert token and panel.copy_token_button.isVisibleTo(panel)
    shown = " ".join([panel.status.text(), panel.usage.text(), panel.cli_edit.text()])
    assert token not in shown and "$INSPECTOR_TOKEN" in panel.cli_edit.text()
    assert token in panel.cli_line(with_token=True)

    async def status(headers: dict[str, str]) -> int:
        async with aiohttp.ClientSession() as http:
            response = await http.post(
                f"{panel.url}/decode", json={"payloads": []}, headers=headers
            )
            return response.status

    assert run(status({})) == 401
    assert run(status({"Authorization": f"Bearer {token}"})) == 200
    assert token not in window.audit_caption().text()
