"""The value viewer: line numbers, folding by node and by level, wrap, find in the value."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QPlainTextEdit

from inspector.gui.code_edit import fold_ranges
from inspector.gui.code_view import CodeView

VALUE = {"a": 1, "b": {"c": [1, 2, {"d": "needle"}], "e": "x"}, "f": [], "g": "needle"}
TEXT = json.dumps(VALUE, indent=2)


def test_fold_ranges_follow_the_nodes() -> None:
    lines = TEXT.split("\n")
    ranges = fold_ranges(TEXT)
    for start, (end, depth) in ranges.items():
        assert lines[start].rstrip().endswith(("{", "["))
        assert lines[end].strip()[0] in "}]"
        assert depth >= 1
    assert ranges[0] == (len(lines) - 1, 1)  # the whole value
    b = next(i for i, line in enumerate(lines) if '"b"' in line)
    assert ranges[b][1] == 2
    assert not any('"f"' in lines[s] for s in ranges)  # [] on one line: nothing to fold


def _visible(view: CodeView) -> list[str]:
    document = view.edit.document()
    return [
        document.findBlockByNumber(n).text()
        for n in range(document.blockCount())
        if document.findBlockByNumber(n).isVisible()
    ]


def test_fold_by_level_by_node_and_find_unfolds(qapp: object) -> None:
    view = CodeView(tools=True)
    view.resize(600, 400)
    view.set_text(TEXT, json=True)
    everything = _visible(view)
    assert len(everything) == TEXT.count("\n") + 1
    view.edit.fold_to_level(1)
    shown = _visible(view)
    assert '  "b": {' in shown and not any('"c"' in line for line in shown)
    assert '  "g": "needle"' in shown
    view.edit.unfold_all()
    assert _visible(view) == everything
    # one node by its marker's line
    b = next(n for n, line in enumerate(everything) if '"b"' in line)
    view.edit.toggle_fold(b)
    assert not any('"e"' in line for line in _visible(view))
    view.edit.toggle_fold(b)
    assert _visible(view) == everything
    # find: every hit marked, the next one shown even inside a folded node
    view.edit.fold_to_level(1)
    assert view.tools is not None
    view.find_edit.setText("needle")
    assert view.find_label.text() == "2 found"
    assert view.find_next()
    assert view.edit.textCursor().block().isVisible()
    assert view.edit.gutter_width() > 0
    view.wrap_check.setChecked(True)
    assert view.edit.lineWrapMode() == QPlainTextEdit.LineWrapMode.WidgetWidth
    assert view.text() == TEXT  # what is given back is the text, not the display


def test_tree_nodes_copy_as_value_pointer_and_jq_path(qapp: object) -> None:
    from inspector.gui.tree_view import JsonTreeView, jq_path, json_pointer

    assert jq_path(()) == "."
    assert jq_path(("customer", "id")) == ".customer.id"
    assert jq_path(("items", 2, "a b", "ü")) == '.items[2]["a b"]["ü"]'
    assert jq_path(("a b",)) == '.["a b"]'
    assert json_pointer(("a/b", 0, "~x")) == "/a~1b/0/~0x"
    tree = JsonTreeView()
    tree.set_value({"b": {"c": [1, 2, {"d": "needle"}]}})
    root = tree.topLevelItem(0)
    b = root.child(0)
    b.setExpanded(True)
    c = b.child(0)
    c.setExpanded(True)
    d_holder = c.child(2)
    texts = tree.copy_texts(d_holder)
    assert texts["jq path"] == ".b.c[2]"
    assert texts["JSON pointer"] == "/b/c/2"
    assert json.loads(texts["value"]) == {"d": "needle"}
    tree.clear_message("Not JSON")
    assert tree.copy_texts(tree.topLevelItem(0)) == {}
