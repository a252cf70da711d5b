"""The detail pane's Layers tab, the error card's diagnosis, and the server panel's Check."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from google.protobuf import json_format
from temporalio.converter import DataConverter

from inspector.doctor import CHECK_NAMES, Status
from inspector.gui.resources import SAMPLES_DIR
from tests.gui.conftest import Runner, WindowFactory, settle, wait_for
from tests.support.config import aes_gcm_codec, profile, write_config
from tests.support.sdk_codecs import SdkAesGcmCodec, SdkChain, SdkGzipCodec

STORED = SAMPLES_DIR / "history-external-storage.json"
SAMPLE_CONFIG = SAMPLES_DIR / "config.toml"
REFERENCE = "/events/9/activityTaskCompletedEventAttributes/result/payloads/0"


def test_the_layers_tab_lists_every_step_of_a_stored_reference(
    make_window: WindowFactory, run: Runner
) -> None:
    window = make_window(SAMPLE_CONFIG)
    window.open_path(STORED)
    run(settle(window))
    tab = window.current_tab()
    assert tab is not None and tab.select_pointer(REFERENCE)
    layers = tab.detail.layers_view
    tab.detail.tabs.setCurrentWidget(layers)
    run(wait_for(lambda: layers.table.rowCount() > 0))
    rows = layers.row_texts()
    assert [row.split(" | ")[:3] for row in rows] == [
        ["input", "", "json/protobuf"],
        ["storage", "local.filesystem", "binary/gzip"],
        ["pre-storage codec", "gzip", "json/plain"],
        ["result", "", "json/plain"],
    ]
    assert "sha256" in rows[1] and "stored size" in rows[1]
    assert "Decoded by profile" in layers.status.text()
    layers.table.selectRow(2)
    assert layers.hex_view.text().startswith("00000000")
    assert '"' in layers.value_view.text()  # the JSON value the gzip layer gave


def test_a_wrong_key_id_is_red_in_the_layers_and_diagnosed_in_the_error_card(
    make_window: WindowFactory, run: Runner, tmp_path: Path
) -> None:
    key_2025, key_2026 = os.urandom(32), os.urandom(32)
    codec = SdkChain([SdkAesGcmCodec("k-2025", key_2025), SdkGzipCodec()])
    plain = DataConverter.default.payload_converter.to_payloads([{"amount": 129.5}])
    encoded = run(codec.encode(plain))
    document = tmp_path / "payments.json"
    document.write_text(json.dumps({"payloads": [json_format.MessageToDict(encoded[0])]}))
    config = write_config(
        tmp_path,
        {"payments": profile([aes_gcm_codec({"k-2026": key_2026}), "gzip"], namespaces=["p"])},
    )
    window = make_window(config)
    window.profile_picker.select("payments")
    window.open_path(document)
    run(settle(window))
    tab = window.current_tab()
    assert tab is not None and tab.select_pointer("/payloads/0")
    banner = tab.detail.error_banner
    expected = "encrypted with key id 'k-2025'; profile 'payments' knows only 'k-2026'"
    run(wait_for(lambda: banner.diagnosis.text() == expected))
    assert banner.isVisible()

    layers = tab.detail.layers_view
    tab.detail.tabs.setCurrentWidget(layers)
    run(wait_for(lambda: layers.table.rowCount() == 2))
    failing = layers.table.item(1, 5)
    assert failing is not None and failing.text().startswith("FAILED (codec): unknown encryption")
    assert failing.background().color().red() > failing.background().color().green()
    assert expected in layers.status.text()
    assert base64.b64encode(key_2026).decode() not in layers.status.text()


def test_check_runs_the_doctor_against_the_panels_own_server_and_a_typed_url(
    make_window: WindowFactory, run: Runner
) -> None:
    window = make_window()
    window.server_action.trigger()
    panel = window.server_panel
    doctor = panel.doctor
    assert run(doctor.check()) == []  # no server yet, no URL: it says what to do
    assert "Start the server" in doctor.summary.text()

    panel.port_spin.setValue(0)
    assert run(panel.start())
    results = run(doctor.check())
    assert [r.name for r in results] == list(CHECK_NAMES)
    assert not [r.line for r in results if r.status is Status.FAIL]
    assert doctor.table.rowCount() == len(CHECK_NAMES) and doctor.table.isVisible()
    assert "no check failed" in doctor.summary.text()

    doctor.url_edit.setText("http://127.0.0.1:9/codec")  # nothing listens on port 9
    results = run(doctor.check())
    assert {r.name for r in results if r.status is Status.FAIL} >= {"reachable", "latency"}
    assert "FAIL: reachable" in doctor.summary.text()
    doctor.url_edit.setText("not a url")
    assert run(doctor.check()) == [] and "is not a codec endpoint" in doctor.summary.text()
    run(panel.stop())


def test_keyboard_through_rows_with_the_layers_tab_open_then_another_profile(
    make_window: WindowFactory, run: Runner
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window = make_window(SAMPLE_CONFIG)
    window.open_path(STORED)
    run(settle(window))
    tab = window.current_tab()
    assert tab is not None and tab.select_row(0)
    layers = tab.detail.layers_view
    tab.detail.tabs.setCurrentWidget(layers)
    tab.table.setFocus()
    for _ in range(len(tab.loaded.doc.payloads) if tab.loaded else 0):
        QTest.keyClick(tab.table, Qt.Key.Key_Down)
    run(settle(window))
    window.resize(1000, 700)
    run(settle(window))
    index = tab.selected_index()
    assert index is not None
    status = layers.status.text()
    if tab.detail.entry is not None and tab.detail.entry.row.transform:
        run(wait_for(lambda: layers.table.rowCount() > 0))
        assert layers.row_texts()[0].startswith("input")
        assert "Decoded by profile" in layers.status.text()
    else:
        assert "search attribute" in status

    # a namespace the sample's "*" profile serves: the same layers, traced again
    window.profile_picker.select("some-other-namespace")
    run(settle(window))
    assert tab.select_pointer(REFERENCE)
    tab.detail.tabs.setCurrentWidget(layers)
    run(wait_for(lambda: layers.table.rowCount() == 4))
    assert [row.split(" | ")[0] for row in layers.row_texts()] == [
        "input",
        "storage",
        "pre-storage codec",
        "result",
    ]
