"""Getting documents in: every shape, paste, open, drop, recent files, tabs, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication

from inspector.documents import DocumentKind
from inspector.gui.document_tab import DocumentTab
from inspector.gui.main_window import MainWindow
from inspector.gui.resources import SAMPLES_DIR, samples
from inspector.gui.settings import AppSettings
from tests.gui.conftest import Runner, WindowFactory, settle

PAYLOADS = json.loads((SAMPLES_DIR / "payloads.json").read_text())


def _tab(window: object) -> DocumentTab:
    tab = window.current_tab()  # type: ignore[attr-defined]
    assert isinstance(tab, DocumentTab)
    return tab


@pytest.mark.parametrize(
    ("text", "kind", "count"),
    [
        (json.dumps(PAYLOADS), DocumentKind.PAYLOADS, 6),
        (json.dumps(PAYLOADS["payloads"][0]), DocumentKind.PAYLOAD, 1),
        (json.dumps(PAYLOADS["payloads"]), DocumentKind.LIST, 6),
        ((SAMPLES_DIR / "history.json").read_text(), DocumentKind.HISTORY, 15),
    ],
    ids=["payloads", "payload", "list", "history"],
)
def test_every_document_shape_opens_and_decodes(
    make_window: WindowFactory, run: Runner, text: str, kind: DocumentKind, count: int
) -> None:
    window = make_window()
    window.open_text(text)
    run(settle(window))
    tab = _tab(window)
    assert tab.loaded is not None and tab.loaded.doc.kind is kind
    assert tab.model.rowCount() == count
    assert tab.is_current and all(o.ok for o in (tab.outcomes or {}).values())
    assert tab.detail.entry is not None  # the first payload is selected and shown


def test_paste_box_on_the_start_page_opens_a_tab(make_window: WindowFactory, run: Runner) -> None:
    window = make_window()
    assert window.central.currentWidget() is window.start_page
    window.start_page.paste.set_text(json.dumps(PAYLOADS))
    window.start_page.paste.inspect_button.click()
    run(settle(window))
    assert _tab(window).model.rowCount() == 6
    assert window.central.currentWidget() is window.tabs


def test_ctrl_v_on_the_window_pastes_the_clipboard(make_window: WindowFactory, run: Runner) -> None:
    window = make_window()
    QGuiApplication.clipboard().setText(json.dumps(PAYLOADS["payloads"][:2]))
    window.setFocus()
    window.paste_action.trigger()
    run(settle(window))
    tab = _tab(window)
    assert tab.name.startswith("Pasted") and tab.model.rowCount() == 2
    assert window.paste_action.shortcut().toString() == "Ctrl+V"


def test_bad_document_says_where_and_keeps_the_text(
    make_window: WindowFactory, run: Runner
) -> None:
    window = make_window()
    bad = (
        '{\n  "payloads": [\n    {"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": 12}\n  ]\n}'
    )
    window.open_text(bad)
    run(settle(window))
    tab = _tab(window)
    assert tab.loaded is None
    assert tab.stack.currentWidget() is tab.editor
    message = tab.editor.error_label.text()
    assert "/payloads/0/data" in message and "line 3" in message
    assert tab.editor.text() == bad  # kept, to be fixed in place
    assert tab.editor.edit.textCursor().blockNumber() == 2  # the cursor is on that line

    # fix it in place and inspect again
    tab.editor.set_text(bad.replace('"data": 12', '"data": "NDI="'))
    tab.editor.inspect_button.click()
    run(settle(window))
    assert tab.loaded is not None and tab.model.rowCount() == 1
    assert json.loads(tab.detail.value_view.text()) == 42


def test_syntax_error_names_line_and_column(make_window: WindowFactory, run: Runner) -> None:
    window = make_window()
    window.open_text('{"payloads": [\n  {"metadata": {}\n]}')
    run(settle(window))
    message = _tab(window).editor.error_label.text()
    assert "not JSON" in message and "line 3" in message


def test_open_files_drop_files_recent_files_and_tabs(
    make_window: WindowFactory, run: Runner, settings_path: Path, tmp_path: Path
) -> None:
    window = make_window()
    history = SAMPLES_DIR / "history.json"
    window.open_path(history)
    # drop two files at once: two more tabs
    first, second = tmp_path / "one.json", tmp_path / "two.json"
    first.write_text(json.dumps(PAYLOADS))
    second.write_text(json.dumps(PAYLOADS["payloads"][:1]))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(first)), QUrl.fromLocalFile(str(second))])
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(drop)
    run(settle(window))
    names = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert names == ["history.json", "one.json", "two.json"]
    assert all(isinstance(t, DocumentTab) and t.loaded for t in window.documents())
    # recent files (newest first, in the order they finished loading), persisted in this
    # test's settings file only
    recent = AppSettings.at(settings_path).recent_files()
    assert {Path(p).name for p in recent} == {"two.json", "one.json", "history.json"}
    assert [a.text() for a in window.recent_menu.actions()][:3] == [Path(p).name for p in recent]
    # opening an open file again just shows its tab
    window.open_path(history)
    assert window.tabs.count() == 3 and window.tabs.currentIndex() == 0
    # closing every tab brings the start page back
    while window.tabs.count():
        window.close_tab(0)
    assert window.central.currentWidget() is window.start_page


def test_missing_file_is_a_clear_message(make_window: WindowFactory, run: Runner) -> None:
    window = make_window()
    window.open_path(Path("/nonexistent/history.json"))
    run(settle(window))
    assert "cannot read" in _tab(window).editor.error_label.text()


def test_a_file_that_is_not_text_says_so_in_one_line(
    make_window: WindowFactory, run: Runner, tmp_path: Path
) -> None:
    png = tmp_path / "shot.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    window = make_window()
    window.open_path(png)
    run(settle(window))
    tab = _tab(window)
    message = tab.editor.error_label.text()
    assert "not a text document (a PNG image)" in message and "\n" not in message
    assert tab.editor.text() == ""  # no mojibake in the editor
    assert "Fix the text" not in tab.editor.hint.text()


def test_samples_open_from_the_start_page(make_window: WindowFactory, run: Runner) -> None:
    found = samples()
    assert {s.path.name for s in found} >= {"payloads.json", "history.json"}
    window = make_window()
    window.start_page.sample_button.click()
    run(settle(window))
    tab = _tab(window)
    assert tab.loaded is not None and tab.loaded.doc.kind is DocumentKind.HISTORY
    assert all(o.ok for o in (tab.outcomes or {}).values())


def test_sample_with_external_storage_decodes_with_its_config(
    make_window: WindowFactory, run: Runner
) -> None:
    window = make_window()
    sample = next(s for s in samples() if s.config is not None)
    window.open_sample(sample)
    run(settle(window))
    _assert_sample_decoded_with_its_config(window)


def test_sample_opened_as_a_file_also_uses_its_config(
    make_window: WindowFactory, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``gui history-external-storage.json`` from the samples' folder, a drop, or File → Open:
    the same config as Open sample."""
    sample = next(s for s in samples() if s.config is not None)
    monkeypatch.chdir(sample.path.parent)
    window = make_window()
    window.open_paths([Path(sample.path.name)])  # relative, as typed on a command line
    run(settle(window))
    _assert_sample_decoded_with_its_config(window)


