"""Reading binary protobuf histories by content: what is and is not one."""

from __future__ import annotations

import json

import pytest
from google.protobuf import json_format
from temporalio.api.history.v1 import History

from inspector.documents import parse_document, write_document
from inspector.documents.binary_history import HISTORY, to_binary
from inspector.documents.model import DocumentError, DocumentKind
from inspector.gui.resources import SAMPLES_DIR


def _sample() -> dict[str, object]:
    loaded: dict[str, object] = json.loads((SAMPLES_DIR / "history.json").read_text("utf-8"))
    return loaded


def test_a_binary_history_finds_the_json_payloads() -> None:
    sample = _sample()
    data = json_format.ParseDict(sample, History()).SerializeToString()
    doc = parse_document(data, source="h.bin")
    assert doc.kind is DocumentKind.HISTORY and doc.binary == HISTORY
    from_json = parse_document(json.dumps(sample), source="h.bin")
    # the same payloads at the same places (a map's order is the serializer's own)
    by_place = {f.location.pointer: (f.location, f.payload) for f in doc.payloads}
    assert by_place == {f.location.pointer: (f.location, f.payload) for f in from_json.payloads}
    assert len(by_place) == len(doc.payloads) > 5
    assert History.FromString(to_binary(doc, write_document(doc, {}))) == History.FromString(data)


@pytest.mark.parametrize(
    "data",
    [b"\x00\x01\x02garbage", b"\n\x03abc", b"\x89PNG\r\n\x1a\n0000", b"\n{not json"],
)
def test_what_is_no_history_keeps_its_message(data: bytes) -> None:
    with pytest.raises(DocumentError) as info:
        parse_document(data, source="x.bin")
    assert str(info.value).startswith("x.bin")
    assert "\n" not in str(info.value)
