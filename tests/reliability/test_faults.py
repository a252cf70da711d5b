"""Faults through a real ``payload-inspector serve``, each with the status the README gives.

One server runs every fault profile (python drivers from ``tests/support/drivers.py``,
our filesystem store, the SDK's S3 driver on moto directly and behind misbehaving proxies);
after each fault it must still answer ``/healthz``, and its stderr must hold no traceback.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from temporalio.api.common.v1 import Payload

from inspector.references import is_plain_reference
from tests.reliability.netfaults import BlobServer, FaultyProxy
from tests.support.cli import run_serve_expecting_exit
from tests.support.config import Profiles, filesystem_storage, profile, write_config
from tests.support.drivers import DROP_URL_ENV, STORE_ENV, stub_codec, stub_storage
from tests.support.history import sdk_converter
from tests.support.http import Answer, assert_error, client_session, post
from tests.support.s3 import MotoS3, S3Bucket, fresh_bucket
from tests.support.serve import ServeProcess, serve

pytestmark = pytest.mark.asyncio(loop_scope="module")

THRESHOLD = 16
BIG = Payload(metadata={"encoding": b"binary/plain"}, data=bytes(range(256)) * 40)
PYTHON_FAULTS = {
    "slow": ("SlowDriver", 1),
    "drop": ("DroppingDriver", 10),
    "truncated": ("TruncatingDriver", 10),
    "tampered": ("TamperingDriver", 10),
    "raising": ("RaisingDriver", 10),
}


@dataclass
class Faults:
    """The running server and what its fault profiles point at."""

    server: ServeProcess
    session: aiohttp.ClientSession
    store: Path
    fs_store: Path
    bucket: S3Bucket
    blob_server: BlobServer
    cutting: FaultyProxy
    stalling: FaultyProxy
    seen: dict[str, str]

    async def post(self, route: str, payloads: list[Payload], namespace: str) -> Answer:
        return await post(self.session, f"{self.server.url}/{route}", payloads, namespace=namespace)

    async def healthy(self) -> None:
        async with self.session.get(f"{self.server.url}/healthz") as response:
            assert response.status == 200


def fault_profiles(
    fs_store: Path, bucket: S3Bucket, cutting: FaultyProxy, stalling: FaultyProxy
) -> Profiles:
    """A profile (and namespace) per fault: python drivers, S3 direct and behind proxies
    that cut or stall, our filesystem store, and a codec that raises."""
    profiles: dict[str, Mapping[str, Any]] = {}
    for name, (factory, timeout) in PYTHON_FAULTS.items():
        storage = stub_storage(factory, threshold=THRESHOLD, timeout_seconds=timeout)
        profiles[name] = profile(namespaces=[name], storage=storage)
    for name, endpoint, timeout in (
        ("s3", bucket.endpoint_url, 10),
        ("s3-cut", cutting.url, 10),
        ("s3-stall", stalling.url, 1),
    ):
        storage = bucket.storage(
            endpoint_url=endpoint, threshold=THRESHOLD, timeout_seconds=timeout
        )
        profiles[name] = profile(namespaces=[name], storage=storage)
    profiles["fs"] = profile(
        ["gzip"], namespaces=["fs"], storage=filesystem_storage(fs_store, threshold=THRESHOLD)
    )
    profiles["codec"] = profile([stub_codec("RaisingCodec")], namespaces=["codec"])
    return profiles


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def faults(
    tmp_path_factory: pytest.TempPathFactory, moto_s3: MotoS3
) -> AsyncIterator[Faults]:
    bucket = fresh_bucket(moto_s3)
    base = tmp_path_factory.mktemp("faults")
    store, fs_store = base / "fault-store", base / "fs-store"
    store.mkdir()
    async with (
        BlobServer(store) as blob_server,
        FaultyProxy(moto_s3.port, "cut") as cutting,
        FaultyProxy(moto_s3.port, "stall") as stalling,
    ):
        config = write_config(base, fault_profiles(fs_store, bucket, cutting, stalling))
        env = {STORE_ENV: str(store), DROP_URL_ENV: blob_server.url}
        async with (
            serve("--config", str(config), "--port", "0", env=env) as server,
            client_session() as session,
        ):
            faults_seen: dict[str, str] = {}
            yield Faults(
                server,
                session,
                store,
                fs_store,
                bucket,
                blob_server,
                cutting,
                stalling,
                faults_seen,
            )
            assert not any("Traceback" in line for line in server.stderr_lines)
            for name, message in sorted(faults_seen.items()):  # shown with -s; quoted in docs
                print(f"[fault] {name}: {message}")


async def reference_via(faults: Faults, namespace: str, payload: Payload = BIG) -> Payload:
    """Encode through the server itself, so the reference is what its store wrote."""
    answer = await faults.post("encode", [payload], namespace)
    assert answer.status == 200, answer.body
    [reference] = answer.payloads
    assert is_plain_reference(reference)
    return reference


async def s3_reference(faults: Faults, value: object) -> Payload:
    """Stored by the SDK's own S3 driver straight into moto, as a worker would."""
    async with faults.bucket.sdk_driver() as driver:
        [reference] = await sdk_converter(None, [driver], THRESHOLD).encode([value])
    return reference


