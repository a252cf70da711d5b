"""A failure whose worker encoded its attributes (``encode_common_attributes``): the history
says only "Encoded failure"; the failure card shows the real message, type and stack trace
of every failure of the cause chain, read from the decoded ``encodedAttributes``."""

from __future__ import annotations

from pathlib import Path

from inspector.gui.document_tab import DocumentTab
from tests.gui.conftest import Runner, WindowFactory, settle
from tests.support.config import profile, write_config
from tests.support.encoded_workflows import DECLINED, TIMEOUT


def test_the_failure_card_reads_encoded_attributes_along_the_chain(
    make_window: WindowFactory, run: Runner, encoded_failure_history: Path, tmp_path: Path
) -> None:
    config = write_config(tmp_path, {"main": profile(["gzip"], namespaces=["*"])})
    window = make_window(config=config)
    window.open_path(encoded_failure_history)
    run(settle(window))
    tab = window.current_tab()
    assert isinstance(tab, DocumentTab) and tab.loaded is not None and tab.is_current
    details = next(
        i
        for i, found in enumerate(tab.loaded.doc.payloads)
        if "activityTaskFailedEventAttributes/failure/applicationFailureInfo/details"
        in found.location.pointer
    )
    tab.select_row(details)
    run(settle(window))
    card = tab.detail.failure_card
    assert card.isVisible()
    text = card.text()
    assert f"{DECLINED['type']}: {DECLINED['message']}" in text
    assert f"{TIMEOUT['type']}: {TIMEOUT['message']}" in text  # the cause, decoded too
    assert "charge_card" in text  # the stack trace came from the encoded attributes
    assert "Encoded failure" not in text
