"""The app says when a view left payloads encoded, why, and which profile would decode
them; the audit caption says it too (SDK-made aes-gcm and zlib histories, wrong profile)."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector.gui.document_tab import DocumentTab
from inspector.gui.payload_model import Badge
from tests.gui.conftest import Runner, WindowFactory, settle, wait_for
from tests.support.encoded_histories import encoded_history, profiles_config


@pytest.mark.parametrize(("kind", "right"), [("aes-gcm", "payments"), ("zlib", "zlib")])
def test_left_encoded_rows_the_reason_and_the_profile_that_decodes_them(
    make_window: WindowFactory, run: Runner, tmp_path: Path, kind: str, right: str
) -> None:
    history = encoded_history(tmp_path, kind)
    window = make_window(config=profiles_config(tmp_path))
    window.open_path(history)
    run(settle(window))
    window.select_profile("go")  # chosen for this tab: it stands (another is only offered)
    run(settle(window))
    tab = window.current_tab()
    assert isinstance(tab, DocumentTab)
    encoding = "binary/encrypted" if kind == "aes-gcm" else "binary/zlib"
    left = [r for r in tab.model.rows() if r.badge is Badge.LEFT_ENCODED]
    assert len(left) == 14 and all(r.badge_text == "left encoded" for r in left)
    assert left[0].left_reason == f"no codec of profile 'go' decodes {encoding}"
    # the detail says so, and so does the caption of an audit screenshot
    tab.select_row(left[0].index)
    run(settle(window))
    assert "Left encoded" in tab.detail.showing.text()
    caption = window.audit_caption().text()
    assert (
        f"warning: 14 payloads left encoded: no codec of profile 'go' decodes {encoding}" in caption
    )
    assert "left encoded: no codec" in caption.splitlines()[2]
    # the notice offers the profile that was seen to decode them; taking it decodes them
    run(wait_for(lambda: f"profile:{right}" in tab.notice.text()))
    tab.notice.linkActivated.emit(f"profile:{right}")
    run(settle(window))
    assert window.choice.profile is not None and window.choice.profile.name == right
    run(wait_for(lambda: not any(r.badge is Badge.LEFT_ENCODED for r in tab.model.rows())))
    assert "warning" not in window.audit_caption().text()
    assert tab.notice.isHidden()


@pytest.mark.parametrize(("kind", "right"), [("aes-gcm", "payments"), ("zlib", "zlib")])
def test_an_inherited_profile_gives_way_to_the_one_that_decodes_the_document(
    make_window: WindowFactory, run: Runner, tmp_path: Path, kind: str, right: str
) -> None:
    """No profile chosen (``go`` serves namespace default): the tab takes the one that reads
    the history, says so in the notice and the tab's tooltip, and offers the way back;
    going back keeps ``go`` (a choice made stands)."""
    history = encoded_history(tmp_path, kind)
    window = make_window(config=profiles_config(tmp_path))
    window.open_path(history)
    run(settle(window))
    tab = window.current_tab()
    assert isinstance(tab, DocumentTab)
    run(wait_for(lambda: tab.choice.profile is not None and tab.choice.profile.name == right))
    run(settle(window))
    assert not [r for r in tab.model.rows() if r.badge is Badge.LEFT_ENCODED]
    assert tab.choice.why == "it decodes this document, ‘go’ did not"
    text = tab.notice.text()
    assert f"Profile ‘{right}’ was chosen for this tab" in text and "left 14 payloads" in text
    assert "profile:go" in text and not tab.notice.isHidden()
    tooltip = window.tabs.tabToolTip(window.tabs.indexOf(tab))
    assert f"Profile: {right} (it decodes this document" in tooltip
    assert "warning" not in window.audit_caption().text()

    tab.notice.linkActivated.emit("profile:go")
    run(settle(window))
    assert tab.choice.profile is not None and tab.choice.profile.name == "go"
    run(wait_for(lambda: f"profile:{right}" in tab.notice.text()))  # offered, not taken
    assert tab.choice.profile.name == "go" and tab.choice.why == "chosen in the notice"
    assert len([r for r in tab.model.rows() if r.badge is Badge.LEFT_ENCODED]) == 14
