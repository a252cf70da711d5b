"""A config file changed while serving: SIGHUP (or the GUI's reload) applies it; an invalid
one is reported in one line and the server keeps serving the previous config.

Requests already running when the config changes finish on the pipelines they started with.
"""

from __future__ import annotations

import asyncio
import base64
import signal
from pathlib import Path

import pytest

from inspector.commands.serve import reload_config
from inspector.config import ConfigError, load_config
from inspector.server import CodecServer
from tests.support.config import (
    Profiles,
    filesystem_storage,
    profile,
    write_config,
    write_toml,
)
from tests.support.drivers import STORE_ENV, stub_storage
from tests.support.http import client_session, post
from tests.support.serve import ServeProcess, serve

PLAIN = {
    "payloads": [
        {
            "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
            "data": base64.b64encode(b'"x"').decode(),
        }
    ]
}


def profiles(store: Path, namespaces: list[str]) -> Profiles:
    """``main`` for ``namespaces`` on our store; ``delayed``, a driver that takes 1.5 s."""
    delayed = stub_storage("DelayedDriver", threshold=16, timeout_seconds=10)
    return {
        "main": profile(namespaces=namespaces, storage=filesystem_storage(store)),
        "delayed": profile(namespaces=["delayed"], storage=delayed),
    }


async def hup_and_wait(server: ServeProcess, expect: str) -> str:
    """SIGHUP, then the one stderr line that says how the reload went (bounded wait)."""
    before = len(server.stderr_lines)
    server.process.send_signal(signal.SIGHUP)
    for _ in range(600):  # up to 15 s
        for line in server.stderr_lines[before:]:
            if "reloaded" in line:
                assert expect in line, line
                return line
        await asyncio.sleep(0.025)
    raise AssertionError(f"no reload line after SIGHUP: {server.stderr_lines[before:]}")


async def status(session: object, server: ServeProcess, namespace: str, **headers: str) -> int:
    answer = await post(
        session, f"{server.url}/decode", PLAIN, namespace=namespace, headers=headers
    )
    return answer.status


async def test_sighup_reloads_and_keeps_the_old_config_when_the_new_one_is_invalid(
    tmp_path: Path, serve_workers: tuple[str, ...]
) -> None:
    store = tmp_path / "store"
    fault_store = tmp_path / "fault-store"
    fault_store.mkdir()
    config = write_config(tmp_path, profiles(store, ["alpha"]))
    env = {STORE_ENV: str(fault_store)}
    async with (
        serve("--config", str(config), "--port", "0", *serve_workers, env=env) as server,
        client_session() as session,
    ):
        assert await status(session, server, "alpha") == 200
        assert await status(session, server, "beta") == 404

        write_config(tmp_path, profiles(store, ["alpha", "beta"]))
        line = await hup_and_wait(server, "config reloaded")
        assert "2 profile(s)" in line
        assert await status(session, server, "beta") == 200

        for broken, why in (
            ("[profiles.main\nnamespaces = [", "not valid TOML"),
            (
                '[profiles.main]\ncodecs = [{ type = "python", factory = "no.such:thing" }]\n',
                "no.such",
            ),
            ('[server]\nallowed_origins = ["*"]\n[profiles.main]\n', "'*' is never allowed"),
            ('[server]\ntoken = "env:NOT_SET_ANYWHERE"\n[profiles.main]\n', "NOT_SET_ANYWHERE"),
        ):
            config.write_text(broken)
            line = await hup_and_wait(server, "config not reloaded, still serving the previous")
            assert why in line and line.count("\n") == 0
            assert await status(session, server, "beta") == 200  # the old config still serves

        server_table = {"token": "new-token", "max_body_bytes": 1000}
        write_config(tmp_path, profiles(store, ["alpha"]), server_table)
        line = await hup_and_wait(server, "config reloaded")
        assert "(max_body_bytes: restart to apply)" in line
        assert await status(session, server, "alpha") == 401
        assert await status(session, server, "alpha", Authorization="Bearer new-token") == 200
        assert await status(session, server, "beta", Authorization="Bearer new-token") == 404
        async with session.get(f"{server.url}/healthz") as health:  # same socket as before
            assert health.status == 200


async def test_a_request_in_flight_finishes_across_a_reload(
    tmp_path: Path, serve_workers: tuple[str, ...]
) -> None:
    store, fault_store = tmp_path / "store", tmp_path / "fault-store"
    fault_store.mkdir()
    config = write_config(tmp_path, profiles(store, ["alpha"]))
    async with (
        serve(
            "--config",
            str(config),
            "--port",
            "0",
            *serve_workers,
            env={STORE_ENV: str(fault_store)},
        ) as server,
        client_session() as session,
    ):
        big = {
            "payloads": [
                {
                    "metadata": {"encoding": "YmluYXJ5L3BsYWlu"},
                    "data": base64.b64encode(b"y" * 100).decode(),
                }
            ]
        }
        encoded = await post(session, f"{server.url}/encode", big, namespace="delayed")
        assert encoded.status == 200
        slow = asyncio.ensure_future(
            post(session, f"{server.url}/decode", encoded.body, namespace="delayed")
        )
        await asyncio.sleep(0.3)
        write_config(tmp_path, profiles(store, ["alpha", "beta"]))
        await hup_and_wait(server, "config reloaded")
        answer = await asyncio.wait_for(slow, 10)
        assert answer.status == 200 and answer.body == big


async def test_the_gui_can_reload_its_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``reload_config`` is what the GUI's server panel calls: the same rules as SIGHUP."""
    monkeypatch.setenv(STORE_ENV, str(tmp_path))
    store = tmp_path / "store"
    config = write_config(tmp_path, profiles(store, ["alpha"]))
    server = CodecServer(load_config(config), port=0)
    await server.start()
    try:
        async with client_session() as session:
            url = server.url

            async def ns_status(ns: str) -> int:
                return (await post(session, f"{url}/decode", PLAIN, namespace=ns)).status

            assert await ns_status("beta") == 404
            config.write_text("not = [valid")
            message = await reload_config(server, str(config))
            assert message.startswith("config not reloaded")
            assert await ns_status("alpha") == 200
            write_config(tmp_path, profiles(store, ["beta"]))
            message = await reload_config(server, str(config))
            assert message.startswith("config reloaded")
            assert await ns_status("beta") == 200 and await ns_status("alpha") == 404
            with pytest.raises(ConfigError):
                await server.reload(
                    load_config(
                        write_toml(
                            tmp_path,
                            '[server]\nallowed_origins = ["*"]\n[profiles.x]\n',
                            "bad.toml",
                        )
                    )
                )
            assert await ns_status("beta") == 200
    finally:
        await server.stop()
