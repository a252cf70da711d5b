"""Layout that holds from 900×600 to 2560×1440: the window never resizes itself, the event
type is never cut at 1280 px and up, widths stay put across views, the server panel leaves
the table its width, long pointers say they are cut, and CJK lines indent like the rest."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from inspector.gui.document_tab import DocumentTab
from inspector.gui.main_window import MainWindow
from inspector.gui.payload_model import COL_TYPE
from inspector.gui.resources import SAMPLES_DIR
from tests.gui.conftest import Runner, WindowFactory, settle
from tests.support.config import filesystem_storage, profile, write_config

SIZES = [(900, 600), (1024, 700), (1280, 800), (1440, 900), (1920, 1080), (2560, 1440)]
ITEM_PADDING = 12  # what a cell's frame and margins take from its text's width


def _tab(window: MainWindow) -> DocumentTab:
    tab = window.current_tab()
    assert isinstance(tab, DocumentTab)
    return tab


def _open_storage_sample(
    make_window: WindowFactory, run: Runner, tmp_path: Path, size: tuple[int, int]
) -> tuple[MainWindow, DocumentTab]:
    """The external-storage sample with an empty store: one reference fails, with its card."""
    (tmp_path / "store").mkdir()
    config = write_config(
        tmp_path,
        {"p": profile(["gzip"], namespaces=["*"], storage=filesystem_storage(tmp_path / "store"))},
    )
    document = tmp_path / "history.json"
    shutil.copy(SAMPLES_DIR / "history-external-storage.json", document)
    window = make_window(config=config, size=size)
    window.open_path(document)
    run(settle(window))
    return window, _tab(window)


def _elided_event_types(tab: DocumentTab) -> list[str]:
    width = tab.table.horizontalHeader().sectionSize(COL_TYPE)
    metrics = tab.table.fontMetrics()
    return [
        r.event_type
        for r in tab.model.rows()
        if metrics.horizontalAdvance(r.event_type) + ITEM_PADDING > width
    ]


def test_resize_sweep_never_grows_the_window_and_keeps_event_types_whole(
    make_window: WindowFactory, run: Runner, tmp_path: Path
) -> None:
    window, tab = _open_storage_sample(make_window, run, tmp_path, (1280, 800))
    failing = next(r for r in tab.model.rows() if r.badge.value == "error")
    for view in ("decoded", "refs"):
        window.set_view(view)
        run(settle(window))
        tab.select_row(failing.index)  # the error and reference cards: the tallest detail
        for width, height in SIZES + SIZES[::-1]:
            window.resize(width, height)
            run(settle(window))
            assert window.size().toTuple() == (width, height), f"{view} at {width}×{height}"
            assert window.minimumSizeHint().width() <= 900
            assert window.minimumSizeHint().height() <= 600
            if width >= 1280:
                assert _elided_event_types(tab) == [], f"{view} at {width}×{height}"


def test_column_widths_stay_put_across_views_and_sorting(
    make_window: WindowFactory, run: Runner, tmp_path: Path
) -> None:
    window, tab = _open_storage_sample(make_window, run, tmp_path, (1440, 900))
    header = tab.table.horizontalHeader()

    def widths() -> list[int]:
        return [header.sectionSize(c) for c in range(header.count())]

    for view in ("refs", "download", "raw", "decoded"):  # every badge and encoding seen once
        window.set_view(view)
        run(settle(window))
    seen = widths()
    for view in ("refs", "raw", "download", "decoded"):
        window.set_view(view)
        run(settle(window))
        assert widths() == seen, view
    tab.table.sortByColumn(COL_TYPE, Qt.SortOrder.DescendingOrder)
    run(settle(window))
    assert widths() == seen


def test_the_server_panel_leaves_the_table_its_width(
    make_window: WindowFactory, run: Runner, tmp_path: Path
) -> None:
    window, tab = _open_storage_sample(make_window, run, tmp_path, (1280, 800))
    before = tab.table.width()
    window.server_dock.show()
    run(settle(window))
    assert window.dockWidgetArea(window.server_dock) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert tab.table.width() >= before - 2
    assert _elided_event_types(tab) == []
    assert window.size().toTuple() == (1280, 800)
    # moved beside the documents, the panel stacks its groups instead
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, window.server_dock)
    run(settle(window))
    assert (
        window.server_panel.columns.direction() == window.server_panel.columns.Direction.TopToBottom
    )


def test_a_long_pointer_ends_in_an_ellipsis_and_shows_whole_as_its_tip(
    make_window: WindowFactory, run: Runner, tmp_path: Path
) -> None:
    window, tab = _open_storage_sample(make_window, run, tmp_path, (900, 600))
    pointer = tab.detail.pointer
    assert (
        pointer.full_text() == "/events/0/workflowExecutionStartedEventAttributes/input/payloads/0"
    )
    assert "…" in pointer.text() and pointer.text() != pointer.full_text()
    assert pointer.toolTip().splitlines()[0] == pointer.full_text()
    window.resize(2560, 1440)
    run(settle(window))
    assert pointer.text() == pointer.full_text()


def test_a_line_with_cjk_characters_is_indented_like_its_siblings(
    make_window: WindowFactory, run: Runner, tmp_path: Path
) -> None:
    window, tab = _open_storage_sample(make_window, run, tmp_path, (1440, 900))
    tab.select_pointer("/events/0/workflowExecutionStartedEventAttributes/input/payloads/0")
    run(settle(window))
    view = tab.detail.value_view
    assert '"ガジェット"' in view.text() and '"widget"' in view.text()
    shown = view.edit.toPlainText()

    def x_of(needle: str) -> int:
        cursor = QTextCursor(view.edit.document())
        cursor.setPosition(shown.index(needle))
        return view.edit.cursorRect(cursor).x()

    assert x_of('"ガジェット"') == x_of('"widget"') == x_of('"gadget')
