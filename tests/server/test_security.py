"""Host, Origin, CORS and the token, as the Web UI, the CLI and an attacker send them."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from temporalio.converter import DataConverter

from inspector.config import Config, ConfigError
from inspector.server import create_app
from inspector.server.security import host_name, is_loopback, normalize_origin
from tests.server.conftest import gzip_fs_profiles
from tests.support.config import config_from
from tests.support.http import WEB_UI_ORIGIN, ClientFactory, assert_error, post

TOKEN = "tok-3f9a"
SMALL = {"ok": 1}


def preflight_headers(origin: str, **extra: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-namespace",
        **extra,
    }


@pytest.fixture
async def token_client(make_client: ClientFactory, tmp_path: Path, fs_store: Path) -> TestClient:
    config = config_from(tmp_path, gzip_fs_profiles(fs_store), {"token": TOKEN})
    return await make_client(config)


# -- Origin ---------------------------------------------------------------------------------


async def test_web_ui_request_gets_cors_headers(
    client: TestClient, sdk_gzip_fs: DataConverter
) -> None:
    encoded = await sdk_gzip_fs.encode([SMALL])
    answer = await post(
        client,
        "/decode?preserveStorageRefs=true",
        encoded,
        namespace="default",
        headers={"Origin": WEB_UI_ORIGIN},
    )
    assert answer.status == 200
    assert answer.headers["Access-Control-Allow-Origin"] == WEB_UI_ORIGIN
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in answer.headers["Vary"]


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "null", "http://localhost:8234", "http://localhost"]
)
async def test_foreign_origin_is_refused_even_text_plain(
    client: TestClient, sdk_gzip_fs: DataConverter, origin: str
) -> None:
    encoded = await sdk_gzip_fs.encode([SMALL])
    answer = await post(
        client, "/decode", encoded, content_type="text/plain", headers={"Origin": origin}
    )
    assert "allowed_origins" in assert_error(answer, 403)
    assert "Access-Control-Allow-Origin" not in answer.headers
    # its preflight too, and without the Private Network grant
    async with client.options(
        "/decode",
        headers=preflight_headers(origin, **{"Access-Control-Request-Private-Network": "true"}),
    ) as response:
        assert response.status == 403
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Access-Control-Allow-Private-Network" not in response.headers


async def test_requests_without_origin_are_served(
    client: TestClient, sdk_gzip_fs: DataConverter
) -> None:
    answer = await post(client, "/decode", await sdk_gzip_fs.encode([SMALL]))
    assert answer.status == 200
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert "Origin" in answer.headers["Vary"]


async def test_private_network_access_preflight(client: TestClient) -> None:
    async with client.options(
        "/decode",
        headers=preflight_headers(
            WEB_UI_ORIGIN, **{"Access-Control-Request-Private-Network": "true"}
        ),
    ) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Private-Network"] == "true"
        assert response.headers["Access-Control-Allow-Origin"] == WEB_UI_ORIGIN
    async with client.options("/decode", headers=preflight_headers(WEB_UI_ORIGIN)) as response:
        assert "Access-Control-Allow-Private-Network" not in response.headers


async def test_allow_origin_adds_to_the_config(
    make_client: ClientFactory, gzip_fs_config: Config
) -> None:
    cloud = "https://cloud.temporal.io"
    client = await make_client(gzip_fs_config, extra_origins=[cloud])
    for origin in (cloud, WEB_UI_ORIGIN, "http://127.0.0.1:8233"):
        async with client.options("/decode", headers=preflight_headers(origin)) as response:
            assert response.status == 204, origin
            assert response.headers["Access-Control-Allow-Origin"] == origin


async def test_cors_headers_on_error_answers(client: TestClient) -> None:
    answer = await post(client, "/decode", b"nope", headers={"Origin": WEB_UI_ORIGIN})
    assert_error(answer, 400)
    assert answer.headers["Access-Control-Allow-Origin"] == WEB_UI_ORIGIN
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"
    answer = await post(
        client, "/download", b"{}", namespace="nobody", headers={"Origin": WEB_UI_ORIGIN}
    )
    assert_error(answer, 404)
    assert answer.headers["Access-Control-Allow-Origin"] == WEB_UI_ORIGIN


def test_star_is_never_an_allowed_origin(gzip_fs_config: Config) -> None:
    with pytest.raises(ConfigError, match="allowed_origins"):
        create_app(gzip_fs_config, extra_origins=["*"])


def test_origin_normalisation() -> None:
    assert normalize_origin("HTTP://LocalHost:8233/") == "http://localhost:8233"
    assert normalize_origin("https://cloud.temporal.io:443") == "https://cloud.temporal.io"
    assert normalize_origin("http://[::1]:8233") == "http://[::1]:8233"
    for bad in ("*", "localhost:8233", "ftp://x", "http://x/path", "http://u@x"):
        with pytest.raises(ValueError):
            normalize_origin(bad)


# -- Host (DNS rebinding) ----------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.0.1:8081", "localhost:1", "LOCALHOST", "[::1]:8081", "[::1]"]
)
async def test_loopback_host_names_are_accepted(client: TestClient, host: str) -> None:
    async with client.get("/healthz", headers={"Host": host}) as response:
        assert response.status == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8081", "127.0.0.1.evil.example"])
async def test_foreign_host_is_refused(
    client: TestClient, sdk_gzip_fs: DataConverter, host: str
) -> None:
    encoded = await sdk_gzip_fs.encode([SMALL])
    answer = await post(client, "/decode", encoded, headers={"Host": host})
    assert "allowed_hosts" in assert_error(answer, 403)


async def test_configured_host_and_allowed_hosts_are_accepted(
    make_client: ClientFactory, tmp_path: Path, fs_store: Path
) -> None:
    server = {"host": "127.0.0.1", "allowed_hosts": ["inspector.internal", "box:9000"]}
    client = await make_client(config_from(tmp_path, gzip_fs_profiles(fs_store), server))
    for host in ("inspector.internal", "inspector.internal:8081", "box"):
        async with client.get("/healthz", headers={"Host": host}) as response:
            assert response.status == 200, host
    async with client.get("/healthz", headers={"Host": "other.internal"}) as response:
        assert response.status == 403


def test_host_helpers() -> None:
    assert host_name("[::1]:8081") == "::1"
    assert host_name("Example.COM.:80") == "example.com"
    assert host_name("::1") == "::1"
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert is_loopback("127.0.0.2") and is_loopback("[::1]")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")


# -- the token -------------------------------------------------------------------------------


async def test_token_required_and_compared(
    token_client: TestClient, sdk_gzip_fs: DataConverter
) -> None:
    encoded = await sdk_gzip_fs.encode([SMALL])

    missing = await post(token_client, "/decode", encoded)
    assert "token" in assert_error(missing, 401)
    wrong = await post(
        token_client, "/decode", encoded, headers={"Authorization": "Bearer tok-wrong"}
    )
    assert_error(wrong, 401)
    assert TOKEN not in wrong.raw.decode() and TOKEN not in missing.raw.decode()
    for header in (f"Bearer {TOKEN}", f"bearer {TOKEN}"):
        ok = await post(token_client, "/decode", encoded, headers={"Authorization": header})
        assert ok.status == 200, ok.body


async def test_token_not_asked_of_preflights_and_healthz(token_client: TestClient) -> None:
    async with token_client.options(
        "/decode", headers=preflight_headers(WEB_UI_ORIGIN)
    ) as response:
        assert response.status == 204
    async with token_client.get("/healthz") as response:
        assert response.status == 200


async def test_401_carries_cors_headers(token_client: TestClient) -> None:
    answer = await post(token_client, "/decode", b"{}", headers={"Origin": WEB_UI_ORIGIN})
    assert_error(answer, 401)
    assert answer.headers["Access-Control-Allow-Origin"] == WEB_UI_ORIGIN
