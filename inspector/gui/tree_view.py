"""A JSON value as a tree, built lazily: children appear when their parent is expanded.

Each node knows its path inside the value, so its context menu copies the node's value, its
JSON pointer or its ``jq`` path (``.customer.id``, ``.items[2]``, ``.["a b"]``, jq 1.6 and later).
"""

from __future__ import annotations

import json
import re
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QTreeWidget, QTreeWidgetItem, QWidget

from inspector.documents.model import escape

Path = tuple[str | int, ...]
_JQ_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def json_pointer(path: Path) -> str:
    """RFC 6901 pointer of a node inside the value ("" is the value itself)."""
    return "".join(f"/{escape(str(step))}" for step in path)


def jq_path(path: Path) -> str:
    """The ``jq`` filter that selects the node (``.`` is the value itself)."""
    parts = []
    for step in path:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif _JQ_NAME.match(step):
            parts.append(f".{step}")
        else:
            parts.append(f"[{json.dumps(step, ensure_ascii=False)}]")
    text = "".join(parts)
    return text if text.startswith(".") else f".{text}"


PAGE = 500  # children per expansion step; "… N more" loads the next page


class _Node(QTreeWidgetItem):
    """An item that keeps its JSON value (or the next page's start) as Python data."""

    def __init__(
        self,
        texts: list[str],
        value: Any = None,
        more_from: int | None = None,
        path: Path = (),
        node: Any = None,
    ) -> None:
        super().__init__(texts)
        self.value = value  # a container's value, to fill its children in
        self.more_from = more_from
        self.path = path
        self.node = node  # the node's value, containers and leaves alike


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
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)

    def set_value(self, value: Any, label: str = "value") -> None:
        self.clear()
        root = self._make_item(label, value, ())
        self.addTopLevelItem(root)
        root.setExpanded(True)

    def clear_message(self, message: str) -> None:
        self.clear()
        self.addTopLevelItem(QTreeWidgetItem([message, "", ""]))  # nothing to copy

    def _make_item(self, key: str, value: Any, path: Path) -> _Node:
        container = isinstance(value, dict | list) and bool(value)
        item = _Node(
            [key, _preview(value), _type_name(value)],
            value if container else None,
            path=path,
            node=value,
        )
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
        parent.addChildren([self._make_item(str(k), v, (*parent.path, k)) for k, v in page])
        if start + PAGE < len(items):
            more = _Node(
                [f"… {len(items) - start - PAGE:,} more (double-click)", "", ""],
                more_from=start + PAGE,
            )
            parent.addChild(more)

    def copy_texts(self, item: QTreeWidgetItem) -> dict[str, str]:
        """What "Copy as" offers for a node: its value, JSON pointer and jq path."""
        if not isinstance(item, _Node) or item.more_from is not None:
            return {}
        return {
            "value": json.dumps(item.node, indent=2, ensure_ascii=False),
            "JSON pointer": json_pointer(item.path),
            "jq path": jq_path(item.path),
        }

    def _menu(self, pos: QPoint) -> None:
        item = self.itemAt(pos)
        texts = self.copy_texts(item) if item is not None else {}
        if not texts:
            return
        menu = QMenu(self)
        for name, text in texts.items():
            action = menu.addAction(f"Copy {name}")
            action.triggered.connect(lambda _=False, t=text: QGuiApplication.clipboard().setText(t))
        menu.exec(self.viewport().mapToGlobal(pos))

    def _more_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        parent = item.parent()
        if not isinstance(item, _Node) or item.more_from is None or not isinstance(parent, _Node):
            return
        parent.removeChild(item)
        self._add_page(parent, parent.value, item.more_from)
