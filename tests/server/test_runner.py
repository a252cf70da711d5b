"""``CodecServer`` on the running loop, as the GUI uses it: start, log subscription, stop,
restart, and start-up failures as ``ServerStartError``."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from inspector.commands.serve import network_warning
from inspector.config import Config
from inspector.server import CodecServer, RequestLog, RequestRecord, ServerStartError
from tests.server.conftest import gzip_fs_profiles
from tests.support.config import config_from, profile
from tests.support.drivers import stub_codec
from tests.support.http import client_session


async def test_start_subscribe_stop_restart(gzip_fs_config: Config) -> None:
    log = RequestLog()
    seen: list[RequestRecord] = []
    log.subscribe(seen.append)
    server = CodecServer(gzip_fs_config, port=0, log=log)
    assert not server.running

    await server.start()
    try:
        assert server.running and server.port > 0 and not server.reachable_from_network
        assert server.url == f"http://127.0.0.1:{server.port}"
        bound = server.port
        async with client_session() as session, session.get(f"{server.url}/healthz") as r:
            assert r.status == 200
    finally:
        await server.stop()
    assert not server.running
    assert [(r.method, r.path, r.status) for r in seen] == [("GET", "/healthz", 200)]
    with pytest.raises(OSError):  # nothing listens any more
        socket.create_connection(("127.0.0.1", bound), 1).close()

    async with CodecServer(gzip_fs_config, port=0, log=log) as again:
        async with client_session() as session, session.get(f"{again.url}/healthz") as r:
            assert r.status == 200
    assert len(seen) == 2
    await server.stop()  # stopping twice is harmless


async def test_localhost_gets_one_port_for_every_address(gzip_fs_config: Config) -> None:
    async with CodecServer(gzip_fs_config, host="localhost", port=0) as server:
        assert server.url == f"http://localhost:{server.port}"
        assert {port for _, port in server._addresses} == {server.port}
        async with client_session() as session, session.get(f"{server.url}/healthz") as r:
            assert r.status == 200


async def test_port_in_use_is_server_start_error(gzip_fs_config: Config) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        server = CodecServer(gzip_fs_config, port=port)
        with pytest.raises(ServerStartError, match="already in use"):
            await server.start()
        assert not server.running


async def test_bad_tls_files_are_server_start_error(tmp_path: Path, fs_store: Path) -> None:
    missing = tmp_path / "missing.pem"
    server_table = {"tls_cert": missing, "tls_key": missing}
    config = config_from(tmp_path, gzip_fs_profiles(fs_store), server_table)
    with pytest.raises(ServerStartError, match="tls_cert"):
        await CodecServer(config, port=0).start()


async def test_broken_profile_is_reported_at_start(tmp_path: Path) -> None:
    codec = stub_codec("nope")  # the module is there, not the name
    config = config_from(tmp_path, {"a": profile([codec])})
    with pytest.raises(ServerStartError, match="nope"):
        await CodecServer(config, port=0).start()


def test_non_loopback_host_gets_the_network_warning(gzip_fs_config: Config) -> None:
    # Judged from the host before binding (tests never bind beyond loopback).
    for host in ("0.0.0.0", "::", "192.168.1.10"):
        warning = network_warning(CodecServer(gzip_fs_config, host=host))
        assert warning is not None and "reachable from the network" in warning
    for host in ("127.0.0.1", "localhost", "::1"):
        assert network_warning(CodecServer(gzip_fs_config, host=host)) is None
    assert network_warning(CodecServer(gzip_fs_config)) is None  # the default is loopback
