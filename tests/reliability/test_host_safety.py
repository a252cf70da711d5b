"""Host safety: DNS rebinding and cross-site requests get 403 before any work is done.

Crafted requests go over raw sockets to a real ``serve`` (so nothing in a client library
normalises them first): foreign ``Host`` names, look-alikes of loopback, foreign and
look-alike ``Origin``s, and the "simple" cross-site POSTs a page can send without a
preflight (``text/plain``, form encodings). A refused request must not have been processed:
the request log says its body was never read, and ``/encode`` stored nothing. The Host and
Origin checks are also fuzzed directly; the token comparison is checked to be constant-time.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from hypothesis import given
from hypothesis import strategies as st

from inspector.commands.serve import network_warning
from inspector.config import ServerConfig
from inspector.server import CodecServer, security
from inspector.server.security import SecurityPolicy, host_name
from tests.reliability.fuzzing import bounded
from tests.support.config import config_from, filesystem_storage, profile, write_config
from tests.support.http import RawAnswer, parse_raw_answer
from tests.support.serve import ServeProcess, serve

# The async tests share one server (a module-scoped fixture on a module-scoped loop).
on_module_loop = pytest.mark.asyncio(loop_scope="module")

WEB_UI = "http://localhost:8233"
TOKEN = "host-safety-token"
BIG_BODY = json.dumps(
    {"payloads": [{"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "QUFB" * 2000}]}
).encode()


async def raw_request(port: int, head: str, body: bytes = b"") -> RawAnswer:
    """Send exactly these bytes; read one HTTP/1.1 answer (Connection: close)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
    try:
        writer.write(head.encode("latin-1") + b"\r\n\r\n" + body)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 20)
    finally:
        writer.close()
    return parse_raw_answer(data)


def post_head(host: str | None, path: str = "/encode", **headers: str) -> str:
    lines = [f"POST {path} HTTP/1.1"]
    if host is not None:
        lines.append(f"Host: {host}")
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    lines += [f"Content-Length: {len(BIG_BODY)}", "Connection: close"]
    return "\r\n".join(lines)


@dataclass
class Running:
    server: ServeProcess
    store: Path


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def running(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Running]:
    base = tmp_path_factory.mktemp("host-safety")
    store = base / "store"
    config = write_config(
        base,
        {"default": profile(storage=filesystem_storage(store, threshold=100))},
        {"token": TOKEN, "allowed_hosts": ["codec.internal"]},
    )
    async with serve("--config", str(config), "--port", "0") as server:
        yield Running(server, store)


def _stored(store: Path) -> list[Path]:
    return [p for p in store.rglob("*") if p.is_file()] if store.exists() else []


REBINDING_HOSTS = [
    "evil.example",
    "evil.example:{port}",
    "127.0.0.1.evil.example",
    "localhost.evil.example:{port}",
    "127.0.0.1@evil.example",
    "evil.example#127.0.0.1",
    "127.0.0.2.nip.io",
    "[::ffff:7f00:1].evil",
    "0x7f000001.evil",
    "codec.internal.evil",
    "",
]


@on_module_loop
@pytest.mark.parametrize("host", REBINDING_HOSTS)
async def test_dns_rebinding_host_is_403_and_not_processed(running: Running, host: str) -> None:
    port = running.server.port
    before = len(running.server.log_records())
    answer = await raw_request(
        port,
        post_head(
            host.format(port=port), Authorization=f"Bearer {TOKEN}", Content_Type="application/json"
        ),
        BIG_BODY,
    )
    assert answer.status in (400, 403), answer
    if answer.status == 403:
        error = json.loads(answer.body)
        assert set(error) == {"error", "index", "stage"} and "Host" in error["error"]
    await _assert_not_processed(running, before)


async def _assert_not_processed(running: Running, before: int) -> None:
    for _ in range(50):  # the log line is written as the answer goes out
        records = running.server.log_records()[before:]
        if records:
            break
        await asyncio.sleep(0.02)
    assert all(r["payloads"] is None for r in records), records
    assert _stored(running.store) == []


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:{port}",
        "localhost:{port}",
        "LOCALHOST:{port}",
        "[::1]:{port}",
        "localhost.",
        "codec.internal",
        "CODEC.internal:{port}",
    ],
)
@on_module_loop
async def test_loopback_and_configured_hosts_are_served(running: Running, host: str) -> None:
    port = running.server.port
    answer = await raw_request(
        port, f"GET /healthz HTTP/1.1\r\nHost: {host.format(port=port)}\r\nConnection: close"
    )
    assert answer.status == 200, answer


FOREIGN_ORIGINS = [
    "http://evil.example",
    "null",
    "http://localhost:8233.evil.example",
    "http://localhost:8234",
    "https://localhost:8233",
    "http://localhost",
    "http://127.0.0.1:8233@evil.example",
    "http://evil.example/http://localhost:8233",
    "file://",
    "*",
]
SIMPLE_CONTENT_TYPES = [
    "text/plain",
    "text/plain; charset=utf-8",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/json",
]


