"""What each payload of a tab offers to a search: its row's texts and its shown value's.

Built off the GUI thread once per view result (a 100 MB history's values are ~440 MB of
text) and kept until the next result; every keystroke after that only matches. The values
are read a chunk at a time (``DocumentRun.outcomes_by_chunk``), so the decoded payloads
that the results did not keep never all exist at once: only their packed text is kept.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

from isal import isal_zlib
from temporalio.api.common.v1 import Payload

from inspector.documents import Document, read_value
from inspector.documents.redacted import redact_payload
from inspector.outcomes import Outcome
from inspector.redaction import Redaction
from inspector.search import PLAIN_BYTES, Searchable, value_bytes, value_text

from .payload_model import PayloadRow

IN_FLIGHT = 2  # parts indexed at once

# (start, end, outcomes): the payloads start..end-1 and the outcomes among them.
Part = tuple[int, int, Mapping[int, Outcome]]


def _loader(payload: Payload, packed: bool) -> Callable[[], Any]:
    """Reads the value again, for a path term. A big document's keeps its payload packed:
    holding the decoded payloads themselves would keep the whole decoded history alive."""
    if not packed:
        return lambda: read_value(payload).value
    blob = isal_zlib.compress(payload.SerializeToString(), 1)
    return lambda: read_value(Payload.FromString(isal_zlib.decompress(blob))).value


def _text(payload: Payload, packed: bool) -> tuple[str | bytes, Callable[[], Any] | None]:
    """A payload's searchable text, cheaply: a JSON payload's data is already compact JSON
    (read again only when it escapes non-ASCII, so "Zoë" is found as typed)."""
    encoding = payload.metadata.get("encoding", b"")
    if encoding in (b"json/plain", b"json/protobuf"):
        data = payload.data
        if b"\\u" not in data:
            return data, _loader(payload, packed)
        shown = read_value(payload)
        return (value_text(shown.value), _loader(payload, packed)) if shown.is_json else ("", None)
    shown = read_value(payload)
    if shown.is_json:
        return value_text(shown.value), _loader(payload, packed)
    if shown.kind == "text":
        return str(shown.value), None
    return "", None


def _shown(
    doc: Document, index: int, outcomes: Mapping[int, Outcome] | None, redaction: Redaction | None
) -> Payload | None:
    """The payload the view shows (the document's before it has run; nothing for a payload
    that failed), redacted as shown: a redacted value is never found by what it hides."""
    outcome = outcomes.get(index) if outcomes is not None else None
    payload = outcome.payload if outcome is not None else doc.payloads[index].payload
    if payload is not None and redaction:
        payload, _ = redact_payload(payload, redaction)
    return payload


def _item(row: PayloadRow, payload: Payload | None, packed: bool) -> Searchable:
    text, load = _text(payload, packed) if payload is not None else ("", None)
    return Searchable(
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


def build_index(
    doc: Document,
    rows: Sequence[PayloadRow],
    outcomes: Mapping[int, Outcome] | None,
    redaction: Redaction | None = None,
    *,
    packed: bool | None = None,
) -> list[Searchable]:
    """One item per row, the value the one the view shows; ``packed``: keep the values'
    text packed (by default when the shown data is over PLAIN_BYTES in all)."""
    shown = [_shown(doc, row.index, outcomes, redaction) for row in rows]
    if packed is None:
        packed = sum(len(p.data) for p in shown if p is not None) > PLAIN_BYTES
    return [_item(row, payload, packed) for row, payload in zip(rows, shown, strict=True)]


async def index_values(
    doc: Document,
    rows: Sequence[PayloadRow],
    parts: AsyncIterator[Part],
    redaction: Redaction | None,
    *,
    packed: bool,
) -> list[Searchable]:
    """The index over every value, read part by part: parts are indexed in threads while
    the next one is decoded; packing lets go of the GIL, so they share the cores."""
    by_index = {row.index: row for row in rows}
    found: dict[int, Searchable] = {}

    def index_part(part: Part) -> None:
        start, end, outcomes = part
        chosen = [by_index[i] for i in range(start, end) if i in by_index]
        items = build_index(doc, chosen, outcomes, redaction, packed=packed)
        found.update((item.index, item) for item in items)

    indexing: deque[asyncio.Future[None]] = deque()
    try:
        async for part in parts:
            if len(indexing) >= IN_FLIGHT:
                await indexing.popleft()
            indexing.append(asyncio.ensure_future(asyncio.to_thread(index_part, part)))
        while indexing:
            await indexing.popleft()
    finally:
        for future in indexing:
            future.cancel()
    return [found[row.index] for row in rows]
