"""Recognise and read external-storage references by their metadata.

A reference is known by what its metadata says, never by ``externalPayloads`` alone: the
SDK's own rules (``json/protobuf`` + the reference message type, the legacy
``json/external-storage-reference`` encoding) plus the marker that codec-encoded
references carry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from google.protobuf import json_format
from temporalio.api.common.v1 import Payload
from temporalio.api.sdk.v1 import ExternalStorageReference
from temporalio.converter import JSONProtoPayloadConverter

from inspector.errors import InspectorError

REFERENCE_ENCODING = b"json/protobuf"
REFERENCE_MESSAGE_TYPE = ExternalStorageReference.DESCRIPTOR.full_name.encode()
LEGACY_REFERENCE_ENCODING = b"json/external-storage-reference"
REFERENCE_MARKER_KEY = "__temporal_external_storage_reference"
# The SDK's own converter writes references, so ours are byte-equal to a worker's.
_CLAIM_CONVERTER = JSONProtoPayloadConverter()


@dataclass(frozen=True)
class Reference:
    """A plain (not codec-encoded) reference: which driver holds the blob, and its claim."""

    driver_name: str
    claim: dict[str, str] = field(default_factory=dict)
    stored_size: int | None = None

    @property
    def cache_key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Driver name and claim identify a blob for one driver; the pipeline scopes this to
        its profile's driver (``scoped_key``) before the shared cache sees it."""
        return (self.driver_name, tuple(sorted(self.claim.items())))


class ReferenceFormatError(InspectorError, ValueError):
    """A payload that says it is a reference but whose claim cannot be read."""


def is_marked(payload: Payload) -> bool:
    """A codec-encoded reference: its metadata carries the SDK's marker."""
    return payload.metadata.get(REFERENCE_MARKER_KEY) == b"true"


def is_plain_reference(payload: Payload) -> bool:
    """A reference the storage layer can read as it is (SDK's ``_is_reference_payload``)."""
    encoding = payload.metadata.get("encoding")
    return encoding == LEGACY_REFERENCE_ENCODING or (
        encoding == REFERENCE_ENCODING
        and payload.metadata.get("messageType") == REFERENCE_MESSAGE_TYPE
    )


def is_reference(payload: Payload) -> bool:
    """Plain, legacy or marked: anything that stands for a payload kept elsewhere."""
    return is_marked(payload) or is_plain_reference(payload)


def stored_size(payload: Payload) -> int | None:
    """The size the reference says its blob has, if it says one."""
    if not payload.external_payloads:
        return None
    return sum(int(e.size_bytes) for e in payload.external_payloads)


def parse_reference(payload: Payload) -> Reference:
    """Read a plain reference's driver and claim; raises ``ReferenceFormatError``."""
    encoding = payload.metadata.get("encoding")
    try:
        if encoding == LEGACY_REFERENCE_ENCODING:
            obj = json.loads(payload.data)
            claim = obj["driver_claim"]["claim_data"]
            return Reference(
                driver_name=str(obj["driver_name"]),
                claim={str(k): str(v) for k, v in claim.items()},
                stored_size=stored_size(payload),
            )
        if is_plain_reference(payload):
            ref = json_format.Parse(payload.data, ExternalStorageReference())
            return Reference(
                driver_name=ref.driver_name,
                claim=dict(ref.claim_data),
                stored_size=stored_size(payload),
            )
    except RecursionError:  # json's own depth bound: a claim is a flat table
        raise ReferenceFormatError(
            "unreadable storage reference: its JSON is nested too deeply"
        ) from None
    except (ValueError, KeyError, TypeError, AttributeError, json_format.ParseError) as e:
        raise ReferenceFormatError(f"unreadable storage reference: {e}") from None
    raise ReferenceFormatError("payload is not a plain storage reference")


def make_reference_payload(ref: Reference) -> Payload:
    """The SDK's wire form of a reference (``json/protobuf``), with its stored size."""
    proto = ExternalStorageReference(driver_name=ref.driver_name, claim_data=ref.claim)
    payload = _CLAIM_CONVERTER.to_payload(proto)
    assert payload is not None  # a proto message always converts
    if ref.stored_size is not None:
        payload.external_payloads.add().size_bytes = ref.stored_size
    return payload
