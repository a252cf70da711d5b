"""The direct JSON paths of the payload reader and writer give exactly what ``json_format`` gives.

They exist for speed (see the module's docstring); these properties are what makes them
safe: the same ``Payload`` (or the same 400) for any body, and the same answer bytes
(with metadata keys sorted, so that any process writes the same bytes).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from google.protobuf import json_format
from hypothesis import given, settings
from hypothesis import strategies as st
from temporalio.api.common.v1 import Payload, Payloads

from inspector.server import body
from inspector.server.errors import ApiError


def reference_write(payloads: list[Payload]) -> bytes:
    """``json_format``'s answer with metadata keys sorted (its own order is per process)."""
    document = json_format.MessageToDict(Payloads(payloads=payloads))
    document.setdefault("payloads", [])
    for item in document["payloads"]:
        if "metadata" in item:
            item["metadata"] = dict(sorted(item["metadata"].items()))
    return json.dumps(document, separators=(",", ":"), ensure_ascii=True).encode()


def b64_variants(raw: bytes) -> st.SearchStrategy[str]:
    standard = base64.b64encode(raw).decode()
    urlsafe = base64.urlsafe_b64encode(raw).decode()
    return st.sampled_from(
        [standard, standard.rstrip("="), urlsafe, urlsafe.rstrip("="), standard + "="]
    )


keys = st.one_of(
    st.sampled_from(["encoding", "messageType", "encryption-key-id", "", 'a"b']),
    st.text(max_size=8),
)
b64_strings = st.binary(max_size=40).flatmap(b64_variants)
junk = st.one_of(st.none(), st.integers(), st.text(max_size=6), st.lists(st.integers(), max_size=2))

items = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "metadata": st.dictionaries(keys, b64_strings, max_size=4),
            "data": b64_strings,
        },
    ),
    st.fixed_dictionaries(
        {},
        optional={
            "metadata": st.one_of(st.dictionaries(keys, st.one_of(b64_strings, junk)), junk),
            "data": st.one_of(b64_strings, junk),
            "externalPayloads": st.one_of(
                st.lists(st.fixed_dictionaries({}, optional={"sizeBytes": st.integers(0, 99)})),
                junk,
            ),
            "unknownField": junk,
        },
    ),
)


def json_format_read(document: bytes) -> list[Payload]:
    """What ``json_format`` reads from a body our checks accepted: the direct path's reference."""
    items = json.loads(document)["payloads"]
    return [json_format.ParseDict(item, Payload()) for item in items]


@settings(max_examples=400, deadline=None)
@given(st.lists(items, max_size=4))
def test_reading_matches_json_format(raw_items: list[Any]) -> None:
    document = json.dumps({"payloads": raw_items}).encode()
    try:
        ours = body.parse_payloads(document)
    except ApiError as e:
        ours_error: tuple[Any, ...] | None = (e.status, e.message, e.index, e.stage)
    else:
        ours_error = None
    # The same body read again gives the same verdict (the reader keeps no state).
    try:
        again = body.parse_payloads(document)
    except ApiError as e:
        expected_error: tuple[Any, ...] | None = (e.status, e.message, e.index, e.stage)
    else:
        expected_error = None
    assert ours_error == expected_error
    if ours_error is None:
        expected = json_format_read(document)
        assert ours == again == expected
        assert [p.SerializeToString() for p in ours] == [p.SerializeToString() for p in expected]
        assert body.write_payloads(ours) == reference_write(expected)
    else:
        assert ours_error[0] == 400 and ours_error[3] in ("input", None)


payloads = st.builds(
    lambda metadata, data, sizes: Payload(
        metadata=metadata,
        data=data,
        external_payloads=[Payload.ExternalPayloadDetails(size_bytes=s) for s in sizes],
    ),
    st.dictionaries(keys, st.binary(max_size=30), max_size=5),
    st.binary(max_size=60),
    st.lists(st.integers(0, 2**40), max_size=2),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(payloads, max_size=5))
def test_writing_matches_json_format(values: list[Payload]) -> None:
    assert body.write_payloads(values) == reference_write(values)


def test_an_empty_answer_is_still_a_list() -> None:
    assert body.write_payloads([]) == b'{"payloads":[]}'


def test_payloads_decoded_from_bytes_write_the_same() -> None:
    """However a map was built (its order differs), the answer is the same bytes."""
    original = Payload(
        metadata={"encoding": b"json/plain", "b": b"1", "a": b"2", "z\u00e9": b"3"},
        data=b'{"x": 1}',
    )
    decoded = Payload.FromString(original.SerializeToString())
    assert body.write_payloads([decoded]) == body.write_payloads([original])
    assert body.write_payloads([decoded, original]) == reference_write([decoded, original])
    assert body.write_payloads([original]).startswith(b'{"payloads":[{"metadata":{"a":"Mg=="')


TRICKY_BASE64 = [
    "",
    "=",
    "==",
    "QQ",
    "QQ=",
    "QQ==",
    "QQ===",
    "QUI",
    "QUI=",
    "QUJD",
    "QUJD====",
    "QR==",
    "Q",
    "Q===",
    "QQ==QQ==",
    "-_-_",
    "+/+/",
    "-_+/",
    "QUJD\n",
    " QUJD",
    "QU JD",
    "QUJDé",
]


def test_tricky_base64_reads_as_json_format_reads_it() -> None:
    for value in TRICKY_BASE64:
        document = json.dumps({"payloads": [{"data": value, "metadata": {"k": value}}]})
        try:
            ours: tuple[str, Any] = ("ok", body.parse_payloads(document.encode()))
        except ApiError as e:
            ours = ("error", (e.status, e.message))
        if ours[0] == "ok":
            assert ours[1] == json_format_read(document.encode()), value
        else:  # refused, where json_format would have read other bytes or failed
            assert ours[1][0] == 400, value
