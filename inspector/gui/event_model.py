"""The event history as a tree: what happened (groups), its events, and their payloads.

A group of one event is shown as that event. Nodes are built once per document (a few
tuples per event, no Qt objects) and the view asks for the visible ones only, so a history
of 20,000 events opens as fast as its payload list. Payload rows take their texts from the
payload list's rows, so the badge and sizes of the current view show here too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt

from inspector.documents.events import Event, EventGroup, History

from .payload_model import PayloadRow

EVENT_COLUMNS = ("Event", "Time", "What", "Summary", "Duration")
NODE_ROLE = Qt.ItemDataRole.UserRole + 20

ModelIndex = QModelIndex | QPersistentModelIndex


@dataclass
class Node:
    """One row: a group, an event or a payload; ``ref`` indexes ``History`` or the rows."""

    kind: str  # "group" | "event" | "payload"
    ref: int
    parent: int  # node id, -1 at the top
    row: int  # its row under its parent
    children: list[int] = field(default_factory=list)


def duration_text(delta: dt.timedelta | None) -> str:
    """``117 ms``, ``2.4 s``, ``3 min 5 s``, ``1 h 2 min``: a duration at a glance."""
    if delta is None:
        return ""
    seconds = delta.total_seconds()
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def time_text(when: dt.datetime | None) -> str:
    return when.strftime("%H:%M:%S.%f")[:-3] if when is not None else ""


def group_summary(group: EventGroup) -> str:
    """``failed · attempt 3 of a retried activity · OrderRejected: …``."""
    parts = [group.status]
    if group.attempt is not None and group.attempt > 1:
        parts.append(f"attempt {group.attempt} ({group.retries} retried)")
    if group.failure is not None:
        parts.append(group.failure.headline())
    elif group.last_attempt_failure is not None:
        parts.append(f"after: {group.last_attempt_failure.headline()}")
    return " · ".join(parts)


@dataclass
class EventTree:
    """The rows of a history's tree, made off the GUI thread: for 30,000 events, building
    them took the GUI thread a few hundred milliseconds."""

    history: History
    nodes: list[Node] = field(default_factory=list)
    top: list[int] = field(default_factory=list)
    event_node: dict[int, int] = field(default_factory=dict)
    payload_node: dict[int, int] = field(default_factory=dict)

    @classmethod
    def build(cls, history: History) -> EventTree:
        tree = cls(history)
        for g, group in enumerate(history.groups):
            if len(group.events) == 1:
                tree.top.append(tree._add_event(group.events[0], -1, len(tree.top)))
                continue
            node = tree._add(Node("group", g, -1, len(tree.top)))
            tree.top.append(node)
            for row, e in enumerate(group.events):
                tree.nodes[node].children.append(tree._add_event(e, node, row))
        return tree

    def _add(self, node: Node) -> int:
        self.nodes.append(node)
        return len(self.nodes) - 1

    def _add_event(self, position: int, parent: int, row: int) -> int:
        node = self._add(Node("event", position, parent, row))
        self.event_node[position] = node
        for r, p in enumerate(self.history.events[position].payloads):
            leaf = self._add(Node("payload", p, node, r))
            self.nodes[node].children.append(leaf)
            self.payload_node[p] = leaf
        return node


class EventTreeModel(QAbstractItemModel):
    """Groups → events → payloads of one history."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.history: History | None = None
        self._rows: Sequence[PayloadRow] = ()
        self._nodes: list[Node] = []
        self._top: list[int] = []
        self._event_node: dict[int, int] = {}
        self._payload_node: dict[int, int] = {}

    # -- content -----------------------------------------------------------------------
    def set_history(self, tree: EventTree | None, rows: Sequence[PayloadRow]) -> None:
        """Show a history's tree (built off the GUI thread by ``EventTree.build``)."""
        self.beginResetModel()
        self._rows = rows
        self.history = tree.history if tree is not None else None
        self._nodes = tree.nodes if tree is not None else []
        self._top = tree.top if tree is not None else []
        self._event_node = tree.event_node if tree is not None else {}
        self._payload_node = tree.payload_node if tree is not None else {}
        self.endResetModel()

    def set_rows(self, rows: Sequence[PayloadRow]) -> None:
        """New payload texts (another view): the same tree; its view repaints what it shows
        (``EventView.rows_changed``). No layout signal: on 50,000 events one cost the GUI
        thread a quarter of a second."""
        self._rows = rows

    # -- lookups -----------------------------------------------------------------------
    def node(self, index: ModelIndex) -> Node | None:
        return self._nodes[index.internalId()] if index.isValid() else None

    def index_of_payload(self, payload_index: int) -> QModelIndex:
        node = self._payload_node.get(payload_index)
        return self._index_of(node) if node is not None else QModelIndex()

    def index_of_event(self, position: int) -> QModelIndex:
        node = self._event_node.get(position)
        return self._index_of(node) if node is not None else QModelIndex()

    def _index_of(self, node_id: int) -> QModelIndex:
        return self.createIndex(self._nodes[node_id].row, 0, node_id)

    def event_of(self, node: Node) -> Event | None:
        assert self.history is not None
        if node.kind == "event":
            return self.history.events[node.ref]
        if node.kind == "payload":
            return self.history.events[self._nodes[node.parent].ref]
        return None

    def group_of(self, node: Node) -> EventGroup | None:
        assert self.history is not None
        if node.kind == "group":
            return self.history.groups[node.ref]
        event = self.event_of(node)
        return self.history.groups[event.group] if event is not None else None

    # -- Qt's model interface ----------------------------------------------------------
    def index(self, row: int, column: int, parent: ModelIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        siblings = self._nodes[parent.internalId()].children if parent.isValid() else self._top
        if not 0 <= row < len(siblings) or not 0 <= column < len(EVENT_COLUMNS):
            return QModelIndex()
        return self.createIndex(row, column, siblings[row])

    def parent(  # type: ignore[override]  # QObject.parent() and the model's parent(index)
        self,
        child: ModelIndex = QModelIndex(),  # noqa: B008
    ) -> QModelIndex:
        if not child.isValid():
            return QModelIndex()
        up = self._nodes[child.internalId()].parent
        return QModelIndex() if up < 0 else self.createIndex(self._nodes[up].row, 0, up)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return len(self._nodes[parent.internalId()].children) if parent.column() == 0 else 0
        return len(self._top)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return len(EVENT_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return EVENT_COLUMNS[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self.node(index)
        if node is None or self.history is None:
            return None
        if role == NODE_ROLE:
            return index.internalId()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(node, index.column())
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 3:
            return self._text(node, 3) or None
        return None

    def _text(self, node: Node, column: int) -> str:
        assert self.history is not None
        if node.kind == "payload":
            row = self._rows[node.ref] if node.ref < len(self._rows) else None
            if row is None:
                return ""
            return ("", "", row.field, f"{row.encoding_text} · {row.badge_text}", row.size_text)[
                column
            ]
        if node.kind == "event":
            event = self.history.events[node.ref]
            return (
                str(event.event_id if event.event_id is not None else ""),
                time_text(event.time),
                event.type,
                event.summary,
                "",
            )[column]
        group = self.history.groups[node.ref]
        ids = [self.history.events[e].event_id for e in group.events]
        known = [i for i in ids if i is not None]
        span = f"{known[0]}–{known[-1]}" if len(known) > 1 else "".join(map(str, known))
        return (
            span,
            time_text(group.started),
            f"{group.kind.capitalize()} · {group.title}"
            if group.title != group.kind
            else group.kind.capitalize(),
            group_summary(group),
            duration_text(group.duration),
        )[column]
