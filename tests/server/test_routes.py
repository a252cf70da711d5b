"""The HTTP contract, through aiohttp's test client: routes, profiles, bodies, errors.

Payloads come from the real SDK ``DataConverter`` (gzip + our filesystem wire format) and
answers are checked against the SDK's own decode.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter

from inspector import __version__
from inspector.references import is_plain_reference
from inspector.server import RequestLog
from tests.server.conftest import gzip_fs_profiles, random_text
from tests.support.config import aes_gcm_codec, config_from, profile
from tests.support.http import ClientFactory, assert_error, post, stored_blobs, to_json

SMALL = {"order": "A-1", "note": "ünïcödé ✓"}
LARGE = {"report": random_text(6000)}


async def sdk_values(converter: DataConverter, payloads: list[Payload]) -> list[Any]:
    return converter.payload_converter.from_payloads(payloads)


@pytest.mark.parametrize("prefix", ["", "/codec", "/a/b/c"])
async def test_decode_by_suffix_equals_sdk_decode(
    client: TestClient, sdk_gzip_fs: DataConverter, prefix: str
) -> None:
    encoded = await sdk_gzip_fs.encode([SMALL, LARGE])
    assert is_plain_reference(encoded[1])  # the large one went to the store

    answer = await post(client, f"{prefix}/decode", encoded)

    assert answer.status == 200, answer.body
    assert answer.headers["Content-Type"].startswith("application/json")
    assert await sdk_values(sdk_gzip_fs, answer.payloads) == [SMALL, LARGE]
    assert await sdk_gzip_fs.decode(encoded) == [SMALL, LARGE]


async def test_decode_preserving_refs_gives_plain_references(
    client: TestClient, sdk_gzip_fs: DataConverter
) -> None:
    encoded = await sdk_gzip_fs.encode([SMALL, LARGE])

    answer = await post(client, "/codec/decode?preserveStorageRefs=true", encoded)

    assert answer.status == 200, answer.body
    small, reference = answer.payloads
    assert sdk_gzip_fs.payload_converter.from_payloads([small]) == [SMALL]
    assert reference == encoded[1]  # passed through, externalPayloads size kept
    assert answer.body["payloads"][1]["externalPayloads"]


async def test_download_fetches_and_decodes(client: TestClient, sdk_gzip_fs: DataConverter) -> None:
    encoded = await sdk_gzip_fs.encode([LARGE, {**LARGE, "n": 2}])

    answer = await post(client, "/codec/download?preserveStorageRefs=true", encoded)

    assert answer.status == 200, answer.body
    assert await sdk_values(sdk_gzip_fs, answer.payloads) == [LARGE, {**LARGE, "n": 2}]


async def test_encode_is_what_the_sdk_decodes(
    client: TestClient, sdk_gzip_fs: DataConverter, fs_store: Path
) -> None:
    plain = DataConverter.default.payload_converter.to_payloads([SMALL, LARGE])

    answer = await post(client, "/x/encode?preserveStorageRefs=true", plain)

    assert answer.status == 200, answer.body
    small, reference = answer.payloads
    assert small.metadata["encoding"] == b"binary/gzip"
    assert is_plain_reference(reference)
    assert stored_blobs(fs_store)
    assert await sdk_gzip_fs.decode(answer.payloads) == [SMALL, LARGE]


async def test_healthz(make_client: ClientFactory, tmp_path: Path, fs_store: Path) -> None:
    # A token is configured: /healthz still needs none.
    config = config_from(tmp_path, gzip_fs_profiles(fs_store), {"token": "s3cret"})
    client = await make_client(config)
    for path in ("/healthz", "/codec/healthz"):
        async with client.get(path) as response:
            assert response.status == 200
            assert await response.json() == {"status": "ok", "version": __version__}


async def test_unknown_route_and_wrong_method(client: TestClient) -> None:
    async with client.get("/nothing-here") as response:
        assert_error(await _answer(response), 404)
    async with client.get("/decode") as response:
        assert_error(await _answer(response), 405)
    async with client.post("/healthz") as response:
        assert_error(await _answer(response), 405)


async def _answer(response: Any) -> Any:
    from tests.support.http import Answer

    raw = await response.read()
    return Answer(response.status, json.loads(raw), dict(response.headers), raw)


async def test_empty_payloads_answer_an_empty_list(client: TestClient) -> None:
    answer = await post(client, "/decode", {"payloads": []})
    assert answer.status == 200
    assert answer.body == {"payloads": []}


# -- profile selection -----------------------------------------------------------------


async def test_no_header_means_namespace_default(
    client: TestClient, sdk_gzip_fs: DataConverter
) -> None:
    encoded = await sdk_gzip_fs.encode([SMALL])
    assert (await post(client, "/decode", encoded)).status == 200
    assert (await post(client, "/decode", encoded, namespace="default")).status == 200


async def test_unknown_namespace_is_404(client: TestClient, sdk_gzip_fs: DataConverter) -> None:
    encoded = await sdk_gzip_fs.encode([SMALL])
    answer = await post(client, "/decode", encoded, namespace="billing")
    assert "billing" in assert_error(answer, 404)


async def test_profile_without_storage(
    make_client: ClientFactory, tmp_path: Path, sdk_gzip_fs: DataConverter
) -> None:
    config = config_from(tmp_path, {"default": profile(["gzip"], namespaces=["default"])})
    client = await make_client(config)
    encoded = await sdk_gzip_fs.encode([SMALL, LARGE])

    # /download: the Web UI's "connected, but not configured to download"
    assert_error(await post(client, "/download", encoded[1:]), 404)
    # /decode must fetch the reference and cannot
    answer = await post(client, "/decode", encoded)
    assert "no external storage" in assert_error(answer, 422, index=1, stage="storage")
    # ... but with preserveStorageRefs the reference comes back as it is
    answer = await post(client, "/decode?preserveStorageRefs=true", encoded)
    assert answer.status == 200
    assert answer.payloads[1] == encoded[1]
    assert sdk_gzip_fs.payload_converter.from_payloads(answer.payloads[:1]) == [SMALL]


async def test_download_is_strict(client: TestClient, sdk_gzip_fs: DataConverter) -> None:
    encoded = await sdk_gzip_fs.encode([LARGE, SMALL])
    answer = await post(client, "/download", encoded)
    assert "not a storage reference" in assert_error(answer, 400, index=1, stage="input")


async def test_download_recognises_legacy_references(
    client: TestClient, sdk_gzip_fs: DataConverter
) -> None:
    [reference] = await sdk_gzip_fs.encode([LARGE])
    claim = json.loads(reference.data)
    legacy = Payload(
        metadata={"encoding": b"json/external-storage-reference"},
        data=json.dumps(
            {
                "driver_name": claim["driverName"],
                "driver_claim": {"claim_data": claim["claimData"]},
            }
        ).encode(),
    )
    answer = await post(client, "/download", [legacy])
    assert answer.status == 200, answer.body
    assert await sdk_values(sdk_gzip_fs, answer.payloads) == [LARGE]


# -- bodies --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "index"),
    [
        (b"", None),
        (b"\xff\xfe not utf-8", None),
        (b"[]", None),
        (b'{"payloads": {}}', None),
        (b'{"payload": []}', None),
        (b'{"payloads": [1]}', 0),
        (b'{"payloads": [{"data": "eA=="}, {"data": "!!!!"}]}', 1),
        (b'{"payloads": [{"metadata": {"encoding": "a"}}]}', 0),
        (b'{"payloads": [{"data": 7}]}', 0),
        (b'{"payloads": [{"metadata": []}]}', 0),
        (b'{"payloads": [{"externalPayloads": "big"}]}', 0),
        (b'{"payloads": [{"externalPayloads": [{"sizeBytes": 1e999}]}]}', 0),
        (b"[" * 5000 + b"]" * 5000, None),
        (b'{"payloads": [' + b"9" * 5000 + b"]}", None),
        (b'{"payloads": [{"externalPayloads": ' + b"[" * 900 + b"]" * 900 + b"}]}", 0),
    ],
)
async def test_bad_bodies_are_400(client: TestClient, body: bytes, index: int | None) -> None:
    answer = await post(client, "/decode", body)
    assert_error(answer, 400, index=index, stage=None if index is None else "input")


async def test_body_over_max_body_bytes_is_413(
    make_client: ClientFactory, tmp_path: Path, fs_store: Path
) -> None:
    config = config_from(tmp_path, gzip_fs_profiles(fs_store), {"max_body_bytes": 100000})
    client = await make_client(config)
    big = json.dumps({"payloads": [{"data": "QUFB" * 50_000}]}).encode()

    assert "max_body_bytes" in assert_error(await post(client, "/decode", big), 413)

    async def chunks() -> Any:  # no Content-Length: the limit holds while reading
        for i in range(0, len(big), 16384):
            yield big[i : i + 16384]

    async with client.post(
        "/decode", data=chunks(), headers={"Content-Type": "application/json"}
    ) as response:
        assert_error(await _answer(response), 413)


# -- the request log -------------------------------------------------------------------------


async def test_request_log_records_and_subscription(
    make_client: ClientFactory, gzip_fs_config: Any, sdk_gzip_fs: DataConverter
) -> None:
    log = RequestLog()
    seen: list[Any] = []
    unsubscribe = log.subscribe(seen.append)
    client = await make_client(gzip_fs_config, log=log)
    encoded = await sdk_gzip_fs.encode([SMALL, LARGE])

    await post(client, "/codec/decode", encoded, namespace="default")
    await post(client, "/decode", b"nope")
    unsubscribe()
    await post(client, "/decode", encoded)

    assert len(seen) == 2 and log.recent()[:2] == seen
    ok, bad = seen
    assert (ok.method, ok.path, ok.namespace, ok.status, ok.payloads) == (
        "POST",
        "/codec/decode",
        "default",
        200,
        2,
    )
    assert ok.bytes_in > 0 and ok.bytes_out > 0 and ok.duration_ms >= 0 and ok.time
    assert (bad.status, bad.payloads, bad.error) == (400, None, bad.error)
    assert bad.error and "not JSON" in bad.error
    line = ok.to_json()
    assert set(json.loads(line)) >= {
        "time",
        "method",
        "path",
        "namespace",
        "status",
        "duration_ms",
        "payloads",
        "bytes_in",
        "bytes_out",
    }
    # never payload contents
    for p in to_json(encoded)["payloads"]:
        assert p["data"] not in line
    assert LARGE["report"][:50] not in line and "A-1" not in line
    assert len(log.recent()) == 3


async def test_a_failing_subscriber_does_not_fail_requests(
    make_client: ClientFactory, gzip_fs_config: Any
) -> None:
    log = RequestLog()

    def broken(_: Any) -> None:
        raise RuntimeError("subscriber bug")

    log.subscribe(broken)
    client = await make_client(gzip_fs_config, log=log)
    async with client.get("/healthz") as response:
        assert response.status == 200


async def test_aes_gcm_key_never_in_answers_or_log(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    import base64

    from tests.support.history import sdk_converter
    from tests.support.sdk_codecs import SdkAesGcmCodec

    key = bytes(range(32))
    key_b64 = base64.b64encode(key).decode()
    other = SdkAesGcmCodec("key-other", bytes(32))
    config = config_from(tmp_path, {"default": profile([aes_gcm_codec({"key-2026": key_b64})])})
    log = RequestLog()
    records: list[Any] = []
    log.subscribe(records.append)
    client = await make_client(config, log=log)
    good = await sdk_converter(SdkAesGcmCodec("key-2026", key), None).encode([SMALL])
    wrong = await sdk_converter(other, None).encode([SMALL])

    ok = await post(client, "/decode", good)
    assert ok.status == 200
    assert DataConverter.default.payload_converter.from_payloads(ok.payloads) == [SMALL]
    answer = await post(client, "/decode", [*good, *wrong])
    message = assert_error(answer, 422, index=1, stage="pre-storage codec")
    assert "key-other" in message
    for text in (answer.raw.decode(), *(r.to_json() for r in records)):
        assert key_b64 not in text and key.hex() not in text


async def test_config_dir_relative_store_path(
    make_client: ClientFactory, tmp_path: Path, sdk_gzip_fs: DataConverter, fs_store: Path
) -> None:
    # Same store, named relative to the config file: the server resolves it like `decode`.
    config = config_from(tmp_path, gzip_fs_profiles("store"))
    client = await make_client(config)
    encoded = await sdk_gzip_fs.encode([LARGE])
    answer = await post(client, "/decode", encoded)
    assert answer.status == 200, answer.body
