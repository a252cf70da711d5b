"""The shipped sample history (a real SDK run) with every payload encoded by a reference
codec of the SDK side (aes-gcm, zlib), as a worker with that codec would have written it,
and the config whose profiles do and do not decode it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from inspector.documents import parse_document, payload_to_json
from inspector.gui.resources import SAMPLES_DIR
from tests.support.config import aes_gcm_codec, profile, write_config
from tests.support.sdk_codecs import SdkAesGcmCodec, SdkZlibCodec

KEY = bytes(range(32))
KEY_ID = "k-2026"
# Search attributes are never codec-encoded; the sample's one stays as it is.
SEARCH_ATTRIBUTES = "searchAttributes"


def sdk_codec(kind: str) -> PayloadCodec:
    if kind == "aes-gcm":
        return SdkAesGcmCodec(KEY_ID, KEY)
    return SdkZlibCodec(always_encode=True)


def _set(root: Any, pointer: str, value: Any) -> None:
    tokens = pointer.split("/")[1:]
    node = root
    for token in tokens[:-1]:
        node = node[int(token)] if isinstance(node, list) else node[token]
    last = tokens[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def encoded_history(tmp: Path, kind: str) -> Path:
    """``<tmp>/history-<kind>.json``: the sample with each payload run through the codec."""
    text = (SAMPLES_DIR / "history.json").read_text(encoding="utf-8")
    doc = parse_document(text, source="history.json")
    root = json.loads(text)
    codec = sdk_codec(kind)
    found = [f for f in doc.payloads if SEARCH_ATTRIBUTES not in f.location.pointer]

    async def encode() -> list[Payload]:
        return list(await codec.encode([f.payload for f in found]))

    loop = asyncio.new_event_loop()  # its own: a test's loop (the GUI's) stays current
    try:
        encoded_all = loop.run_until_complete(encode())
    finally:
        loop.close()
    for f, encoded in zip(found, encoded_all, strict=True):
        _set(root, f.location.pointer, payload_to_json(encoded))
    path = tmp / f"history-{kind}.json"
    path.write_text(json.dumps(root, indent=2), encoding="utf-8")
    return path


def profiles_config(tmp: Path) -> Path:
    """``zlib`` and ``go`` (no codecs, serving ``default``) and ``payments`` (aes-gcm)."""
    return write_config(
        tmp,
        {
            "go": profile(namespaces=["default"]),
            "zlib": profile(["zlib"], namespaces=["zlib-ns"]),
            "payments": profile([aes_gcm_codec({KEY_ID: KEY})], namespaces=["payments"]),
        },
    )
