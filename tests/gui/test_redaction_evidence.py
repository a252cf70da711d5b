"""Redaction in the app (detail pane, caption, export), evidence folders from the window and
from ``screenshot --evidence``, and ``verify`` on them — on the real, SDK-made history.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QImage
from temporalio.api.common.v1 import Payloads
from temporalio.converter import DataConverter

from inspector.config import load_config
from inspector.documents import Document, DocumentKind, FoundPayload, Location, parse_document
from inspector.evidence import MANIFEST, PNG, RULES, VALUE, verify
from inspector.gui.detail_pane import DetailEntry, render_payload
from inspector.gui.document_run import export_text
from inspector.gui.payload_model import build_rows
from inspector.outcomes import Outcome
from inspector.redaction import REDACTED, Redaction
from tests.gui.conftest import Runner, WindowFactory, settle
from tests.support.config import write_config
from tests.support.history import HistoryRun
from tests.unit.test_redaction import JSON, check_property
from tests.unit.test_redaction import RULES as RULE_TEXTS

SECRET_RULES = ["key:customer", "re:^ORDER-"]


def _config(history: HistoryRun, tmp_path: Path) -> Path:
    return write_config(tmp_path, {"history": history.profile})


def _result_pointer(history: HistoryRun) -> str:
    return history.event_pointer("WorkflowExecutionCompleted") + (
        "/workflowExecutionCompletedEventAttributes/result/payloads/0"
    )


def test_the_detail_pane_caption_and_export_show_values_redacted(
    make_window: WindowFactory, run: Runner, real_history: HistoryRun, tmp_path: Path
) -> None:
    source_digest = hashlib.sha256(real_history.path.read_bytes()).hexdigest()
    window = make_window(_config(real_history, tmp_path))
    window.session.set_rules(SECRET_RULES)
    window.open_path(real_history.path)
    run(settle(window))
    tab = window.current_tab()
    assert tab is not None and tab.select_pointer(_result_pointer(real_history))
    run(settle(window))
    detail = tab.detail
    assert detail.rendered is not None and detail.entry is not None
    shown = json.loads(detail.rendered.value_text)
    expected = copy.deepcopy(real_history.expected.result)
    expected["customer"] = expected["order_id"] = REDACTED
    expected["rejection"]["details"][0]["order_id"] = REDACTED  # re: finds it at any depth
    assert shown == expected
    assert detail.entry.redacted == 3 and "3 values redacted" in detail.summary.text()
    # no tab of the pane shows the value: text, tree, hex, proto JSON, copy
    texts = [
        detail.rendered.value_text,
        detail.rendered.hex_text,
        detail.rendered.proto_text,
        detail.current_value_text(),
        base64.b64decode(json.loads(detail.rendered.proto_text)["data"]).decode(),
    ]
    for text in texts:
        assert "nterberg" not in text and '"ORDER-4711"' not in text, text[:200]
    assert detail.rendered.value.value == expected  # what the tree is built from

    caption = window.audit_caption()
    redaction = window.session.redaction
    assert caption.lines()[-1] == (
        f"redacted: 3 values by 2 rules (rules sha256: {redaction.sha256()})"
    )
    assert caption.sha256 == source_digest  # the source's hash is that of the input

    out = tmp_path / "export.json"
    run(window.export(tab, out))
    run(settle(window))
    exported = json.loads(out.read_text())
    data = exported
    for token in _result_pointer(real_history).split("/")[1:]:
        data = data[int(token)] if isinstance(data, list) else data[token]
    assert json.loads(base64.b64decode(data["data"])) == expected
    assert "nterberg" not in out.read_text()
    assert hashlib.sha256(real_history.path.read_bytes()).hexdigest() == source_digest

    # rules off: the same pane shows the value again, without decoding anew
    window.session.set_rules([])
    run(settle(window))
    assert json.loads(tab.detail.rendered.value_text) == real_history.expected.result
    assert window.audit_caption().redaction is None


def test_a_path_rule_on_a_large_stored_payload(
    make_window: WindowFactory, run: Runner, real_history: HistoryRun, tmp_path: Path
) -> None:
    window = make_window(_config(real_history, tmp_path))
    window.session.set_rules(["path:/rows/*/blob"])
    window.open_path(real_history.path)
    run(settle(window))
    tab = window.current_tab()
    assert tab is not None and tab.select_pointer(real_history.large_result_pointer())
    run(settle(window))
    rows = real_history.expected.large_result["rows"]
    assert tab.detail.entry is not None and tab.detail.entry.redacted == len(rows)
    value = tab.detail.rendered.value.value  # type: ignore[union-attr]
    assert [r["blob"] for r in value["rows"]] == [REDACTED] * len(rows)
    assert [r["id"] for r in value["rows"]] == [r["id"] for r in rows]
    assert rows[0]["blob"] not in tab.detail.current_value_text()


def _payload_entry(value: Any, redaction: Redaction) -> DetailEntry:
    [payload] = asyncio.run(DataConverter.default.encode([value]))
    doc = Document(
        DocumentKind.PAYLOADS,
        {},
        [FoundPayload(Location("/payloads/0", "payloads[0]"), payload)],
        "x",
    )
    [row] = build_rows(doc, None)
    return DetailEntry(row, "decoded", payload, payload, None, redaction=redaction)


@given(value=JSON, rules=st.lists(RULE_TEXTS, min_size=1, max_size=3))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_what_the_pane_renders_is_redacted_as_the_model_says(
    qapp: object, value: Any, rules: list[str]
) -> None:
    entry = _payload_entry(value, Redaction.parse(rules))
    if not entry.raw.data:  # None: binary/null, nothing to redact
        return
    sdk_value = json.loads(entry.raw.data)  # as the SDK wrote it (sorted keys)
    rendered = render_payload(entry.displayed, unfolded=True, show_all=True, hex_all=True)
    check_property(sdk_value, rules, json.loads(rendered.value_text), entry.redacted)
    check_property(sdk_value, rules, rendered.value.value, entry.redacted)
    data = base64.b64decode(json.loads(rendered.proto_text).get("data", ""))
    check_property(sdk_value, rules, json.loads(data), entry.redacted)


@given(
    values=st.lists(JSON, min_size=1, max_size=3),
    rules=st.lists(RULE_TEXTS, min_size=1, max_size=3),
)
@settings(max_examples=60, deadline=None)
def test_exports_are_redacted_as_the_model_says(values: list[Any], rules: list[str]) -> None:
    payloads = list(asyncio.run(DataConverter.default.encode(values)))
    text = json_format.MessageToJson(Payloads(payloads=payloads))
    doc = parse_document(text.encode(), source="p.json")
    outcomes = {i: Outcome(payload=found.payload) for i, found in enumerate(doc.payloads)}
    exported, failed = export_text(doc, outcomes, Redaction.parse(rules))
    assert failed == 0
    redaction = Redaction.parse(rules)
    for sdk, written in zip(payloads, json.loads(exported)["payloads"], strict=True):
        if not sdk.data:
            continue
        value = json.loads(sdk.data)
        data = json.loads(base64.b64decode(written["data"]))
        assert written["metadata"] == {"encoding": base64.b64encode(b"json/plain").decode()}
        check_property(value, rules, data, redaction.apply(value).count)


@given(value=JSON, rules=st.lists(RULE_TEXTS, min_size=1, max_size=3))
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_caption_counts_what_the_model_counts(
    make_window: WindowFactory, run: Runner, value: Any, rules: list[str]
) -> None:
    window = make_window()
    window.session.set_rules(rules)
    payloads = list(run(DataConverter.default.encode([value])))  # on the test's loop
    window.open_text(json_format.MessageToJson(Payloads(payloads=payloads)))
    run(settle(window))
    tab = window.current_tab()
    assert tab is not None and tab.select_row(0)
    run(settle(window))
    if payloads[0].data:
        sdk_value = json.loads(payloads[0].data)
        assert tab.detail.rendered is not None
        check_property(sdk_value, rules, tab.detail.rendered.value.value, tab.detail.entry.redacted)  # type: ignore[union-attr]
        count = Redaction.parse(rules).apply(sdk_value).count
    else:
        count = 0
    expected = Redaction.of(rules).caption(count)  # a rule given twice is named once
    assert window.audit_caption().lines()[-1] == expected
    window.close_current_tab()


# -- evidence ----------------------------------------------------------------------------


def test_save_evidence_from_the_window_and_verify_it(
    make_window: WindowFactory, run: Runner, real_history: HistoryRun, tmp_path: Path
) -> None:
    config_path = _config(real_history, tmp_path)
    window = make_window(config_path)
    assert window.evidence_action.shortcut().toString() == "Ctrl+Alt+S"
    window.session.set_rules(SECRET_RULES)
    window.open_path(real_history.path)
    run(settle(window))
    tab = window.current_tab()
    assert tab is not None and tab.select_pointer(_result_pointer(real_history))
    run(settle(window))
    folder = window.save_evidence(tmp_path / "evidence")
    assert sorted(p.name for p in folder.iterdir()) == sorted([PNG, VALUE, RULES, MANIFEST])
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["source"] == {
        "name": real_history.path.name,
        "sha256": hashlib.sha256(real_history.path.read_bytes()).hexdigest(),
    }
    assert (manifest["view"], manifest["profile"]) == ("decoded", "history")
    assert manifest["payload"]["pointer"] == _result_pointer(real_history)
    assert manifest["redaction"]["values"] == 3 and manifest["redaction"]["rules"] == 2
    assert json.loads((folder / RULES).read_text()) == SECRET_RULES
    value = json.loads((folder / VALUE).read_text())
    assert value["data"]["customer"] == REDACTED
    assert QImage(str(folder / PNG)).text("Caption").splitlines()[-1].startswith("redacted: 3 ")

    config = load_config(config_path)
    report = run(verify(folder, source=real_history.path, config=config), timeout=120)
    assert report.verified, [c.line() for c in report.checks]
    assert [c.name for c in report.checks][-2:] == ["source", "value"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inspector.cli", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )


def test_screenshot_evidence_and_verify_commands(real_history: HistoryRun, tmp_path: Path) -> None:
    config = str(_config(real_history, tmp_path))
    history = str(real_history.path)
    folder = tmp_path / "bundle"
    redacts = [a for rule in SECRET_RULES for a in ("--redact", rule)]
    shot = _cli(
        "screenshot", history, "--evidence", str(folder), "--config", config,
        "--select", _result_pointer(real_history), *redacts,
    )  # fmt: skip
    assert shot.returncode == 0, shot.stderr
    assert (folder / PNG).is_file() and (folder / MANIFEST).is_file()

    ok = _cli("verify", str(folder), "--source", history, "--config", config)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.splitlines()[-1] == "verified"
    assert _cli("verify", str(folder)).returncode == 0  # hashes and caption only

    # another source (the same workflow's export, one byte more) does not verify
    other = tmp_path / "other.json"
    other.write_bytes(real_history.path.read_bytes() + b"\n")
    bad = _cli("verify", str(folder), "--source", str(other), "--config", config)
    assert bad.returncode == 1
    assert any(line.startswith("FAIL  source: ") for line in bad.stdout.splitlines())

    # an edited value: its hash fails; with the hash "fixed" too, the source check fails
    value = json.loads((folder / VALUE).read_text())
    value["data"]["customer"] = "Someone Else"
    (folder / VALUE).write_text(json.dumps(value, indent=2) + "\n")
    edited = _cli("verify", str(folder), "--source", history, "--config", config)
    assert edited.returncode == 1
    assert any(
        line.startswith("FAIL  value.json: sha256 is ") for line in edited.stdout.splitlines()
    )
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["files"][VALUE] = hashlib.sha256((folder / VALUE).read_bytes()).hexdigest()
    (folder / MANIFEST).write_text(json.dumps(manifest))
    forged = _cli("verify", str(folder), "--source", history, "--config", config)
    assert forged.returncode == 1
    assert "FAIL  value: value.json is not what the source decodes to" in forged.stdout

    # usage: no such folder, or not an evidence folder
    missing = _cli("verify", str(tmp_path / "nope"))
    assert missing.returncode == 2 and missing.stderr.startswith("payload-inspector verify: ")
    assert _cli("verify", str(tmp_path)).returncode == 2
    assert (
        _cli("screenshot", history, "--config", config).returncode == 2
    )  # neither -o nor --evidence


def test_an_edited_png_or_rules_file_does_not_verify(
    real_history: HistoryRun, tmp_path: Path
) -> None:
    config = str(_config(real_history, tmp_path))
    folder = tmp_path / "bundle"
    shot = _cli(
        "screenshot", str(real_history.path), "--evidence", str(folder), "--config", config,
        "--redact", "key:customer",
    )  # fmt: skip
    assert shot.returncode == 0, shot.stderr
    (folder / RULES).write_text('["key:nothing"]\n')
    done = _cli("verify", str(folder))
    assert done.returncode == 1
    assert "FAIL  rules.json: sha256 is " in done.stdout
    png = (folder / PNG).read_bytes()
    (folder / PNG).write_bytes(png[:-20] + bytes(20))
    assert "FAIL  screenshot.png: sha256 is " in _cli("verify", str(folder)).stdout