async def expect(faults: Faults, name: str, answer: Answer, status: int, stage: str) -> str:
    message = assert_error(answer, status, index=0, stage=stage)
    faults.seen[name] = message
    await faults.healthy()
    return message


async def test_storage_slower_than_timeout_is_504_never_a_hang(faults: Faults) -> None:
    reference = await reference_via(faults, "slow")
    started = time.monotonic()
    answer = await faults.post("decode", [reference], "slow")
    elapsed = time.monotonic() - started
    message = await expect(faults, "slow", answer, 504, "storage")
    assert "fault.slow" in message and "within 1 s" in message
    assert 1.0 <= elapsed < 3.5, elapsed


async def test_s3_that_never_answers_is_504(faults: Faults) -> None:
    reference = await s3_reference(faults, {"stall": "x" * 99})
    started = time.monotonic()
    answer = await faults.post("download", [reference], "s3-stall")
    elapsed = time.monotonic() - started
    message = await expect(faults, "s3-stall", answer, 504, "storage")
    assert "aws.s3driver" in message
    assert 1.0 <= elapsed < 3.5, elapsed
    assert faults.stalling.requests >= 1


async def test_storage_dropping_the_connection_mid_body_is_502(faults: Faults) -> None:
    reference = await reference_via(faults, "drop")
    answer = await faults.post("decode", [reference], "drop")
    message = await expect(faults, "drop", answer, 502, "storage")
    assert "fault.drop" in message
    assert faults.blob_server.requests >= 1


async def test_s3_dropping_the_connection_mid_body_is_502(faults: Faults) -> None:
    reference = await s3_reference(faults, {"cut": "y" * 5000})
    answer = await faults.post("decode", [reference], "s3-cut")
    message = await expect(faults, "s3-cut", answer, 502, "storage")
    assert "aws.s3driver" in message
    assert faults.cutting.requests >= 1


@pytest.mark.parametrize("fault", ["truncated", "tampered"])
async def test_driver_returning_a_damaged_blob_is_422(faults: Faults, fault: str) -> None:
    reference = await reference_via(faults, fault)
    answer = await faults.post("decode", [reference], fault)
    message = await expect(faults, fault, answer, 422, "storage")
    assert "integrity check failed" in message and f"fault.{fault}" in message


@pytest.mark.parametrize("fault", ["truncated", "tampered"])
async def test_damaged_filesystem_blob_is_422(faults: Faults, fault: str) -> None:
    payload = Payload(metadata={"encoding": b"json/plain"}, data=json.dumps([fault] * 50).encode())
    reference = await reference_via(faults, "fs", payload)
    digest = json.loads(reference.data)["claimData"]["hash_value"]
    blob = faults.fs_store / "sha256" / digest[:2] / digest
    data = blob.read_bytes()
    blob.write_bytes(
        data[: len(data) // 2] if fault == "truncated" else data[:-1] + bytes([data[-1] ^ 1])
    )
    answer = await faults.post("decode", [reference], "fs")
    message = await expect(faults, f"fs-{fault}", answer, 422, "storage")
    assert "integrity check failed" in message


@pytest.mark.parametrize("fault", ["truncated", "tampered"])
async def test_damaged_s3_object_is_422(faults: Faults, fault: str) -> None:
    reference = await s3_reference(faults, {fault: "z" * 500})
    key = json.loads(reference.data)["claimData"]["key"]
    moto, bucket = faults.bucket.moto, faults.bucket.name
    data = moto.get_object(bucket, key)
    damaged = data[: len(data) // 2] if fault == "truncated" else data[:-1] + bytes([data[-1] ^ 1])
    moto.put_object(bucket, key, damaged)
    answer = await faults.post("decode", [reference], "s3")
    message = await expect(faults, f"s3-{fault}", answer, 422, "storage")
    assert "integrity" in message


async def test_driver_raising_anything_is_502(faults: Faults) -> None:
    reference = await reference_via(faults, "raising")
    answer = await faults.post("decode", [reference], "raising")
    message = await expect(faults, "raising", answer, 502, "storage")
    assert "fault.raising" in message


async def test_codec_that_raises_is_422(faults: Faults) -> None:
    answer = await faults.post("encode", [BIG], "codec")
    assert answer.status == 200
    answer = await faults.post("decode", answer.payloads, "codec")
    message = await expect(faults, "codec", answer, 422, "pre-storage codec")
    assert "divided by zero" in message and "RaisingCodec" in message


async def test_every_fault_was_logged_and_the_server_still_decodes(faults: Faults) -> None:
    reference = await reference_via(faults, "fs")
    answer = await faults.post("decode", [reference], "fs")
    assert answer.status == 200 and answer.payloads == [BIG]
    statuses = [r["status"] for r in faults.server.log_records()]
    assert {422, 502, 504} <= set(statuses)
    assert 500 not in statuses


async def test_port_already_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        code, out, err = await run_serve_expecting_exit(
            "--port", str(port), env=_no_config(tmp_path)
        )
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "already in use" in lines[0] and str(port) in lines[0], err
    assert "--port" in lines[0]  # the command line's way out


def _no_config(tmp_path: Path) -> dict[str, Any]:
    """The embedded default, with its store and config dirs inside the test's tmp dir."""
    return {
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
