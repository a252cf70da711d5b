"""Property tests for the document reader: any input is a Document or one DocumentError.

The reader is what the GUI, ``decode`` and screenshots parse user files with, so arbitrary
JSON, deep nesting, huge numbers, bad base64, bad UTF-8 and duplicate keys must never give
anything but a document or one clear error line — and a document must write back unchanged.
The server's own body reader gets the same treatment: anything but a 400 would be a 500.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from temporalio.api.common.v1 import Payload

from inspector.documents import (
    Document,
    DocumentError,
    parse_document,
    payload_from_json,
    payload_to_json,
    render_readable,
    write_document,
)
from inspector.gui.loading import parse_fast
from inspector.server.body import parse_payloads
from inspector.server.errors import ApiError
from tests.reliability.fuzzing import base64_garbage, bounded, json_values, payloads

SOURCE = "fuzz.json"


def parse_or_error(data: bytes | str) -> Document | None:
    """The reader's contract: a Document, or a DocumentError that is one line naming the source."""
    try:
        return parse_document(data, source=SOURCE)
    except DocumentError as e:
        message = str(e)
        assert message.startswith(SOURCE), message
        assert "Traceback" not in message
        return None


def check_writes_back(doc: Document) -> None:
    """With no replacement the output is the input document; every rendering is valid JSON."""
    out = write_document(doc, {})
    assert json.loads(out) == doc.root
    json.loads(render_readable(doc, {}))
    # Each payload replaced by itself reads back as the same payload. (A payload with no
    # metadata at all is written ``{}``, as codec servers write it, which reads back as the
    # shorthand JSON object ``{}``: proto JSON cannot tell the two apart.)
    again = parse_or_error(write_document(doc, {i: f.payload for i, f in enumerate(doc.payloads)}))
    assert again is not None
    for before, after in zip(doc.payloads, again.payloads, strict=True):
        if before.payload.metadata:
            assert after.payload == before.payload


def server_parse_or_400(body: bytes) -> list[Payload] | None:
    """The server's body reader: payloads, or ApiError(400) — anything else would be a 500."""
    try:
        return parse_payloads(body)
    except ApiError as e:
        assert e.status == 400, e
        assert "\n" not in e.message and "Traceback" not in e.message
        return None


@bounded(400)
@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes) -> None:
    parse_or_error(data)
    server_parse_or_400(data)


def _shapes(value: Any) -> list[Any]:
    """The value where a reader looks for payloads: at the top, in lists, in an event."""
    return [
        value,
        [value],
        {"payloads": value},
        {"payloads": [value, {"metadata": value, "data": value}]},
        {"metadata": value, "data": "AA=="},
        {
            "events": [
                {
                    "eventId": "1",
                    "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED",
                    "workflowExecutionStartedEventAttributes": {
                        "input": value,
                        "memo": {"fields": {"m": value}},
                        "header": value,
                    },
                },
                {"eventId": value, "activityTaskFailedEventAttributes": {"failure": value}},
            ]
        },
    ]


@bounded(300)
@given(json_values)
def test_arbitrary_json_in_every_shape(value: Any) -> None:
    for shape in _shapes(value):
        text = json.dumps(shape)
        doc = parse_or_error(text)
        if doc is not None:
            check_writes_back(doc)
        server_parse_or_400(text.encode())


@bounded(200)
@given(st.lists(payloads(max_data=300), max_size=4))
def test_proto_json_payloads_round_trip(items: list[Payload]) -> None:
    document = {"payloads": [payload_to_json(p) for p in items]}
    doc = parse_or_error(json.dumps(document))
    assert doc is not None
    assert [f.payload for f in doc.payloads] == items
    assert server_parse_or_400(json.dumps(document).encode()) == items
    for i, p in enumerate(items):
        assert payload_from_json(payload_to_json(p), f"/payloads/{i}", SOURCE) == p
    check_writes_back(doc)


