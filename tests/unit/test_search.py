"""The search's query language and matching (no Qt): words in values, field terms, paths."""

from __future__ import annotations

import json
from typing import Any

import pytest

from inspector.search import (
    QueryError,
    Searchable,
    matching,
    parse_query,
    value_bytes,
    value_text,
)


def _item(index: int, value: Any, **fields: Any) -> Searchable:
    defaults: dict[str, Any] = {
        "event_id": index + 1,
        "event_type": "activitytaskscheduled",
        "status": "inline",
        "encoding": "binary/gzip → json/plain",
        "field": "input[0]",
        "row_text": f"event {index + 1} input[0]",
    }
    defaults.update(fields)
    return Searchable(
        index=index,
        value_bytes=value_bytes(value_text(value), packed=index % 2 == 1),
        packed=index % 2 == 1,
        load=lambda: json.loads(json.dumps(value)),
        **defaults,
    )


ITEMS = [
    _item(0, {"customer": {"id": "42", "name": "Zoë"}, "order": "ORDER-4711"}),
    _item(1, {"customer": {"id": 42}, "items": ["widget", "ガジェット"]}, status="error"),
    _item(2, "plain text ORDER 4711", event_type="activitytaskfailed", field="failure.details[0]"),
    _item(3, [1, 2, 3], event_id=25, encoding="json/plain", row_text="event 25 result[0]"),
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("order-4711", [0]),  # words are looked for in values, any case
        ("ORDER-4711", [0]),
        ('"order 4711"', [2]),  # a quoted phrase
        ("ガジェット", [1]),
        ("event=25", [3]),
        ("type~failed", [2]),
        ("type=activitytaskscheduled", [0, 1, 3]),
        ("status:error", [1]),
        ("encoding~gzip", [0, 1, 2]),
        ("field~details", [2]),
        ('$.customer.id == "42"', [0, 1]),  # a number 42 equals the text "42" too
        ("$.customer.id == 42", [0, 1]),
        ('$.customer.name ~ "zo"', [0]),
        ('$.items[1] == "ガジェット"', [1]),
        ('$.customer.id != "42"', [2, 3]),  # no such path: "not equal" holds
        ("$[0] == 1", [3]),
        ("widget status:error", [1]),  # every term must hold
        ("widget status:inline", []),
        ("result[0]", [3]),  # row texts count as well
        ("$[0] == true", []),  # JSON's true is not 1
    ],
)
def test_queries_find_what_they_say(query: str, expected: list[int]) -> None:
    assert matching(parse_query(query), ITEMS) == expected


def test_words_are_what_the_value_view_highlights() -> None:
    query = parse_query('order "two words" status:error $.a == 1')
    assert query.words == ["order", "two words"]
    assert query.needs_values


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("$.customer.id", "a path needs an operator and a value"),
        ("event=abc", "an event id is a number"),
        ('"unclosed', "cannot read the query"),
    ],
)
def test_bad_queries_say_what_is_wrong(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(query)


@pytest.mark.parametrize("packed", [False, True])
def test_value_bytes_lowers_a_payloads_data_as_it_is_or_as_text(packed: bool) -> None:
    """A JSON payload's data is given as bytes: ASCII is lowered as it is, anything else as
    text (so "ZOË" is found as "zoë"); the packed form unpacks to the same bytes."""
    from isal import isal_zlib

    for given, lowered in [
        (b'{"Order":"ORDER-4711"}', b'{"order":"order-4711"}'),
        ('{"Name":"ZOË"}'.encode(), '{"name":"zoë"}'.encode()),
        ('{"Name":"ZOË"}', '{"name":"zoë"}'.encode()),
    ]:
        data = value_bytes(given, packed=packed)
        assert (isal_zlib.decompress(data) if packed else data) == lowered
    assert value_bytes(b"", packed=packed) == b""
