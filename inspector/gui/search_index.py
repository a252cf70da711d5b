"""What each payload of a tab offers to a search: its row's texts and its shown value's.

Built off the GUI thread once per view result (a 100 MB history's values take a second or
two to read) and kept until the next result; every keystroke after that only matches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from temporalio.api.common.v1 import Payload

from inspector.documents import Document, read_value
from inspector.documents.redacted import redact_payload
from inspector.outcomes import Outcome
from inspector.redaction import Redaction
from inspector.search import PLAIN_BYTES, Searchable, value_bytes, value_text

from .payload_model import PayloadRow


def _loader(payload: Payload) -> Callable[[], Any]:
    return lambda: read_value(payload).value


def _text(payload: Payload) -> tuple[str, Callable[[], Any] | None]:
    """A payload's searchable text, cheaply: a JSON payload's data is already compact JSON
    (read again only when it escapes non-ASCII, so "Zoë" is found as typed)."""
    encoding = payload.metadata.get("encoding", b"")
    data = bytes(payload.data)
    if encoding in (b"json/plain", b"json/protobuf"):
        if b"\\u" not in data:
            return data.decode("utf-8", "replace"), _loader(payload)
        shown = read_value(payload)
        return (value_text(shown.value), _loader(payload)) if shown.is_json else ("", None)
    shown = read_value(payload)
    if shown.is_json:
        return value_text(shown.value), _loader(payload)
    if shown.kind == "text":
        return str(shown.value), None
    return "", None


def build_index(
    doc: Document,
    rows: Sequence[PayloadRow],
    outcomes: Mapping[int, Outcome] | None,
    redaction: Redaction | None = None,
) -> list[Searchable]:
    """One item per row; the value is the one the view shows (the document's before it
    has run; nothing for a payload that failed), redacted as shown: a redacted value is
    never found by what it hides."""

    def shown(row: PayloadRow) -> Payload | None:
        outcome = outcomes.get(row.index) if outcomes is not None else None
        payload = outcome.payload if outcome is not None else doc.payloads[row.index].payload
        if payload is not None and redaction:
            payload, _ = redact_payload(payload, redaction)
        return payload

    # Big documents keep their values' text packed; the data's size tells before any is read.
    packed = sum(len(p.data) for row in rows if (p := shown(row)) is not None) > PLAIN_BYTES
    items: list[Searchable] = []
    for row in rows:
        payload = shown(row)
        text, load = _text(payload) if payload is not None else ("", None)
        items.append(
            Searchable(
                index=row.index,
                event_id=row.event_id,
                event_type=row.event_type.lower(),
                status=row.badge.value,
                encoding=row.encoding_text.lower(),
                field=row.field.lower(),
                row_text=row.search_text.lower(),
                value_bytes=value_bytes(text, packed=packed),
                packed=packed,
                load=load,
            )
        )
    return items
