"""Protobuf payloads in the app: the value and tree views show the message by field name,
the Hex and Proto JSON tabs still the bytes; the sample opens with its own profile."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from google.protobuf import json_format
from temporalio.api.common.v1 import Payload

from inspector.documents.protobuf import RAW_LABEL
from inspector.gui.document_tab import DocumentTab
from inspector.gui.resources import SAMPLES_DIR, samples
from tests.gui.conftest import Runner, WindowFactory, settle
from tests.support.config import profile, write_config
from tests.support.protos import ORDER_TYPE


def _tab(window: object) -> DocumentTab:
    tab = window.current_tab()  # type: ignore[attr-defined]
    assert isinstance(tab, DocumentTab)
    return tab


def test_the_protobuf_sample_reads_by_field_name(make_window: WindowFactory, run: Runner) -> None:
    sample = next(s for s in samples() if s.path.name == "protobuf.json")
    window = make_window()
    window.open_sample(sample)
    run(settle(window))
    tab = _tab(window)
    assert window.choice.profile is not None
    assert window.choice.profile.name == "protobuf-samples"
    doc = json.loads((SAMPLES_DIR / "protobuf.json").read_text())
    raw = [json_format.ParseDict(p, Payload()) for p in doc["payloads"]]

    tab.select_row(0)
    run(settle(window))
    detail = tab.detail
    shown = json.loads(detail.value_view.text())
    assert shown["orderId"] == "ord-2024-0001"
    assert shown["lineItems"][0]["priceMicros"] == "9007199254740993"
    assert ORDER_TYPE in detail.value_view.note.text()
    root = detail.tree_view.topLevelItem(0)
    assert root is not None and root.text(1).endswith("keys")
    # the bytes are still the bytes
    assert detail.hex_view.text().startswith("00000000  0a 0d 6f 72")
    proto = json.loads(detail.proto_view.text())
    assert base64.b64decode(proto["data"]) == raw[0].data

    tab.select_row(1)  # the same order as json/protobuf
    run(settle(window))
    assert json.loads(detail.value_view.text()) == shown

    tab.select_row(2)  # a type the schema does not define
    run(settle(window))
    unknown = json.loads(detail.value_view.text())
    assert "unknown message type" in unknown[RAW_LABEL]
    assert unknown["fields"][0] == {"field": 1, "wireType": "len", "string": "SKU-UNLISTED"}
    assert "proto_descriptors" in detail.value_view.note.text()


def test_broken_descriptors_leave_messages_raw_with_a_notice(
    make_window: WindowFactory, run: Runner, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.proto"
    bad.write_text("message {")
    config = write_config(
        tmp_path, {"main": profile(namespaces=["*"], proto_descriptors=[str(bad)])}
    )
    window = make_window(config)
    window.open_path(SAMPLES_DIR / "protobuf.json")
    run(settle(window))
    tab = _tab(window)
    assert "shown raw" in tab.notice.text() and str(bad) in tab.notice.text()
    tab.select_row(0)
    run(settle(window))
    assert RAW_LABEL in json.loads(tab.detail.value_view.text())
