"""A JSON value as a tree, built lazily: children appear when their parent is expanded."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

PAGE = 500  # children per expansion step; "… N more" loads the next page


class _Node(QTreeWidgetItem):
    """An item that keeps its JSON value (or the next page's start) as Python data."""

    def __init__(self, texts: list[str], value: Any = None, more_from: int | None = None) -> None:
        super().__init__(texts)
        self.value = value
        self.more_from = more_from


def _preview(value: Any) -> str:
    if isinstance(value, dict):
        return f"{{…}} {len(value):,} keys"
    if isinstance(value, list):
        return f"[…] {len(value):,} items"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:300] + "…"


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
    }.get(type(value), type(value).__name__)


class JsonTreeView(QTreeWidget):
    """Key · value · type; containers fill in on expand, a page of ``PAGE`` at a time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels(["Key", "Value", "Type"])
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.itemExpanded.connect(self._expand)
        self.itemDoubleClicked.connect(self._more_clicked)
        self.header().resizeSection(0, 220)
        self.header().resizeSection(1, 420)

    def set_value(self, value: Any, label: str = "value") -> None:
        self.clear()
        root = self._make_item(label, value)
        self.addTopLevelItem(root)
        root.setExpanded(True)

    def clear_message(self, message: str) -> None:
        self.clear()
        self.addTopLevelItem(_Node([message, "", ""]))

    def _make_item(self, key: str, value: Any) -> _Node:
        container = isinstance(value, dict | list) and bool(value)
        item = _Node([key, _preview(value), _type_name(value)], value if container else None)
        item.setToolTip(1, _preview(value))
        if container:
            item.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
        return item

    def _expand(self, item: QTreeWidgetItem) -> None:
        if not isinstance(item, _Node) or item.value is None or item.childCount():
            return
        self._add_page(item, item.value, 0)

    def _add_page(self, parent: _Node, value: Any, start: int) -> None:
        items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        page = items[start : start + PAGE]
        parent.addChildren([self._make_item(str(k), v) for k, v in page])
        if start + PAGE < len(items):
            more = _Node(
                [f"… {len(items) - start - PAGE:,} more (double-click)", "", ""],
                more_from=start + PAGE,
            )
            parent.addChild(more)

    def _more_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        parent = item.parent()
        if not isinstance(item, _Node) or item.more_from is None or not isinstance(parent, _Node):
            return
        parent.removeChild(item)
        self._add_page(parent, parent.value, item.more_from)
