"""Protobuf messages the inspector can read: the Temporal API's own, and a profile's descriptors.

``descriptors`` loads a profile's ``proto_descriptors`` (descriptor sets, ``.proto`` files or
folders, compiled with the protoc of ``grpcio-tools``) into ``MessageTypes``; ``wire`` reads
bytes of an unknown message as protoc's ``--decode_raw`` does. Nothing here knows of payloads,
documents or faces.
"""

from __future__ import annotations

from inspector.protobufs.descriptors import (
    MessageTypes,
    ProtoDescriptorError,
    cached_message_types,
    load_message_types,
    temporal_types,
)
from inspector.protobufs.wire import decode_raw

__all__ = [
    "MessageTypes",
    "ProtoDescriptorError",
    "cached_message_types",
    "decode_raw",
    "load_message_types",
    "temporal_types",
]
