"""The window's care: shortcuts in menus, profiles typed as namespaces, Settings, About,
Esc cancelling slow work with progress shown, remembered geometry, copy, filter."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtGui import QAction, QColor, QGuiApplication, QPalette, QTextDocument
from PySide6.QtWidgets import QMenu

from inspector.documents import payload_to_json
from inspector.gui.about_dialog import AboutDialog
from inspector.gui.config_dialog import ConfigDialog
from inspector.gui.json_highlighter import JsonHighlighter
from inspector.gui.resources import SAMPLES_DIR
from inspector.gui.settings import AppSettings
from inspector.references import Reference, make_reference_payload
from tests.gui.conftest import Runner, WindowFactory, settle, wait_for
from tests.support.config import profile, write_config
from tests.support.drivers import STALLING_DRIVER_NAME as SLOW
from tests.support.drivers import stub_storage

PROFILES = {
    "default": profile(namespaces=["default"]),
    "payments": profile(["gzip"], namespaces=["payments", "payments-staging"]),
    "slow": profile(namespaces=["slow"], storage=stub_storage("StallingDriver")),
}


def _menu_actions(window: object) -> list[QAction]:
    found: list[QAction] = []
    for top in window.menuBar().actions():  # type: ignore[attr-defined]
        menu = top.menu()
        assert isinstance(menu, QMenu)
        found += [a for a in menu.actions() if not a.isSeparator() and a.menu() is None]
    return found


def test_every_main_action_has_a_shortcut_shown_in_its_menu(
    make_window: WindowFactory,
) -> None:
    window = make_window()
    actions = _menu_actions(window)
    texts = {a.text().replace("&", ""): a.shortcut().toString() for a in actions}
    for name in (
        "Open…",
        "Paste as new document",
        "Export…",
        "Save audit screenshot…",
        "Decoded",
        "References preserved",
        "Downloaded",
        "Raw",
        "Copy value",
        "Copy path",
        "Search payloads",
        "Next match",
        "Previous match",
        "Download selected reference",
        "Cancel running work",
        "Codec server",
        "Profiles and config file…",
    ):
        assert texts.get(name), f"{name} has no shortcut"
    shortcuts = [s for s in texts.values() if s]
    assert len(shortcuts) == len(set(shortcuts)), "two actions share a shortcut"
    assert texts["Cancel running work"] == "Esc"


def test_profile_by_name_or_typed_namespace(
    make_window: WindowFactory, run: Runner, tmp_path: Path
) -> None:
    config = write_config(tmp_path, PROFILES)
    window = make_window(config)
    assert window.choice.profile is not None and window.choice.profile.name == "default"
    window.select_profile("payments-staging")
    assert window.choice.profile.name == "payments"
    assert window.profile_info.text().startswith("→ payments: gzip")
    assert window.choice.profile_label == "payments (namespace payments-staging)"
    window.select_profile("nobody")
    assert window.choice.profile is None
    assert "no profile serves namespace 'nobody'" in window.profile_info.text()
    window.select_profile("payments")
    assert window.choice.profile.name == "payments"
    # the choice is remembered for this config file, and only for it
    saved = AppSettings.at(tmp_path / "settings.ini")
    assert saved.last_profile(str(window.session.config.source)) == "payments"
    assert saved.last_profile(str(tmp_path / "other.toml")) is None
    assert saved.last_profile() is None  # nor for the embedded default


def test_settings_dialog_shows_the_file_in_use_and_its_errors(
    make_window: WindowFactory, tmp_path: Path
) -> None:
    window = make_window()
    dialog = ConfigDialog(window.session, window)
    assert "embedded default" in dialog.source.text()
    assert dialog.profiles.topLevelItemCount() == 1
    assert dialog.folder() == Path(window.session.state.path).parent
    broken = tmp_path / "broken.toml"
    broken.write_text('[profiles.p]\ncodecs = ["rot13"]\n')
    window.session.reload_config(broken)
    dialog.refresh()
    assert dialog.error.isVisibleTo(dialog)
    assert "rot13" in dialog.error.text() and str(broken) in dialog.error.text()
    assert "not used" in dialog.source.text()
    # the app keeps working on the embedded default meanwhile
    assert window.choice.profile is not None and window.choice.profile.name == "default"
    assert "config file has errors" in window.profile_info.text()


def test_about_lists_versions_and_uses_the_icon(make_window: WindowFactory) -> None:
    window = make_window()
    dialog = AboutDialog(window)
    names = [name for name, _ in dialog.versions]
    assert names[:3] == ["Payload Inspector", "temporalio", "Qt"]
    assert all(value for _, value in dialog.versions)
    assert not dialog.windowIcon().isNull() and not window.windowIcon().isNull()


def test_esc_cancels_slow_work_with_progress_shown(
    make_window: WindowFactory, run: Runner, tmp_path: Path
) -> None:
    config = write_config(tmp_path, PROFILES)
    window = make_window(config)
    window.select_profile("slow")
    reference = make_reference_payload(Reference(SLOW, {"key": "k"}, stored_size=10))
    plain = json.loads((SAMPLES_DIR / "payloads.json").read_text())["payloads"][0]
    window.open_text(json.dumps({"payloads": [payload_to_json(reference), plain]}))
    run(wait_for(lambda: "Decoded" in window.status_label.text()))
    assert window.progress.isVisibleTo(window) and window.cancel_button.isVisibleTo(window)
    window.cancel_action.trigger()  # Esc
    run(settle(window))
    assert not window.progress.isVisibleTo(window)
    tab = window.current_tab()
    assert tab is not None and tab.loaded is not None and not tab.is_current
    # the document stays usable: Raw needs no storage
    window.set_view("raw")
    run(settle(window))
    assert tab.is_current and tab.model.rowCount() == 2


def test_geometry_copy_and_filter(
    make_window: WindowFactory, run: Runner, settings_path: Path
) -> None:
    window = make_window(size=(1111, 777))
    window.open_path(SAMPLES_DIR / "history.json")
    run(settle(window))
    tab = window.current_tab()
    assert tab is not None
    window.find_action.trigger()
    tab.filter_edit.setText("memo")
    run(wait_for(lambda: tab.proxy.rowCount() == 4))  # searched after a pause, off the GUI thread
    assert tab.count_label.text() == "4 of 15"
    tab.select_row(tab.proxy.index(0, 0).data(0x0100 + 4))
    window.copy_path_action.trigger()
    assert QGuiApplication.clipboard().text().endswith("/memo/fields/nested")
    window.copy_value_action.trigger()
    assert json.loads(QGuiApplication.clipboard().text()) == {"a": [1, 2, 3], "b": None}
    saved = window.saveGeometry()
    window.close()
    assert AppSettings.at(settings_path).geometry() == saved  # a new window restores it
    assert AppSettings.at(settings_path).window_state() is not None


def test_highlighter_follows_light_and_dark_palettes(qapp: object) -> None:
    document = QTextDocument('{"key": "value", "n": 1}')
    light = QPalette(QColor("#f0f0f0"))
    dark = QPalette(QColor("#202124"))
    highlighter = JsonHighlighter(document, light)
    light_key = highlighter._formats["key"].foreground().color().name()
    highlighter.set_palette(dark)
    dark_key = highlighter._formats["key"].foreground().color().name()
    assert light_key != dark_key
    assert QColor(dark_key).lightness() > QColor(light_key).lightness()
