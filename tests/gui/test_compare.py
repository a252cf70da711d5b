"""Comparing in the app: the side-by-side layout, two selected payloads, a real run against
its retry with the changed events listed, and the rules editor."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QDialogButtonBox

from inspector.diffing.values import MISSING
from inspector.gui.diff_view import side_by_side
from inspector.gui.main_window import MainWindow
from tests.gui.conftest import Runner, WindowFactory, settle
from tests.support.config import write_config
from tests.support.retry_history import PROFILE, RetryRuns


def test_side_by_side_lines_up_changes_and_folds_the_rest() -> None:
    a = {"keep": list(range(20)), "amount": 10, "gone": True}
    b = {"keep": list(range(20)), "amount": 12, "new": "x"}
    rows = side_by_side(a, b)
    kinds = [r.kind for r in rows]
    assert "fold" in kinds  # twenty unchanged lines are one row
    fold = next(r for r in rows if r.kind == "fold")
    assert fold.hidden > 10 and "unchanged lines" in (fold.a or "")
    changed = [(r.a, r.b) for r in rows if r.kind != "same" and r.kind != "fold"]
    assert ('  "amount": 10,', '  "amount": 12,') in changed
    assert any(r.a and '"gone"' in r.a for r in rows if r.kind in ("changed", "removed"))
    assert any(r.b and '"new"' in r.b for r in rows if r.kind in ("changed", "added"))
    opened = side_by_side(a, b, frozenset({fold.fold}))
    assert "fold" not in [r.kind for r in opened]
    assert len(opened) == len(rows) + fold.hidden - 1
    # a value only one side has: every line on that side, blanks on the other
    only = side_by_side(MISSING, {"x": 1})
    assert {r.kind for r in only} == {"added"} and all(r.a is None for r in only)
    assert [r.kind for r in side_by_side(a, a)] == ["fold"]  # nothing changed: one fold


def _select_also(window: MainWindow, payload_index: int) -> None:
    """Ctrl+click: one more selected row, the current one unchanged."""
    tab = window.current_tab()
    assert tab is not None
    source = tab.model.index(tab.model.row_for_payload(payload_index), 0)
    tab.table.selectionModel().select(
        tab.proxy.mapFromSource(source),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )


def test_compare_two_selected_payloads(
    make_window: WindowFactory, run: Runner, retry_runs: RetryRuns, tmp_path: Path
) -> None:
    window = make_window(write_config(tmp_path, {"retry": PROFILE}))
    assert window.compare_action.shortcut().toString() == "Ctrl+Shift+D"
    window.open_path(retry_runs.retried)
    run(settle(window))
    tab = window.current_tab()
    assert tab is not None and tab.loaded is not None
    labels = [f.location.label for f in tab.loaded.doc.payloads]
    scheduled = next(i for i, label in enumerate(labels) if "ActivityTaskScheduled" in label)
    completed = next(i for i, label in enumerate(labels) if "ActivityTaskCompleted" in label)
    assert window.compare_selected() is None  # one payload selected: a hint, no window
    assert "Select two payloads" in window.statusBar().currentMessage()
    tab.select_row(scheduled)
    _select_also(window, completed)
    assert tab.inspector_page.selected_indexes() == sorted([scheduled, completed])
    run(window.compare_selected())
    run(settle(window))
    dialog = window.diff_windows[-1]
    [item] = dialog.items
    paths = [d.path for d in item.differences]
    assert "/data/attempt" in paths and "/data/amount" in paths  # result vs input, decoded
    assert not dialog.changed_list.isVisible()  # one pair: no list
    assert dialog.side_by_side.changed_rows()
    dialog.close()
    run(settle(window))
    assert window.diff_windows == []


def test_compare_a_run_with_its_retry_lists_the_changed_events(
    make_window: WindowFactory, run: Runner, retry_runs: RetryRuns, tmp_path: Path
) -> None:
    window = make_window(write_config(tmp_path, {"retry": PROFILE}))
    window.session.set_rules(["key:customer"])
    window.open_path(retry_runs.retried)
    run(settle(window))
    run(window.compare_with(retry_runs.clean))
    run(settle(window))
    dialog = window.diff_windows[-1]
    assert dialog.changed_list.isVisible()
    wheres = [item.where for item in dialog.items]
    started = next(i for i, w in enumerate(wheres) if "ActivityTaskStarted (activity 1)" in w)
    assert any("ActivityTaskCompleted (activity 1)" in w for w in wheres)
    assert (
        "no redaction" not in dialog.header.text() and "in 4 changed events" in dialog.header.text()
    )

    # keyboard through the list: the side-by-side and the changes follow
    dialog.changed_list.setCurrentRow(0)
    for _ in range(started):
        dialog.changed_list.keyPressEvent(_key(Qt.Key.Key_Down))
    assert dialog.changed_list.currentRow() == started
    changes = [
        (dialog.changes.topLevelItem(i).text(0), dialog.changes.topLevelItem(i).text(1))
        for i in range(dialog.changes.topLevelItemCount())
    ]
    assert ("/activityTaskStartedEventAttributes/attempt", "2") in changes
    rows = dialog.side_by_side.rows
    assert any(r.kind == "changed" and '"attempt": 2' in (r.a or "") for r in rows)
    # the customer is redacted in what the comparison shows, as everywhere else
    for item in dialog.items:
        assert "nterberg" not in repr(item.a) + repr(item.b)
    dialog.close()


def _key(key: Qt.Key) -> object:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent

    return QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier)


def test_the_rules_editor_checks_each_line_and_applies_them(
    make_window: WindowFactory, run: Runner, retry_runs: RetryRuns, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[redaction]\nrules = ["key:order_id"]\n[profiles.retry]\nnamespaces = ["*"]\n'
        'codecs = ["gzip"]\n'
    )
    window = make_window(config)
    assert window.redaction_action.shortcut().toString() == "Ctrl+Shift+R"
    assert window.redaction_action.text() == "Redaction (1)"  # the config's rule, from the start
    window.open_path(retry_runs.retried)
    run(settle(window))
    tab = window.current_tab()
    assert tab is not None
    tab.select_row(0)  # the workflow's input: customer, order id, amount
    run(settle(window))
    assert "nterberg" in tab.detail.current_value_text()
    assert "ORDER-" not in tab.detail.current_value_text()  # the config's rule already holds

    dialog = window.show_redaction()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert "key:order_id" in dialog.config_rules.text()
    dialog.edit.setPlainText("key:customer\nnope\nre:(")
    assert not ok.isEnabled()
    assert "line 2: 'nope' is not a rule" in dialog.problem.text()
    assert "line 3: 're:(': not a regular expression" in dialog.problem.text()
    dialog.edit.setPlainText("key:customer\n\n  re:^never$  \n")
    assert ok.isEnabled() and "3 rules in effect" in dialog.summary.text()
    ok.click()
    run(settle(window))
    assert window.session.rules == ("key:customer", "re:^never$")
    assert [r.text for r in window.session.redaction.rules] == [
        "key:customer",
        "re:^never$",
        "key:order_id",
    ]
    assert "nterberg" not in tab.detail.current_value_text()
    assert window.redaction_action.text() == "Redaction (3)"