@on_module_loop
@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
@pytest.mark.parametrize("content_type", SIMPLE_CONTENT_TYPES)
async def test_cross_site_post_is_403_even_without_preflight(
    running: Running, origin: str, content_type: str
) -> None:
    port = running.server.port
    before = len(running.server.log_records())
    answer = await raw_request(
        port,
        post_head(
            f"127.0.0.1:{port}",
            Origin=origin,
            Content_Type=content_type,
            Authorization=f"Bearer {TOKEN}",
        ),
        BIG_BODY,
    )
    assert answer.status == 403, answer
    assert "access-control-allow-origin" not in answer.headers
    assert "origin" in json.loads(answer.body)["error"]
    await _assert_not_processed(running, before)


@on_module_loop
async def test_foreign_origin_preflight_gets_no_cors_grant(running: Running) -> None:
    port = running.server.port
    answer = await raw_request(
        port,
        f"OPTIONS /encode HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://evil.example\r\n"
        "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Private-Network: true\r\n"
        "Connection: close",
    )
    assert answer.status == 403
    assert not any(h.startswith("access-control-allow") for h in answer.headers)


@on_module_loop
async def test_allowed_origin_is_served(running: Running) -> None:
    port = running.server.port
    answer = await raw_request(
        port,
        post_head(
            f"localhost:{port}",
            Origin=WEB_UI,
            Content_Type="application/json",
            Authorization=f"Bearer {TOKEN}",
        ),
        BIG_BODY,
    )
    assert answer.status == 200 and answer.headers["access-control-allow-origin"] == WEB_UI
    assert _stored(running.store)


# ---------------------------------------------------------------- the checks, fuzzed

POLICY = SecurityPolicy.from_config(
    ServerConfig(allowed_origins=(WEB_UI,), allowed_hosts=("codec.internal",))
)
ALLOWED_NAMES = {"127.0.0.1", "localhost", "::1", "codec.internal"}

host_texts = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda a, b, c: a + b + c,
        st.sampled_from(["", "[", "127.0.0.1", "localhost", "::1", "codec.internal", "evil"]),
        st.sampled_from(["", ".", "]", ":", ":8081", ".evil", "@evil", "%00", " ", "\t", "::"]),
        st.sampled_from(["", ":8081", "]:1", "/", "evil", "."]),
    ),
)


@bounded(1000)
@given(host_texts)
def test_fuzzed_host_is_allowed_only_for_allowed_names(host: str) -> None:
    allowed = POLICY.host_allowed(host)
    assert allowed == (host_name(host) in ALLOWED_NAMES)
    if allowed:  # and a URL parser, reading the same Host, finds one of our names too
        try:
            parsed = urlsplit(f"//{host.strip()}").hostname or host_name(host)  # bare "::1"
        except ValueError:
            parsed = host_name(host)  # not a URL authority at all: nothing to confuse
        assert parsed.rstrip(".") in ALLOWED_NAMES, host


origin_texts = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda scheme, host, tail: scheme + host + tail,
        st.sampled_from(["http://", "https://", "HTTP://", "ws://", "", "//"]),
        st.sampled_from(["localhost", "LOCALHOST", "127.0.0.1", "evil", "localhost.evil"]),
        st.sampled_from(
            [
                "",
                ":8233",
                ":8233/",
                ":8233.evil",
                ":8233@evil",
                ":08233",
                ":80",
                ":8233/path",
                ":8233?q",
                "%3a8233",
            ]
        ),
    ),
)


@bounded(1000)
@given(origin_texts)
def test_fuzzed_origin_is_allowed_only_for_the_web_ui(origin: str) -> None:
    if POLICY.origin_allowed(origin):
        assert origin.strip().lower().rstrip("/") in (WEB_UI, "http://localhost:08233"), origin


# ---------------------------------------------------------------- token and binding


@on_module_loop
async def test_token_is_compared_in_constant_time(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every token check goes through ``hmac.compare_digest`` on the whole value."""
    calls: list[tuple[Any, Any]] = []
    real = security.hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", spy)
    policy = SecurityPolicy.from_config(ServerConfig(token=TOKEN))
    for presented, ok in (
        (f"Bearer {TOKEN}", True),
        (f"Bearer {TOKEN[:-1]}", False),
        ("Bearer x", False),
        (None, False),
        (f"bearer  {TOKEN} ", True),
    ):
        assert policy.token_ok(presented) is ok
    assert len(calls) == 5 and all(b == TOKEN.encode() for _, b in calls)


def test_binding_beyond_loopback_needs_an_explicit_host_and_warns(tmp_path: Path) -> None:
    config = config_from(tmp_path, {"default": profile()})
    assert config.server.host == "127.0.0.1"
    assert network_warning(CodecServer(config)) is None
    for host in ("127.0.0.1", "localhost", "::1"):
        assert network_warning(CodecServer(config, host=host)) is None
    for host in ("0.0.0.0", "::", "192.0.2.10"):
        warning = network_warning(CodecServer(config, host=host))
        assert warning is not None and "reachable from the network" in warning
    from_file = config_from(tmp_path, {"default": profile()}, {"host": "0.0.0.0"})
    assert network_warning(CodecServer(from_file)) is not None


@on_module_loop
async def test_serve_without_host_listens_on_loopback_only(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"default": profile()})
    async with serve("--config", str(config), "--port", "0") as server:
        assert server.host == "127.0.0.1"
        answer = await raw_request(
            server.port,
            f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nConnection: close",
        )
        assert answer.status == 200
    assert not any("warning" in line for line in server.stderr_lines)
