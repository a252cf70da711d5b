"""What each payload of a tab offers to a search: its row's texts and its shown value's.

Built off the GUI thread once per view result (a 100 MB history's values take a second or
two to read) and kept until the next result; every keystroke after that only matches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from temporalio.api.common.v1 import Payload

from inspector.documents import Document, read_value
from inspector.outcomes import Outcome
from inspector.search import Searchable, value_text

from .payload_model import PayloadRow


def _loader(payload: Payload) -> Callable[[], Any]:
    return lambda: read_value(payload).value


def build_index(
    doc: Document, rows: Sequence[PayloadRow], outcomes: Mapping[int, Outcome] | None
) -> list[Searchable]:
    """One item per row; the value is the one the view shows (the document's before it
    has run; nothing for a payload that failed)."""
    items: list[Searchable] = []
    for row in rows:
        outcome = outcomes.get(row.index) if outcomes is not None else None
        if outcome is not None:
            payload = outcome.payload
        else:
            payload = doc.payloads[row.index].payload
        text, load = "", None
        if payload is not None:
            shown = read_value(payload)
            if shown.is_json:
                text, load = value_text(shown.value), _loader(payload)
            elif shown.kind == "text":
                text = str(shown.value).lower()
        items.append(
            Searchable(
                index=row.index,
                event_id=row.event_id,
                event_type=row.event_type.lower(),
                status=row.badge.value,
                encoding=row.encoding_text.lower(),
                field=row.field.lower(),
                row_text=row.search_text.lower(),
                value_text=text,
                load=load,
            )
        )
    return items
