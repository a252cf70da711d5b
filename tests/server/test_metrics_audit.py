"""``GET /metrics`` (read back with prometheus_client's own parser) and the audit log.

Payloads come from the SDK's DataConverter (gzip, our filesystem store); every count
asserted is one of the requests this test sent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families
from temporalio.converter import DataConverter

from tests.server.conftest import gzip_fs_profiles, random_text
from tests.support.config import config_from
from tests.support.http import ClientFactory, post, stored_blobs, to_json
from tests.support.jwks import SigningKey, jwks_server, jwt_table

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(client: TestClient, **headers: str) -> Samples:
    async with client.get("/metrics", headers=headers) as response:
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = await response.text()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_count_the_requests_sent(
    tmp_path: Path, fs_store: Path, sdk_gzip_fs: DataConverter, make_client: ClientFactory
) -> None:
    client = await make_client(config_from(tmp_path, gzip_fs_profiles(fs_store)))
    small = await sdk_gzip_fs.encode([{"n": 1}])
    stored = await sdk_gzip_fs.encode([{"report": random_text(5000, seed=s)} for s in range(3)])
    refs = (await post(client, "/decode?preserveStorageRefs=true", stored)).payloads
    assert len(stored_blobs(fs_store)) == 3

    for _ in range(4):
        assert (await post(client, "/decode", small, namespace="default")).status == 200
    for _ in range(2):  # the second time from the blob cache
        assert (await post(client, "/download", refs, namespace="default")).status == 200
    assert (await post(client, "/decode", small, namespace="nobody")).status == 404
    lost = await sdk_gzip_fs.encode([{"report": random_text(5000, seed=99)}])
    lost_refs = (await post(client, "/decode?preserveStorageRefs=true", lost)).payloads
    for blob in stored_blobs(fs_store):
        blob.unlink()
    assert (await post(client, "/download", lost_refs, namespace="default")).status == 422

    samples = await scrape(client)
    requests = "inspector_requests_total"
    assert value(samples, requests, route="decode", namespace="default", status="200") == 6
    assert value(samples, requests, route="download", namespace="default", status="200") == 2
    assert value(samples, requests, route="download", namespace="default", status="422") == 1
    assert value(samples, requests, route="decode", namespace="nobody", status="404") == 1
    latency = "inspector_request_duration_seconds_count"
    assert value(samples, latency, route="decode") == 7
    assert value(samples, "inspector_blob_cache_hits_total") == 3  # the second download
    assert value(samples, "inspector_blob_cache_misses_total") == 4  # the first, and the lost
    assert value(samples, "inspector_storage_errors_total", driver="local.filesystem") == 1
    sent = len(json.dumps(to_json(small)).encode())
    bytes_in = value(samples, "inspector_payload_bytes_total", direction="in", route="decode")
    assert bytes_in >= 5 * sent
    assert value(samples, "inspector_payload_bytes_total", direction="out", route="download") > 0

    again = await scrape(client)  # a scrape is itself counted, nothing else moved
    assert value(again, requests, route="metrics", namespace="", status="200") == 1
    assert value(again, requests, route="decode", namespace="default", status="200") == 6


async def test_metrics_off_or_behind_the_token(
    tmp_path: Path, fs_store: Path, make_client: ClientFactory
) -> None:
    off = await make_client(config_from(tmp_path, gzip_fs_profiles(fs_store), {"metrics": False}))
    async with off.get("/metrics") as response:
        assert response.status == 404
    guarded = await make_client(
        config_from(tmp_path, gzip_fs_profiles(fs_store), {"metrics": "token", "token": "s3cret"})
    )
    async with guarded.get("/metrics") as response:
        assert response.status == 401
    names = {name for name, _ in await scrape(guarded, Authorization="Bearer s3cret")}
    assert "inspector_requests_total" in names


async def test_the_audit_log_names_who_read_what_and_never_a_payload_or_token(
    tmp_path: Path, fs_store: Path, sdk_gzip_fs: DataConverter, make_client: ClientFactory
) -> None:
    key = SigningKey.ec("audit-key")
    audit = tmp_path / "audit.jsonl"
    secret_text = random_text(5000, seed=7)
    stored = await sdk_gzip_fs.encode([{"secret": secret_text}, {"small": "visible-value-xyz"}])
    with jwks_server([key]) as idp:
        config = config_from(
            tmp_path,
            gzip_fs_profiles(fs_store),
            {"jwt": jwt_table(idp.url), "token": "cli-token", "audit_log": str(audit)},
        )
        client = await make_client(config)
        alice = key.mint(sub="user-alice", email="alice@example.com")
        auth = {"Authorization": f"Bearer {alice}"}
        refs = await post(client, "/decode?preserveStorageRefs=true", stored, headers=auth)
        assert refs.status == 200
        reference = refs.payloads[0]
        assert (await post(client, "/download", [reference], headers=auth)).status == 200
        assert (await post(client, "/decode", stored, headers=auth)).status == 200
        cli = {"Authorization": "Bearer cli-token"}
        assert (await post(client, "/encode", refs.payloads[1:], headers=cli)).status == 200
        assert (await post(client, "/decode", stored)).status == 401
        async with client.get("/healthz") as health:  # not a codec route: not audited
            assert health.status == 200
        await client.close()  # the writer thread has written everything

    text = audit.read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    assert [(r["route"], r["status"]) for r in lines] == [
        ("decode", 200),
        ("download", 200),
        ("decode", 200),
        ("encode", 200),
        ("decode", 401),
    ]
    blob_key = f"sha256/{stored_blobs(fs_store)[0].name}"
    first, download, decode, encode, refused = lines
    for record in (first, download, decode):
        assert record["subject"] == "user-alice" and record["email"] == "alice@example.com"
        assert record["namespace"] == "default" and record["payloads"] in (1, 2)
    assert first["claim_keys"] is None  # references preserved: nothing fetched
    assert download["claim_keys"] == [blob_key]
    assert decode["claim_keys"] == [blob_key]
    assert encode["subject"] == "token" and encode["email"] is None
    assert refused["subject"] is None and "no token" in refused["error"]
    assert all(isinstance(r["pid"], int) and r["duration_ms"] >= 0 for r in lines)
    assert set(first) == {
        "time",
        "pid",
        "subject",
        "email",
        "namespace",
        "route",
        "payloads",
        "claim_keys",
        "status",
        "duration_ms",
        "error",
    }
    for secret in (secret_text[:40], "visible-value-xyz", alice, "cli-token"):
        assert secret not in text
    data = to_json(stored)["payloads"]
    assert all(p["data"][:40] not in text for p in data)
    assert oct(audit.stat().st_mode & 0o777) == "0o600"


def test_an_audit_log_that_cannot_be_written_is_a_config_error(
    tmp_path: Path, fs_store: Path
) -> None:
    from inspector.config import ConfigError
    from inspector.server import create_app

    config = config_from(
        tmp_path, gzip_fs_profiles(fs_store), {"audit_log": str(tmp_path / "no" / "dir" / "a")}
    )
    with pytest.raises(ConfigError, match=r"server\.audit_log: cannot append"):
        create_app(config)
