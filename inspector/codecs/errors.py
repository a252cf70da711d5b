"""Codec failures, split by when they happen: while configuring, or on one payload."""

from __future__ import annotations

from inspector.errors import InspectorError
from inspector.outcomes import ErrorKind


class CodecError(InspectorError):
    """A codec could not encode or decode a payload (corrupt data, wrong key, remote refusal).

    ``codec`` is the codec's display name (never a key or credential), so the pipeline can say
    which codec failed without knowing codec types.
    """

    kind: ErrorKind = ErrorKind.CODEC

    def __init__(self, message: str, codec: str) -> None:
        super().__init__(message)
        self.message = message
        self.codec = codec


class CodecConfigError(InspectorError, ValueError):
    """A codec cannot be built from its configuration (bad key size, bad factory, bad URL).

    A ``ValueError`` so profile loading can treat it like any other invalid setting.
    """
