"""Protobuf payloads for people: a known message as its proto JSON, an unknown one as raw fields.

``binary/protobuf`` and ``json/protobuf`` payloads name their message in ``messageType``.
When the profile's descriptors (or the Temporal API's) know it, the value is
``MessageToDict`` of the message with its default options (lowerCamelCase names, 64-bit
integers as strings, enums by name), whatever encoding carried it. Binary data of an unknown
type is shown field by field, as ``protoc --decode_raw`` does, under a label that says so.
Only the reading changes: the payload and its encoding are left as they are.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError

from inspector.protobufs import MessageTypes, decode_raw

BINARY = "binary/protobuf"
JSON = "json/protobuf"
RAW_LABEL = "rawProtobuf"  # the key that marks a raw wire-format reading


def render_message(
    encoding: str, message_type: str, data: bytes, types: MessageTypes
) -> tuple[Any, str] | None:
    """The value and a note for people, or None to read the data as its encoding says
    (JSON of an unknown type, or JSON that does not parse as the named message)."""
    descriptor = types.find(message_type) if message_type else None
    if descriptor is not None:
        message = types.new_message(descriptor)
        try:
            if encoding == BINARY:
                message.ParseFromString(data)
            else:
                json_format.Parse(data, message, descriptor_pool=descriptor.file.pool)
            value = json_format.MessageToDict(message, descriptor_pool=descriptor.file.pool)
        except (DecodeError, json_format.ParseError, ValueError, TypeError, KeyError) as e:
            if encoding != BINARY:
                return None
            why = f"does not parse as {message_type} ({type(e).__name__})"
            return _raw(data, message_type, why)
        return value, f"Protobuf message {message_type}, shown as its proto JSON."
    if encoding != BINARY:
        return None
    why = f"unknown message type {message_type}" if message_type else "no messageType"
    return _raw(data, message_type, why)


def _raw(data: bytes, message_type: str, why: str) -> tuple[Any, str] | None:
    fields = decode_raw(data)
    if fields is None:
        return None  # not the wire format at all: shown as bytes
    label = f"{why}: fields by number and wire type, as protoc --decode_raw shows them"
    value = {RAW_LABEL: label, "messageType": message_type or None, "fields": fields}
    note = (
        f"Raw protobuf ({why}): add its descriptors to the profile's proto_descriptors "
        "to see field names."
    )
    return value, note
