"""The request bodies the benchmarks send, made by the real SDK's ``DataConverter``.

Values are deterministic (seeded) order-like records, so a run is repeatable and gzip
compresses them about as much as real business JSON (roughly 4:1).
"""

from __future__ import annotations

import dataclasses
import gzip
import random
from collections.abc import Sequence
from typing import Any

from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import DataConverter, ExternalStorage, StorageDriver

from inspector.codecs import GzipCodec

WORDS = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november "
    "oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu shipment "
    "invoice customer warehouse priority express standard refund pending settled"
).split()

LARGE_COUNT = 40
LARGE_PAYLOAD_JSON_BYTES = 16 * 1024  # each payload's share of the request body
SMALL_BODY_BYTES = 300


def record(rng: random.Random, index: int) -> dict[str, Any]:
    """One order line: ids, words and numbers, like a real workflow's data."""
    return {
        "id": f"ord-{rng.randrange(10**9):09d}-{index}",
        "customer": {"name": " ".join(rng.choices(WORDS, k=2)), "tier": rng.choice(WORDS)},
        "sku": f"SKU-{rng.randrange(10**6):06d}",
        "qty": rng.randrange(1, 50),
        "price": round(rng.uniform(1, 500), 2),
        "status": rng.choice(("pending", "settled", "refunded")),
        "note": " ".join(rng.choices(WORDS, k=rng.randrange(3, 12))),
    }


def value_of_size(seed: int, gzip_bytes: int) -> list[dict[str, Any]]:
    """A list of records whose gzip-encoded payload is close to ``gzip_bytes``."""
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    to_payloads = DataConverter.default.payload_converter.to_payloads
    while True:
        records.extend(record(rng, len(records) + i) for i in range(8))
        [payload] = to_payloads([records])
        # What GzipCodec stores: gzip of the serialized payload.
        if len(gzip.compress(payload.SerializeToString(), mtime=0)) >= gzip_bytes:
            return records


def converter(drivers: Sequence[StorageDriver] = (), threshold: int = 256 * 1024) -> DataConverter:
    """The SDK's default converter with our gzip codec (and external storage if drivers)."""
    storage = (
        ExternalStorage(drivers=list(drivers), payload_size_threshold=threshold)
        if drivers
        else None
    )
    return dataclasses.replace(
        DataConverter.default, payload_codec=GzipCodec(), external_storage=storage
    )


def payloads_json(payloads: Sequence[Payload]) -> bytes:
    """A ``Payloads`` body as the Web UI and CLI send it (proto JSON)."""
    return json_format.MessageToJson(Payloads(payloads=list(payloads)), indent=None).encode()


async def large_body() -> bytes:
    """40 gzip payloads of about 16 KB each in the body (~0.65 MB of JSON)."""
    # base64 makes 4 characters of 3 bytes; the rest of the JSON is a few dozen bytes.
    base = value_of_size(1, LARGE_PAYLOAD_JSON_BYTES * 3 // 4 - 64)
    values = []
    for i in range(LARGE_COUNT):
        rng = random.Random(1000 + i)
        value = list(base)
        value[0] = record(rng, i)  # distinct payloads, same size
        values.append(value)
    payloads = await converter().encode(values)
    return payloads_json(payloads)


async def small_body() -> bytes:
    """One gzip payload, about 300 bytes of JSON: what the Web UI sends for one event."""
    note_words = 12
    while True:
        rng = random.Random(7)
        value = {
            "orderId": "ord-000123",
            "status": "shipped",
            "note": " ".join(rng.choices(WORDS, k=note_words)),
        }
        [payload] = await converter().encode([value])
        body = payloads_json([payload])
        if len(body) >= SMALL_BODY_BYTES:
            return body
        note_words += 2