DEPTHS = [100, 900, 1_100, 5_000, 100_000]


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("opener,closer", [("[", "]"), ('{"a":', "}")])
def test_deep_nesting_is_an_error_or_a_document(depth: int, opener: str, closer: str) -> None:
    nested = opener * depth + "1" + closer * depth
    for text in (
        nested,
        f'{{"payloads": [{nested}]}}',
        f'{{"events": [{{"eventId": "1", "activityTaskFailedEventAttributes": '
        f'{{"failure": {nested}}}}}]}}',
    ):
        doc = parse_or_error(text)
        if doc is not None:
            check_writes_back(doc)
        server_parse_or_400(text.encode())


def _failure_chain(depth: int) -> dict[str, Any]:
    """A failure whose ``cause`` chain is ``depth`` long, a payload at the bottom."""
    failure: dict[str, Any] = {
        "message": "root",
        "encodedAttributes": {"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "e30="},
    }
    for i in range(depth):
        failure = {"message": f"wrap {i}", "cause": failure}
    return failure


@pytest.mark.parametrize("depth", [10, 300, 800])
def test_deep_failure_cause_chain_finds_the_payload(depth: int) -> None:
    event = {
        "eventId": "5",
        "activityTaskFailedEventAttributes": {"failure": _failure_chain(depth)},
    }
    doc = parse_or_error(json.dumps({"events": [event]}))
    assert doc is not None
    assert len(doc.payloads) == 1
    assert doc.payloads[0].location.pointer.endswith("/cause" * depth + "/encodedAttributes")
    check_writes_back(doc)


huge_numbers = (
    st.integers(min_value=4_000, max_value=20_000).map(lambda n: "9" * n)
    | st.integers(min_value=309, max_value=10**6).map(lambda e: f"1e{e}")
    | st.integers(min_value=309, max_value=10**6).map(lambda e: f"-2.5E+{e}")
    | st.integers(min_value=1, max_value=400).map(lambda n: "1" * n)
    | st.integers(min_value=325, max_value=10**6).map(lambda e: f"1e-{e}")
)


@bounded(150)
@given(huge_numbers)
def test_huge_numbers(number: str) -> None:
    for text in (
        f'{{"payloads": [{number}]}}',
        f'[{number}, {{"x": {number}}}]',
        f'{{"metadata": {{"encoding": "anNvbi9wbGFpbg=="}}, "data": {number}}}',
        f'{{"events": [{{"eventId": {number}, "eventType": {number}}}]}}',
    ):
        doc = parse_or_error(text)
        if doc is not None:
            check_writes_back(doc)
            for found in doc.payloads:
                if found.payload.metadata.get("encoding") == b"json/plain":
                    # what a shorthand number becomes must itself be JSON (no "Infinity")
                    json.loads(found.payload.data, parse_constant=_no_constants)
        server_parse_or_400(text.encode())


def _no_constants(name: str) -> Any:
    raise AssertionError(f"payload data holds {name}, which is not JSON")


def _reference_b64(text: str) -> bytes | None:
    """What base64 text means to proto JSON (standard or URL-safe, padding optional), or None."""
    body = text.rstrip("=")
    if any(
        c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_" for c in body
    ):
        return None
    if len(text) - len(body) > 2 or len(body) % 4 == 1:
        return None
    try:
        return base64.b64decode(body.replace("-", "+").replace("_", "/") + "=" * (-len(body) % 4))
    except binascii.Error:
        return None


@bounded(300)
@given(base64_garbage, st.sampled_from(["data", "metadata"]))
def test_invalid_base64_is_an_error_at_its_field(text: str, field: str) -> None:
    item: dict[str, Any] = {"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "e30="}
    if field == "data":
        item["data"] = text
    else:
        item["metadata"]["encoding"] = text
    document = json.dumps({"payloads": [item]})
    expected = _reference_b64(text)
    try:
        doc = parse_document(document, source=SOURCE)
    except DocumentError as e:
        assert expected is None, (text, e)
        assert e.pointer is not None and e.pointer.startswith(f"/payloads/0/{field}"), e.pointer
    else:
        assert expected is not None, text
        payload = doc.payloads[0].payload
        got = payload.data if field == "data" else payload.metadata["encoding"]
        assert got == expected
    answer = server_parse_or_400(document.encode())
    assert (answer is None) == (expected is None), text


@bounded(200)
@given(st.data())
def test_invalid_utf8_is_an_error_not_a_crash(data: st.DataObject) -> None:
    good = json.dumps(
        {
            "payloads": [{"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "e30="}],
            "note": "héllo wörld",
        },
        ensure_ascii=False,
    ).encode()
    position = data.draw(st.integers(min_value=0, max_value=len(good)))
    bad = data.draw(
        st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80"])
    )
    text = good[:position] + bad + good[position:]
    assert parse_or_error(text) is None or True  # a document is fine if the bytes still decode
    server_parse_or_400(text)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32"])
def test_json_in_any_unicode_encoding_reads_the_same(encoding: str) -> None:
    text = json.dumps({"payloads": ["héllo ☃"]}, ensure_ascii=False)
    doc = parse_or_error(text.encode(encoding))
    assert doc is not None and doc.payloads[0].payload.data == '"héllo ☃"'.encode()


@bounded(150)
@given(
    st.lists(st.sampled_from(["e30=", "W10=", "MQ==", "InMi"]), min_size=2, max_size=4),
    st.lists(st.sampled_from(["anNvbi9wbGFpbg==", "YmluYXJ5L3BsYWlu"]), min_size=2, max_size=3),
)
def test_duplicate_keys_last_one_wins_everywhere(datas: list[str], encs: list[str]) -> None:
    """Duplicate keys: the reader and the server both take the last one, as browsers'
    ``JSON.parse`` and Go's ``encoding/json`` do, so the GUI, ``decode`` and the server never
    disagree about what a payload says. (protobuf's own ``json_format.Parse`` refuses them.)"""
    metadata = ", ".join(f'"encoding": "{e}"' for e in encs)
    fields = ", ".join(f'"data": "{d}"' for d in datas)
    item = f'{{{fields}, "metadata": {{{metadata}}}}}'
    text = f'{{"payloads": [{item}], "payloads": [{item}, {item}]}}'
    expected = Payload(
        metadata={"encoding": base64.b64decode(encs[-1])}, data=base64.b64decode(datas[-1])
    )
    doc = parse_or_error(text)
    assert doc is not None
    assert [f.payload for f in doc.payloads] == [expected, expected]
    assert server_parse_or_400(text.encode()) == [expected, expected]
    check_writes_back(doc)


# ------------------------------------------------- the GUI's piecewise reader agrees


def _gui_or_error(data: bytes) -> Document | None:
    try:
        return parse_fast(data, SOURCE)
    except DocumentError as e:
        assert str(e).startswith(SOURCE)
        return None


def _same(a: Document | None, b: Document | None) -> None:
    assert (a is None) == (b is None)
    if a is not None and b is not None:
        assert a.kind == b.kind and a.root == b.root
        assert [(f.location, f.payload) for f in a.payloads] == [
            (f.location, f.payload) for f in b.payloads
        ]


gui_inputs = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    json_values.flatmap(
        lambda v: st.sampled_from(_shapes(v)).map(lambda s: json.dumps(s, indent=1).encode())
    ),
    # valid JSON with a byte cut or a character changed: the fast path's own error paths
    json_values.flatmap(
        lambda v: st.integers(0, 60).map(lambda i: json.dumps({"payloads": [v]}).encode()[:i])
    ),
    huge_numbers.map(lambda n: f'{{"events": [{{"eventId": "1", "x": [{n}]}}]}}'.encode()),
    st.sampled_from([b"[NaN]", b'{"payloads": [Infinity]}', b"\xef\xbb\xbf[1]", b" ", b"{}"]),
)


@bounded(500)
@given(gui_inputs)
def test_gui_reader_equals_parse_document(data: bytes) -> None:
    """The GUI reads big exports in pieces; it must see exactly what ``decode`` sees."""
    _same(_gui_or_error(data), parse_or_error(data))


@pytest.mark.parametrize("depth", [2, 3, 4, 900, 5_000])
def test_gui_reader_on_deep_nesting(depth: int) -> None:
    text = ("[" * depth + "]" * depth).encode()
    _same(_gui_or_error(text), parse_or_error(text))
