"""Payloads as shown under redaction rules: the value read for people, the rules applied, and
the payload written back with that value, so every view of it (value, tree, hex, proto JSON,
``--readable``, exports) shows the same redacted data.

Only payloads the rules changed are rewritten (compact JSON, or the text itself); every
other payload is returned as it was, byte for byte. Metadata and external-payload details
stay: rules are about the value.
"""

from __future__ import annotations

from collections.abc import Mapping

from temporalio.api.common.v1 import Payload

from inspector.documents.json_text import compact
from inspector.documents.model import Document
from inspector.documents.readable import read_value
from inspector.redaction import Redaction


def redact_payload(payload: Payload, redaction: Redaction) -> tuple[Payload, int]:
    """The payload as shown under ``redaction`` and how many values the rules replaced."""
    if not redaction:
        return payload, 0
    read = read_value(payload)
    if read.kind == "json":
        result = redaction.apply(read.value)
        data = compact(result.value) if result.count else b""
    elif read.kind == "text":
        result = redaction.apply(read.value)
        data = str(result.value).encode("utf-8") if result.count else b""
    else:
        return payload, 0  # bytes, null, nothing: no value a rule names
    if not result.count:
        return payload, 0
    shown = Payload()
    shown.CopyFrom(payload)
    shown.data = data
    return shown, result.count


def redact_document(
    doc: Document, replacements: Mapping[int, Payload], redaction: Redaction
) -> tuple[dict[int, Payload], int]:
    """Every payload of ``doc`` as shown (its replacement, else as found), redacted; and the
    number of values replaced in all. Without rules, just the replacements."""
    if not redaction:
        return dict(replacements), 0
    shown: dict[int, Payload] = {}
    total = 0
    for i, found in enumerate(doc.payloads):
        payload, count = redact_payload(replacements.get(i, found.payload), redaction)
        total += count
        if count or i in replacements:
            shown[i] = payload
    return shown, total
