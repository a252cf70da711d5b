"""Payloads a view should have decoded but that are still in a codec's encoding.

A codec passes a payload in an encoding it does not know through unchanged, so a history
opened with the wrong profile "decodes" without an error and shows ciphertext. What the
standard payload converters write is readable; anything else after a decoding view is a
codec's encoding that no codec of the profile undid. References of any form are storage's,
never "left encoded"; the Raw view decodes nothing and so reports nothing; the Downloaded
view only the references it fetched. Every face (``decode``, ``screenshot``, the GUI) asks
here, so they agree on which payloads these are and word the reason the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from temporalio.api.common.v1 import Payload

from inspector.outcomes import Outcome
from inspector.references import is_reference
from inspector.views import View

# What the SDKs' standard payload converters write: data a person (or the tool) can read.
STANDARD_ENCODINGS = frozenset(
    {"binary/null", "binary/plain", "json/plain", "json/protobuf", "binary/protobuf"}
)


@dataclass(frozen=True)
class LeftEncoded:
    """One payload still in a codec's encoding after a view that should decode it."""

    index: int
    encoding: str
    profile: str

    @property
    def reason(self) -> str:
        return reason(self.encoding, self.profile)


def reason(encoding: str, profile: str) -> str:
    """The one wording every face uses."""
    return f"no codec of profile '{profile}' decodes {encoding}"


def encoding_of(payload: Payload) -> str:
    return payload.metadata.get("encoding", b"").decode("utf-8", "replace")


def left_in(
    view: str, raw: Payload, result: Payload | None, result_encoding: str | None = None
) -> str | None:
    """The codec encoding the view left this payload in, or None.

    ``result`` is what the view gave (None for a failure: it says why itself); a face that
    no longer holds a big result passes its ``result_encoding`` instead (a reference is
    never big, so it is always held).
    """
    shown = View.parse(view)
    if shown is View.RAW:
        return None
    if shown is View.DOWNLOAD and not is_reference(raw):
        return None  # Downloaded leaves every other payload as it is, on purpose
    if result is not None:
        if is_reference(result):
            return None
        result_encoding = encoding_of(result)
    if result_encoding is None or result_encoding in STANDARD_ENCODINGS:
        return None
    return result_encoding


def left_encoded(
    view: str,
    profile: str,
    raw: Iterable[tuple[int, Payload]],
    outcomes: Mapping[int, Outcome],
) -> list[LeftEncoded]:
    """Which payloads the view left in a codec's encoding, by index."""
    found: list[LeftEncoded] = []
    for index, before in raw:
        outcome = outcomes.get(index)
        if outcome is None or outcome.payload is None:
            continue
        encoding = left_in(view, before, outcome.payload)
        if encoding is not None:
            found.append(LeftEncoded(index, encoding, profile))
    return found
