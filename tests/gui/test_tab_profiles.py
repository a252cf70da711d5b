"""Each document tab has its own profile: chosen in the toolbar for the current tab, found
in a history's storage references, remembered per file under one config file only.

The histories are the shipped sample encoded by the SDK side's aes-gcm and zlib codecs, and
a real dev-server run whose references the SDK's S3 driver wrote (keys ``v0/ns/default/…``).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from inspector.gui.document_tab import DocumentTab
from inspector.gui.main_window import MainWindow
from inspector.gui.payload_model import Badge
from tests.gui.conftest import Runner, WindowFactory, settle
from tests.support.config import profile, write_config
from tests.support.encoded_histories import encoded_history, profiles_config
from tests.support.history import HistoryRun


def _open(window: MainWindow, path: Path, run: Runner) -> DocumentTab:
    window.open_path(path)
    run(settle(window))
    tab = window.current_tab()
    assert isinstance(tab, DocumentTab) and tab.is_current
    return tab


def _left(tab: DocumentTab) -> int:
    return sum(r.badge is Badge.LEFT_ENCODED for r in tab.model.rows())


def test_two_tabs_decode_with_two_profiles_side_by_side(
    make_window: WindowFactory, run: Runner, tmp_path: Path
) -> None:
    aes, zlib = encoded_history(tmp_path, "aes-gcm"), encoded_history(tmp_path, "zlib")
    window = make_window(config=profiles_config(tmp_path))
    first = _open(window, aes, run)
    # "go", the default namespace's profile, has no codecs: the tab took the one that reads it
    assert first.choice.profile is not None and first.choice.profile.name == "payments"
    assert first.choice.why == "it decodes this document, ‘go’ did not" and _left(first) == 0
    window.select_profile("go")  # the user's choice stands, even one that reads nothing
    run(settle(window))
    assert first.choice.profile.name == "go" and _left(first) == 14
    window.select_profile("payments")
    run(settle(window))
    assert first.choice.profile.name == "payments" and _left(first) == 0

    second = _open(window, zlib, run)
    assert second.choice.profile is not None
    # a new tab starts with the last choice; "payments" reads none of it, so it took "zlib"
    assert second.choice.profile.name == "zlib"
    assert second.choice.why == "it decodes this document, ‘payments’ did not"
    assert _left(second) == 0
    # the first tab kept its own profile and its results
    assert first.choice.profile.name == "payments" and first.is_current and _left(first) == 0

    tabs = window.tabs
    assert tabs.tabText(tabs.indexOf(first)) == f"{aes.name} · payments"
    assert tabs.tabText(tabs.indexOf(second)) == f"{zlib.name} · zlib"
    tip = tabs.tabToolTip(tabs.indexOf(second))
    assert "Profile: zlib (it decodes this document, ‘payments’ did not)" in tip
    # the toolbar and the caption follow the current tab
    assert window.profile_combo.currentText() == "zlib"
    assert "profile: zlib" in window.audit_caption().text()
    tabs.setCurrentWidget(first)
    run(settle(window))
    assert window.profile_combo.currentText() == "payments"
    assert "profile: payments" in window.audit_caption().text()
    assert first.is_current and _left(first) == 0  # switching did not decode it again wrongly


def test_a_files_profile_is_remembered_under_its_config_file_only(
    make_window: WindowFactory, run: Runner, tmp_path: Path
) -> None:
    aes = encoded_history(tmp_path, "aes-gcm")
    config = profiles_config(tmp_path)
    window = make_window(config=config)
    tab = _open(window, aes, run)
    window.select_profile("payments")
    run(settle(window))
    window.select_profile("go")  # the next documents: "go"; this file stays "payments"
    run(settle(window))
    window.select_profile("payments")
    run(settle(window))
    window.close_current_tab()
    window.select_profile("go")  # no tab open: only what new documents start with
    run(settle(window))

    again = _open(window, aes, run)
    assert again is not tab and again.choice.profile is not None
    assert again.choice.profile.name == "payments"
    assert again.choice.why == "remembered for this file"
    assert _left(again) == 0

    # The same profile names in another config file mean nothing there: not reused.
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other = shutil.copy(config, other_dir / "config.toml")
    elsewhere = make_window(config=other)
    there = _open(elsewhere, aes, run)
    assert there.choice.profile is not None  # not remembered: found by what decodes it
    assert there.choice.why == "it decodes this document, ‘go’ did not"


def test_the_history_names_its_namespace_and_the_tab_takes_its_profile(
    make_window: WindowFactory, run: Runner, real_history: HistoryRun, tmp_path: Path
) -> None:
    history_profile: dict[str, Any] = {**real_history.profile, "namespaces": ["default"]}
    config = write_config(
        tmp_path, {"plain": profile(namespaces=["*"]), "history": history_profile}
    )
    window = make_window(config=config)
    window.select_profile("plain")  # what the last document used: no codecs, no storage
    tab = _open(window, real_history.path, run)
    assert tab.choice.profile is not None and tab.choice.profile.name == "history"
    assert tab.choice.why == "namespace ‘default’, named by its storage references"
    assert tab.is_current and _left(tab) == 0
    assert all(o.error is None for o in (tab.outcomes or {}).values())
    # a choice the user makes stands: the history is not asked again
    window.select_profile("plain")
    run(settle(window))
    assert tab.choice.profile.name == "plain"
