"""The request log's JSON lines are exactly what ``json.dumps`` of the record gives.

``RequestRecord.to_json`` writes the line directly for speed; this holds it to the
generic form for any record, odd strings included.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.server.request_log import RequestRecord

texts = st.text(max_size=40)
records = st.builds(
    RequestRecord,
    time=texts,
    method=texts,
    path=texts,
    namespace=st.none() | texts,
    status=st.integers(100, 599),
    duration_ms=st.floats(0, 1e7, allow_nan=False).map(lambda x: round(x, 2)),
    payloads=st.none() | st.integers(0, 10**6),
    bytes_in=st.integers(0, 2**40),
    bytes_out=st.integers(0, 2**40),
    error=st.none() | texts,
)


@settings(max_examples=500, deadline=None)
@given(records)
def test_a_log_line_is_the_records_json(record: RequestRecord) -> None:
    line = record.to_json()
    assert line == json.dumps(asdict(record), ensure_ascii=True, separators=(",", ":"))
    assert "\n" not in line and json.loads(line) == asdict(record)
