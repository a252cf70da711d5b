"""``[server.jwt]``: tokens minted here with PyJWT (RS256 and ES256), verified by the server
against a JWKS served on loopback; profile ``readers`` per namespace; ``/{namespace}/…``.

The app runs in-process (aiohttp's test client); the JWKS is a real HTTP server the app
fetches from, so caching, rotation and an unknown ``kid`` go over the wire.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp.test_utils import TestClient

from inspector.config import ConfigError
from inspector.server import tokens
from tests.support.config import config_from, profile, write_toml
from tests.support.http import ClientFactory, assert_error, post
from tests.support.jwks import (
    AUDIENCE,
    ISSUER,
    JwksServer,
    SigningKey,
    jwks_server,
    jwt_table,
    tampered,
)

PLAIN = {
    "payloads": [
        {
            "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
            "data": base64.b64encode(b'"hello"').decode(),
        }
    ]
}
STATIC = "cli-static-token"


@pytest.fixture(scope="module")
def rsa_key() -> SigningKey:
    return SigningKey.rsa("rsa-1")


@pytest.fixture(scope="module")
def ec_key() -> SigningKey:
    return SigningKey.ec("ec-1")


@pytest.fixture
def idp(rsa_key: SigningKey, ec_key: SigningKey) -> Iterator[JwksServer]:
    with jwks_server([rsa_key, ec_key]) as server:
        yield server


def team_profiles(store: Path) -> dict[str, Any]:
    return {
        "payments": profile(
            namespaces=["payments"],
            readers=["alice@example.com", "group:payments-readers"],
            storage={"driver": "filesystem", "path": str(store), "threshold": 16},
        ),
        "orders": profile(namespaces=["orders"], readers=["*@example.com"]),
        "open": profile(namespaces=["default", "*"]),
    }


@pytest.fixture
async def client(tmp_path: Path, idp: JwksServer, make_client: ClientFactory) -> TestClient:
    config = config_from(
        tmp_path,
        team_profiles(tmp_path / "store"),
        {"token": STATIC, "jwt": jwt_table(idp.url), "audit_log": str(tmp_path / "audit.jsonl")},
    )
    return await make_client(config)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def decode(client: TestClient, namespace: str, **headers: str) -> Any:
    return await post(client, "/decode", PLAIN, namespace=namespace, headers=headers)


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
async def test_a_valid_token_decodes(
    client: TestClient, rsa_key: SigningKey, ec_key: SigningKey, algorithm: str
) -> None:
    key = rsa_key if algorithm == "RS256" else ec_key
    token = key.mint(sub="u-1", email="alice@example.com")
    answer = await decode(client, "payments", **bearer(token))
    assert answer.status == 200 and answer.body == PLAIN


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda k: None, "no token"),
        (lambda k: k.mint(sub="u", email="a@example.com", expires_in=-120), "expired"),
        (lambda k: k.mint(sub="u", aud="https://someone-else.test"), "wrong audience"),
        (lambda k: k.mint(sub="u", iss="https://evil.test/"), "wrong issuer"),
        (lambda k: tampered(k.mint(sub="u")), "bad signature"),
        (lambda k: "not-a-jwt", "not a JWT"),
        (lambda k: k.mint(sub="u", headers={"kid": "nobody"}), "unknown key"),
        (lambda k: _unsigned(), "not accepted"),
        (lambda k: jwt.encode({"sub": "u", "aud": AUDIENCE}, "k" * 32, "HS256"), "not accepted"),
        (lambda k: k.mint(sub="u", exp=None), "'exp' claim is missing"),
    ],
    ids=[
        "none",
        "expired",
        "audience",
        "issuer",
        "tampered",
        "garbage",
        "unknown-kid",
        "alg-none",
        "hs256",
        "no-exp",
    ],
)
async def test_a_bad_token_is_401_saying_why(
    client: TestClient, rsa_key: SigningKey, make: Any, reason: str
) -> None:
    token = make(rsa_key)
    headers = {} if token is None else bearer(token)
    message = assert_error(await decode(client, "default", **headers), 401)
    assert reason in message, message
    assert token is None or token not in message  # never echoed


def _unsigned() -> str:
    return jwt.encode({"sub": "u", "aud": AUDIENCE, "exp": time.time() + 60}, None, "none")


async def test_leeway_accepts_a_token_expired_seconds_ago(
    client: TestClient, ec_key: SigningKey
) -> None:
    token = ec_key.mint(sub="u", email="bob@example.com", expires_in=-5)  # leeway is 30 s
    assert (await decode(client, "orders", **bearer(token))).status == 200


async def test_the_static_token_still_serves_the_cli(client: TestClient) -> None:
    answer = await decode(client, "payments", Authorization=f"Bearer {STATIC}")
    assert answer.status == 200  # every profile, readers or not


async def test_readers_per_namespace(client: TestClient, rsa_key: SigningKey) -> None:
    alice = rsa_key.mint(sub="u-a", email="Alice@Example.com")
    bob = rsa_key.mint(sub="u-b", email="bob@example.com")
    carol = rsa_key.mint(sub="u-c", email="carol@other.org", groups=["payments-readers"])
    mallory = rsa_key.mint(sub="u-m", email="mallory@other.org", groups=["everyone"])
    cases = [
        (alice, "payments", 200),  # listed by email (any case)
        (bob, "payments", 403),  # same domain, not listed
        (carol, "payments", 200),  # through the group
        (mallory, "payments", 403),
        (bob, "orders", 200),  # "*@example.com"
        (carol, "orders", 403),
        (mallory, "default", 200),  # no readers: any valid token
        (mallory, "anything-else", 200),  # the "*" profile
    ]
    for token, namespace, status in cases:
        answer = await decode(client, namespace, **bearer(token))
        assert answer.status == status, (namespace, status, answer.body)
        if status == 403:
            message = assert_error(answer, 403)
            assert f"namespace '{namespace}'" in message and "readers" in message
    # /download is refused the same way, before the body is read
    refused = await post(client, "/download", PLAIN, namespace="payments", headers=bearer(bob))
    assert_error(refused, 403)


async def test_the_path_names_the_namespace_when_a_profile_lists_it(
    client: TestClient, rsa_key: SigningKey
) -> None:
    bob = rsa_key.mint(sub="u-b", email="bob@example.com")
    # /payments/decode: the path wins over X-Namespace (bob may read orders, not payments)
    answer = await post(client, "/payments/decode", PLAIN, namespace="orders", headers=bearer(bob))
    assert_error(answer, 403)
    answer = await post(client, "/orders/decode", PLAIN, namespace="payments", headers=bearer(bob))
    assert answer.status == 200
    # a prefix no profile lists by name (only "*" would serve it) stays a prefix
    answer = await post(client, "/codec/decode", PLAIN, namespace="orders", headers=bearer(bob))
    assert answer.status == 200
    answer = await post(client, "/codec/decode", PLAIN, namespace="payments", headers=bearer(bob))
    assert_error(answer, 403)


async def test_authorization_extras_gives_the_email_the_access_token_lacks(
    client: TestClient, rsa_key: SigningKey, ec_key: SigningKey
) -> None:
    """The Web UI: the SSO access token in Authorization, the ID token in -Extras."""
    access = rsa_key.mint(sub="u-a")  # no email claim, as some providers' access tokens
    id_token = ec_key.mint(sub="u-a", aud="web-ui-client-id", email="alice@example.com")
    assert_error(await decode(client, "payments", **bearer(access)), 403)
    answer = await decode(
        client, "payments", **bearer(access), **{"Authorization-Extras": id_token}
    )
    assert answer.status == 200
    # an ID token for someone else, or one that does not verify, lends nothing
    other = ec_key.mint(sub="u-x", aud="web-ui-client-id", email="alice@example.com")
    for extras in (other, tampered(id_token)):
        answer = await decode(
            client, "payments", **bearer(access), **{"Authorization-Extras": f"Bearer {extras}"}
        )
        assert_error(answer, 403)


async def test_unknown_kid_refetches_the_jwks_then_key_rotation(
    client: TestClient, idp: JwksServer, rsa_key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokens, "UNKNOWN_KID_REFRESH_SECONDS", 0.2)
    assert (await decode(client, "default", **bearer(rsa_key.mint(sub="u")))).status == 200
    fetched = idp.fetches
    for _ in range(5):  # cached: known keys need no fetch
        assert (await decode(client, "default", **bearer(rsa_key.mint(sub="u")))).status == 200
    assert idp.fetches == fetched

    rotated = SigningKey.ec("ec-2026-12")
    token = rotated.mint(sub="u", email="alice@example.com")
    await asyncio.sleep(0.25)  # unknown kids refetch at most once per interval
    message = assert_error(await decode(client, "default", **bearer(token)), 401)
    assert "unknown key" in message and "ec-2026-12" in message
    assert idp.fetches == fetched + 1  # it looked again before refusing
    for _ in range(5):  # a burst of unknown kids does not hammer the provider
        assert_error(await decode(client, "default", **bearer(token)), 401)
    assert idp.fetches == fetched + 1

    idp.publish([rotated])  # the provider rotates: the old key is gone
    await asyncio.sleep(0.25)
    assert (await decode(client, "payments", **bearer(token))).status == 200
    assert idp.fetches == fetched + 2
    stale = rsa_key.mint(sub="u")
    await asyncio.sleep(0.25)
    assert "unknown key" in assert_error(await decode(client, "default", **bearer(stale)), 401)


async def test_an_unreachable_jwks_is_503_not_a_crash(
    tmp_path: Path, make_client: ClientFactory, rsa_key: SigningKey
) -> None:
    with jwks_server([]) as gone:
        url = gone.url
    config = config_from(tmp_path, {"open": profile(namespaces=["*"])}, {"jwt": jwt_table(url)})
    client = await make_client(config)
    message = assert_error(await decode(client, "x", **bearer(rsa_key.mint(sub="u"))), 503)
    assert "cannot fetch the keys" in message
    async with client.get("/healthz") as health:  # public routes need no token
        assert health.status == 200


async def test_preflights_need_no_token(client: TestClient) -> None:
    async with client.options(
        "/payments/decode",
        headers={
            "Origin": "http://localhost:8233",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,authorization-extras,content-type",
        },
    ) as response:
        assert response.status == 204
        allowed = response.headers["Access-Control-Allow-Headers"]
        assert "Authorization-Extras" in allowed and "Authorization" in allowed


@pytest.mark.parametrize(
    ("server", "needle"),
    [
        ({"jwt": {"audiences": ["a"]}}, "server.jwt.jwks_url"),
        ({"jwt": {"jwks_url": "ftp://x", "audiences": ["a"]}}, "server.jwt.jwks_url"),
        ({"jwt": {"jwks_url": "https://x.test/jwks", "audiences": []}}, "server.jwt.audiences"),
        ({"jwt": {"jwks_url": "https://x", "audiences": ["a"], "nope": 1}}, "server.jwt.nope"),
        ({"jwt": {"jwks_url": "https://x", "audiences": ["a"], "leeway_seconds": -1}}, "leeway"),
        ({"metrics": "yes"}, "server.metrics"),
        ({"metrics": "token"}, "server.metrics"),
    ],
)
def test_config_errors_name_the_key(tmp_path: Path, server: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle.replace(".", r"\.")):
        config_from(tmp_path, {"a": profile()}, server)


def test_readers_need_jwt_and_a_shape(tmp_path: Path) -> None:
    text = '[profiles.a]\nreaders = ["alice@example.com"]\n'
    with pytest.raises(ConfigError, match=r"profiles\.a\.readers: readers need \[server\.jwt\]"):
        from inspector.config import load_config

        load_config(write_toml(tmp_path, text))
    with pytest.raises(ConfigError, match=r"profiles\.a\.readers"):
        config_from(
            tmp_path,
            {"a": profile(readers=["alice"])},
            {"jwt": jwt_table("https://idp.test/jwks")},
        )


def test_temporal_cloud_defaults_are_documented_values() -> None:
    from inspector.config import model

    assert model.TEMPORAL_CLOUD_JWKS_URL == "https://login.tmprl.cloud/.well-known/jwks.json"
    assert model.TEMPORAL_CLOUD_AUDIENCE == "https://saas-api.tmprl.cloud"
    assert ISSUER.startswith("https://")
