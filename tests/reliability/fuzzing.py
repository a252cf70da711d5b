"""Shared fuzzing settings and strategies for the reliability tests.

Every property runs a fixed number of examples, derandomized, with no example database, so a
run on a clean clone tries exactly what the last one tried and the suite stays bounded in
time; docs/reliability.md quotes these numbers.
"""

from __future__ import annotations

import string
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from temporalio.api.common.v1 import Payload


def bounded(max_examples: int) -> settings:
    """A fixed budget: ``max_examples`` inputs, the same ones on every run."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )


# Text a protobuf string field accepts (no lone surrogates).
proto_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)

# Any JSON value Python's json module can write back (no NaN: JSON has none).
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)

# Encodings a payload may carry that are not a codec's or a reference's own: any such payload
# must survive encode → decode unchanged (a payload claiming ``binary/gzip`` while not being
# gzip is indistinguishable from a corrupt encoded one, in every SDK).
RESERVED_ENCODINGS = frozenset(
    {
        b"binary/gzip",
        b"binary/zlib",
        b"binary/snappy",
        b"binary/encrypted",
        b"json/external-storage-reference",
        b"json/protobuf",
    }
)
RESERVED_METADATA = frozenset(
    {"encoding", "messageType", "encryption-key-id", "__temporal_external_storage_reference"}
)

encodings = st.sampled_from(
    [b"json/plain", b"binary/plain", b"binary/null", b"json/protobuf-other", b"text/plain"]
) | st.binary(max_size=12).filter(lambda e: e not in RESERVED_ENCODINGS)


@st.composite
def payloads(draw: Any, max_data: int = 2048) -> Payload:
    """A payload with any data bytes and any metadata but the reserved names."""
    metadata = draw(
        st.dictionaries(
            proto_text.filter(lambda k: k not in RESERVED_METADATA),
            st.binary(max_size=16),
            max_size=3,
        )
    )
    metadata["encoding"] = draw(encodings)
    size = draw(st.sampled_from([0, 1, 16, 200, max_data]))
    data = draw(st.binary(min_size=min(size, 1), max_size=size)) if size else b""
    return Payload(metadata=metadata, data=data)


base64_garbage = st.text(
    alphabet=string.ascii_letters + string.digits + "+/=-_!@#$%^&*. \n\t\u00e9",
    min_size=1,
    max_size=20,
)
