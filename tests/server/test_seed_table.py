"""Every line of the seed's table of wrong answers (shared seed README), answered right.

One test per line, in the table's order; the seed's answer is in each docstring.
"""

from __future__ import annotations

import json
from pathlib import Path

from aiohttp.test_utils import TestClient
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter

from tests.server.conftest import random_text
from tests.support.config import config_from, profile
from tests.support.history import sdk_converter
from tests.support.http import WEB_UI_ORIGIN, ClientFactory, assert_error, post, to_json
from tests.support.sdk_codecs import SdkGzipCodec
from tests.support.sdk_storage import SdkFilesystemDriver, marked_references

SMALL = {"ok": True, "text": "grüße"}


async def test_body_not_json_is_400_with_one_line(client: TestClient) -> None:
    """Seed: 500 (uncaught ParseError)."""
    answer = await post(client, "/decode", b"this is { not json")
    message = assert_error(answer, 400)
    assert "not JSON" in message


async def test_text_plain_content_type_with_json_is_accepted(
    client: TestClient, sdk_gzip_fs: DataConverter
) -> None:
    """Seed: 500 (assert on the content type)."""
    encoded = await sdk_gzip_fs.encode([SMALL])
    answer = await post(client, "/decode", encoded, content_type="text/plain")
    assert answer.status == 200, answer.body
    assert sdk_gzip_fs.payload_converter.from_payloads(answer.payloads) == [SMALL]
    # ... and a non-JSON text/plain body is a 400, a cross-site one a 403
    assert_error(await post(client, "/decode", b"hello", content_type="text/plain"), 400)
    cross_site = await post(
        client,
        "/decode",
        encoded,
        content_type="text/plain",
        headers={"Origin": "https://evil.example"},
    )
    assert_error(cross_site, 403)


async def test_one_and_a_half_megabyte_payload_is_decoded(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    """Seed: 413 (aiohttp's default client_max_size of 1 MiB)."""
    config = config_from(tmp_path, {"default": profile(["gzip"])})
    client = await make_client(config)
    value = {"blob": random_text(1_500_000)}
    converter = sdk_converter(SdkGzipCodec(), None)
    encoded = await converter.encode([value])
    body = json.dumps(to_json(encoded)).encode()
    assert len(body) > 1_500_000

    answer = await post(client, "/decode", body)

    assert answer.status == 200, answer.body
    assert converter.payload_converter.from_payloads(answer.payloads) == [value]


async def test_reference_without_external_payloads_is_recognised(
    client: TestClient, sdk_gzip_fs: DataConverter
) -> None:
    """Seed: /download 400 "all payloads must be storage references"."""
    value = {"report": random_text(5000)}
    [reference] = await sdk_gzip_fs.encode([value])
    stripped = Payload()
    stripped.CopyFrom(reference)
    del stripped.external_payloads[:]
    assert "externalPayloads" not in to_json([stripped])["payloads"][0]

    answer = await post(client, "/download", [stripped])

    assert answer.status == 200, answer.body
    assert sdk_gzip_fs.payload_converter.from_payloads(answer.payloads) == [value]


async def test_one_missing_blob_among_several_names_its_index(
    client: TestClient, sdk_gzip_fs: DataConverter, fs_store: Path
) -> None:
    """Seed: 500 for the whole batch."""
    values = [{"n": i, "report": random_text(5000, seed=i)} for i in range(3)]
    encoded = await sdk_gzip_fs.encode(values)
    claim = json.loads(encoded[1].data)["claimData"]
    (fs_store / "sha256" / claim["hash_value"][:2] / claim["hash_value"]).unlink()

    answer = await post(client, "/decode", encoded)

    message = assert_error(answer, 422, index=1, stage="storage")
    assert "local.filesystem" in message and claim["hash_value"] in message
    # the others are fine on their own
    ok = await post(client, "/download", [encoded[0], encoded[2]])
    assert sdk_gzip_fs.payload_converter.from_payloads(ok.payloads) == [values[0], values[2]]


async def test_cors_preflight_from_the_web_ui_is_handled(client: TestClient) -> None:
    """Seed: not handled by the routes (405)."""
    async with client.options(
        "/codec/decode?preserveStorageRefs=true",
        headers={
            "Origin": WEB_UI_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": (
                "content-type,x-namespace,authorization,authorization-extras"
            ),
        },
    ) as response:
        assert response.status == 204
        headers = response.headers
    assert headers["Access-Control-Allow-Origin"] == WEB_UI_ORIGIN
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    allowed = {h.strip().lower() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed >= {"content-type", "x-namespace", "authorization", "authorization-extras"}
    assert "Origin" in headers["Vary"]


async def test_marked_references_are_decoded_before_retrieval(
    client: TestClient, fs_store: Path
) -> None:
    """Seed: passed through still encoded (raw gzip base64 in the Web UI, no Download)."""
    converter = sdk_converter(SdkGzipCodec(), [SdkFilesystemDriver(fs_store)], 1024)
    value = {"report": random_text(5000)}
    with marked_references():
        encoded = await converter.encode([SMALL, value])
        sdk_plain_refs = await converter._decode_reference_payload_sequence(encoded)
    marked = encoded[1]
    assert marked.metadata["__temporal_external_storage_reference"] == b"true"
    assert marked.metadata["encoding"] == b"binary/gzip"

    decoded = await post(client, "/decode", encoded)
    assert decoded.status == 200, decoded.body
    assert converter.payload_converter.from_payloads(decoded.payloads) == [SMALL, value]
    assert await converter.decode(encoded) == [SMALL, value]

    preserved = await post(client, "/decode?preserveStorageRefs=true", encoded)
    assert preserved.status == 200, preserved.body
    assert preserved.payloads[1].metadata["encoding"] == b"json/protobuf"
    assert preserved.payloads[1].data == sdk_plain_refs[1].data

    downloaded = await post(client, "/download", encoded[1:])
    assert downloaded.status == 200, downloaded.body
    assert converter.payload_converter.from_payloads(downloaded.payloads) == [value]