def _assert_sample_decoded_with_its_config(window: MainWindow) -> None:
    tab = _tab(window)
    assert window.choice.profile is not None and window.choice.profile.name == "samples"
    refs = [r for r in tab.model.rows() if r.badge.value == "reference"]
    assert len(refs) == 1
    assert all(o.ok for o in (tab.outcomes or {}).values())
    tab.select_row(refs[0].index)
    value = json.loads(tab.detail.value_view.text())
    assert value["title"].startswith("Inspector large report")


@pytest.mark.parametrize(
    "name", ["history-external-storage.json", "protobuf.json"], ids=["gzip-and-store", "protobuf"]
)
def test_readable_export_is_what_decode_readable_prints(
    make_window: WindowFactory, run: Runner, tmp_path: Path, name: str
) -> None:
    from tests.support.aio import run_sync
    from tests.support.cli import run_cli

    sample = next(s for s in samples() if s.path.name == name)
    window = make_window()
    window.open_sample(sample)
    run(settle(window))
    target = tmp_path / "readable.json"
    run(window.export(_tab(window), target, readable=True))
    assert sample.config is not None
    code, out, err = run_sync(
        lambda: run_cli("decode", str(sample.path), "--config", str(sample.config), "--readable")
    )
    assert code == 0, err
    assert target.read_bytes() == out
