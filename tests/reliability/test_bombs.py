"""Decompression bombs against every bound (F13, F14): per payload, per operation, at once.

The unit tests of ``inspector.codecs.inflate`` show that no framing escapes the counted loop;
these show the bounds above it: the budget of one operation (``max_decoded_bytes``), the gate
that lets one large operation inflate at a time, and a real ``serve`` whose peak memory stays
under ``PEAK_RSS_LIMIT`` while it refuses the bombs, alone and all at once.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import struct
import zlib
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload

from inspector import limits
from inspector.codecs import GzipCodec
from inspector.outcomes import Outcome
from inspector.pipeline import Pipeline
from inspector.references import Reference, make_reference_payload
from inspector.storage.filesystem import FilesystemDriver
from tests.support.config import profile, write_config
from tests.support.http import assert_error, client_session, post
from tests.support.serve import serve

MIB = 1024 * 1024
PEAK_RSS_LIMIT = 1024 * MIB  # what the server may reach while it refuses every bomb below


def bomb_payload(inner_size: int, *, framing: str = "plain") -> Payload:
    """A ``binary/gzip`` payload whose inner Payload is ``inner_size`` bytes of data."""
    inner = Payload(metadata={"encoding": b"binary/plain"})
    prefix = inner.SerializeToString() + b"\x12" + _varint(inner_size)  # field 2 (data)
    member = _gzip_with_prefix(prefix, inner_size)
    if framing == "empty member first":  # F13: an empty member, a zero byte, then the bomb
        member = _gzip_with_prefix(b"", 0) + b"\x00" + member
    elif framing == "header crc":  # F13: the FHCRC flag
        member = member[:3] + b"\x02" + member[4:10] + b"\x00\x00" + member[10:]
    return Payload(metadata={"encoding": b"binary/gzip"}, data=member)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _gzip_with_prefix(prefix: bytes, zeros: int) -> bytes:
    """A gzip member of ``prefix`` and ``zeros`` zero bytes, made a MiB at a time."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    parts = [b"\x1f\x8b\x08\x00\0\0\0\0\x00\xff", deflate.compress(prefix)]
    crc = zlib.crc32(prefix)
    chunk = b"\0" * MIB
    for _ in range(zeros // MIB):
        parts.append(deflate.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    parts += [deflate.flush(), struct.pack("<II", crc, (len(prefix) + zeros) & 0xFFFFFFFF)]
    return b"".join(parts)


def errors(outcomes: list[Outcome]) -> list[str | None]:
    return [None if o.error is None else o.error.kind.value for o in outcomes]


# -- the budget of one operation (F14) ---------------------------------------------------


async def test_the_budget_counts_every_payload_of_one_operation() -> None:
    pipeline = Pipeline(codec=GzipCodec(), codec_label="gzip", max_decoded_bytes=8 * MIB)
    batch = [bomb_payload(3 * MIB) for _ in range(4)]
    outcomes = await pipeline.decode(batch)
    assert errors(outcomes) == [None, None, "codec", "codec"]
    message = outcomes[2].error.describe()  # type: ignore[union-attr]
    assert "decodes to more than 8 MiB in all" in message and "max_decoded_bytes" in message
    # Each operation has its own budget: the next request starts from nothing.
    assert errors(await pipeline.decode(batch[:2])) == [None, None]


async def test_retrieved_blobs_count_against_the_budget(tmp_path: Path) -> None:
    driver = FilesystemDriver(tmp_path / "store")
    blob = Payload(metadata={"encoding": b"binary/plain"}, data=b"x" * (3 * MIB))
    [claim] = await driver.store(None, [blob])  # type: ignore[arg-type]
    reference = make_reference_payload(Reference(driver.name(), dict(claim.claim_data)))
    pipeline = Pipeline(drivers=[driver], max_decoded_bytes=8 * MIB)
    outcomes = await pipeline.decode([reference] * 4)
    assert errors(outcomes).count("limit") == 2 and errors(outcomes).count(None) == 2
    failed = next(o.error for o in outcomes if o.error is not None)
    assert failed.stage.value == "storage" and "max_decoded_bytes" in failed.message


async def test_allowances_count_from_what_the_operation_used_already(tmp_path: Path) -> None:
    """A marked reference after megabytes of proxy decoding is still a few bytes to unmark."""
    store = FilesystemDriver(tmp_path / "store")
    writer = Pipeline(
        codec=GzipCodec(),
        proxy_codec=GzipCodec(),
        drivers=[store],
        threshold=4 * MIB,
        mark_references=True,
    )
    noise = random.Random(7).randbytes(8 * MIB)  # gzip cannot shrink it: all of it inflates
    inline = Payload(metadata={"encoding": b"binary/plain"}, data=noise[: 3 * MIB])
    stored = Payload(metadata={"encoding": b"binary/plain"}, data=noise[3 * MIB :])
    encoded = [o.payload for o in await writer.encode([inline, stored])]
    assert encoded[1] is not None and len(encoded[1].data) < 1000  # stored: a (marked) reference
    outcomes = await writer.decode(encoded, preserve_refs=True)  # type: ignore[arg-type]
    assert errors(outcomes) == [None, None]
    assert outcomes[0].payload == inline
    assert errors(await writer.decode(encoded)) == [None, None]  # type: ignore[arg-type]


# -- the gate: one large operation inflates at a time ---------------------------------------


async def test_a_large_operation_waits_for_the_gate_and_gives_up_with_busy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(limits, "GATE_TIMEOUT_SECONDS", 0.5)
    pipeline = Pipeline(codec=GzipCodec(), codec_label="gzip")
    large = bomb_payload(40 * MIB)  # past LARGE_OPERATION_BYTES: needs the gate
    small = bomb_payload(2 * MIB)
    with limits.operation_budget(None) as other:
        await limits.hold_gate(other)  # another large operation is running
        outcomes = await pipeline.decode([small, large])
        assert errors(outcomes) == [None, "busy"]
        assert outcomes[1].error.kind.http_status == 503  # type: ignore[union-attr]
    assert limits.GATE.free == limits.LARGE_SLOTS
    assert errors(await pipeline.decode([small, large])) == [None, None]


async def test_concurrent_large_operations_all_finish_one_at_a_time() -> None:
    pipeline = Pipeline(codec=GzipCodec(), codec_label="gzip")
    large = bomb_payload(40 * MIB)
    results = await asyncio.gather(*(pipeline.decode([large]) for _ in range(3)))
    assert [errors(r) for r in results] == [[None]] * 3
    assert all(len(r[0].payload.data) == 40 * MIB for r in results)  # type: ignore[union-attr]
    assert limits.GATE.free == limits.LARGE_SLOTS


# -- a real server under every bomb, alone and at once -------------------------------------


def peak_rss(pid: int) -> int:
    """The process's peak resident set (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def body(*payloads: Payload) -> bytes:
    return json.dumps(
        {
            "payloads": [
                {
                    "metadata": {k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
                    "data": base64.b64encode(p.data).decode(),
                }
                for p in payloads
            ]
        }
    ).encode()


@pytest.mark.slow
async def test_serve_refuses_every_bomb_within_its_memory(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"default": profile(["gzip"], namespaces=["*"])})
    attacks = {
        # F13: framings that used to reach gzip.decompress unbounded (400 MiB each).
        "empty member first": body(bomb_payload(400 * MIB, framing="empty member first")),
        "header crc": body(bomb_payload(400 * MIB, framing="header crc")),
        # F14: four payloads, each under the per-payload bound, 1 GB in all.
        "four under the bound": body(*[bomb_payload(250 * MIB)] * 4),
    }
    assert all(len(b) < 2 * MIB for b in attacks.values())
    async with serve("--config", str(config), "--port", "0") as server, client_session() as http:
        pid = server.process.pid

        async def attack(name: str) -> str:
            answer = await post(http, f"{server.url}/decode", attacks[name])
            index = 2 if name == "four under the bound" else 0
            return assert_error(answer, 422, index=index, stage="pre-storage codec")

        alone = {name: await attack(name) for name in attacks}
        assert "inflates to more than 256 MiB" in alone["header crc"]
        assert "max_decoded_bytes" in alone["four under the bound"]
        rss_alone = peak_rss(pid)
        # All of them, three times over, at once: the gate keeps them from adding up.
        together = await asyncio.gather(*(attack(name) for name in list(attacks) * 3))
        assert len(together) == 9
        rss_together = peak_rss(pid)
        healthy = await http.get(f"{server.url}/healthz")
        assert healthy.status == 200
    print(f"peak RSS: alone {rss_alone / MIB:.0f} MiB, together {rss_together / MIB:.0f} MiB")
    assert rss_together < PEAK_RSS_LIMIT, rss_together
