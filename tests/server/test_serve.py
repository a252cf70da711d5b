"""``payload-inspector serve`` as a real process on a real TCP port, called as the Web UI and
the CLI call it: the stdout contract, CORS/Host/Origin over the wire, body limits, TLS,
start-up failures, signals, and 200 concurrent requests.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import ssl
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter

from tests.server.conftest import gzip_fs_profiles, random_text
from tests.support.cli import run_serve_expecting_exit
from tests.support.config import profile, write_config, write_toml
from tests.support.http import (
    WEB_UI_ORIGIN,
    assert_error,
    client_session,
    make_self_signed,
    post,
    to_json,
)
from tests.support.serve import ServeProcess, serve

pytestmark = pytest.mark.slow
SMALL = {"hello": "wörld"}


@pytest.fixture
def config_path(tmp_path: Path, fs_store: Path) -> Path:
    return write_config(tmp_path, gzip_fs_profiles(fs_store), {"max_body_bytes": 5000000})


async def test_listening_line_and_web_ui_requests(
    config_path: Path, sdk_gzip_fs: DataConverter, serve_workers: tuple[str, ...]
) -> None:
    value = {"report": random_text(5000)}
    encoded = await sdk_gzip_fs.encode([SMALL, value])
    async with serve("--config", str(config_path), "--port", "0", *serve_workers) as server:
        assert server.url == f"http://127.0.0.1:{server.port}" and server.port > 0
        async with client_session() as session:
            # the Web UI: preflight, then POST ?preserveStorageRefs=true with its headers
            async with session.options(
                f"{server.url}/decode?preserveStorageRefs=true",
                headers={
                    "Origin": WEB_UI_ORIGIN,
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "content-type,x-namespace",
                    "Access-Control-Request-Private-Network": "true",
                },
            ) as response:
                assert response.status == 204
                assert response.headers["Access-Control-Allow-Origin"] == WEB_UI_ORIGIN
                assert response.headers["Access-Control-Allow-Private-Network"] == "true"
            answer = await post(
                session,
                f"{server.url}/decode?preserveStorageRefs=true",
                encoded,
                namespace="default",
                headers={"Origin": WEB_UI_ORIGIN},
            )
            assert answer.status == 200
            assert answer.headers["Access-Control-Allow-Origin"] == WEB_UI_ORIGIN
            assert answer.payloads[1] == encoded[1]
            download = await post(
                session,
                f"{server.url}/download?preserveStorageRefs=true",
                encoded[1:],
                namespace="default",
                headers={"Origin": WEB_UI_ORIGIN},
            )
            assert sdk_gzip_fs.payload_converter.from_payloads(download.payloads) == [value]
            # the CLI: no Origin, no preserveStorageRefs
            cli = await post(session, f"{server.url}/decode", encoded, namespace="default")
            assert sdk_gzip_fs.payload_converter.from_payloads(cli.payloads) == [SMALL, value]

            foreign = await post(
                session,
                f"{server.url}/decode",
                encoded,
                content_type="text/plain",
                headers={"Origin": "https://evil.example"},
            )
            assert_error(foreign, 403)
            rebound = await post(
                session, f"{server.url}/decode", encoded, headers={"Host": "evil.example:80"}
            )
            assert_error(rebound, 403)
            async with session.get(f"http://localhost:{server.port}/healthz") as response:
                assert response.status == 200
    records = server.log_records()
    assert [r["status"] for r in records] == [204, 200, 200, 200, 403, 403, 200]
    assert records[1]["namespace"] == "default" and records[1]["payloads"] == 2
    assert records[1]["path"] == "/decode" and records[1]["bytes_in"] > 0
    assert not any("warning" in line for line in server.stderr_lines)
    log_text = "\n".join(server.stderr_lines)
    assert value["report"][:40] not in log_text
    assert to_json(encoded)["payloads"][0]["data"] not in log_text


async def test_allow_origin_flag(config_path: Path, serve_workers: tuple[str, ...]) -> None:
    cloud = "https://cloud.temporal.io"
    args = ("--config", str(config_path), "--port", "0", "--allow-origin", cloud, *serve_workers)
    async with serve(*args) as server, client_session() as session:
        for origin, status in ((cloud, 204), (WEB_UI_ORIGIN, 204), ("https://x.io", 403)):
            async with session.options(
                f"{server.url}/decode",
                headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            ) as response:
                assert response.status == status, origin


async def test_three_megabyte_body_and_one_over_the_limit(
    config_path: Path, serve_workers: tuple[str, ...]
) -> None:
    from tests.support.history import sdk_converter
    from tests.support.sdk_codecs import SdkGzipCodec

    converter = sdk_converter(SdkGzipCodec(), None)
    value = {"blob": random_text(3_100_000)}
    body = json.dumps(to_json(await converter.encode([value]))).encode()
    assert 3_000_000 <= len(body) < 5_000_000
    too_big = json.dumps({"payloads": [{"data": "QUFB" * 1_300_000}]}).encode()

    async with serve("--config", str(config_path), "--port", "0", *serve_workers) as server:
        async with client_session() as session:
            answer = await post(session, f"{server.url}/decode", body)
            assert answer.status == 200
            assert converter.payload_converter.from_payloads(answer.payloads) == [value]

            assert_error(await post(session, f"{server.url}/decode", too_big), 413)

            async def chunks() -> Any:
                for i in range(0, len(too_big), 65536):
                    yield too_big[i : i + 65536]

            async with session.post(
                f"{server.url}/decode",
                data=chunks(),
                headers={"Content-Type": "application/json"},
            ) as response:
                assert response.status == 413
                assert set(await response.json()) == {"error", "index", "stage"}
            # the server is still fine afterwards
            async with session.get(f"{server.url}/healthz") as response:
                assert response.status == 200


async def test_tls(
    tmp_path: Path, fs_store: Path, sdk_gzip_fs: DataConverter, serve_workers: tuple[str, ...]
) -> None:
    cert, key = make_self_signed(tmp_path)
    config = write_config(tmp_path, gzip_fs_profiles(fs_store), {"tls_cert": cert, "tls_key": key})
    trust = ssl.create_default_context(cafile=str(cert))
    encoded = await sdk_gzip_fs.encode([SMALL])
    async with serve("--config", str(config), "--port", "0", *serve_workers) as server:
        assert server.scheme == "https" and server.url.startswith("https://127.0.0.1:")
        connector = aiohttp.TCPConnector(ssl=trust)
        async with client_session(connector=connector) as session:
            async with session.get(f"{server.url}/healthz") as response:
                assert response.status == 200
            answer = await post(session, f"{server.url}/decode", encoded)
            assert sdk_gzip_fs.payload_converter.from_payloads(answer.payloads) == [SMALL]
        async with client_session() as session:  # plain http to the TLS port fails
            with pytest.raises(aiohttp.ClientError):
                await session.get(f"http://127.0.0.1:{server.port}/healthz")


async def test_port_in_use_is_one_line_and_exit_2(
    config_path: Path, serve_workers: tuple[str, ...]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code, out, err = await run_serve_expecting_exit(
            "--config", str(config_path), "--port", str(port), *serve_workers
        )
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "in use" in lines[0] and str(port) in lines[0], err


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[server]\nport = 'x'\n[profiles.a]\n", "server.port"),
        ("[server]\nallowed_origins = ['*']\n[profiles.a]\n", "allowed_origins"),
        ("[profiles.a]\ncodecs = ['nope']\n", "codecs"),
        ("[profiles.a]\ncodecs = [{ type = 'python', factory = 'no.such.module:x' }]\n", "no.such"),
        ("not toml [", "TOML"),
    ],
)
async def test_config_errors_are_one_line_and_exit_2(
    tmp_path: Path, text: str, needle: str, serve_workers: tuple[str, ...]
) -> None:
    path = write_toml(tmp_path, text)
    code, out, err = await run_serve_expecting_exit(
        "--config", str(path), "--port", "0", *serve_workers
    )
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in err, err


async def test_missing_config_file_is_exit_2(
    tmp_path: Path, serve_workers: tuple[str, ...]
) -> None:
    code, _, err = await run_serve_expecting_exit(
        "--config", str(tmp_path / "nope.toml"), *serve_workers
    )
    assert code == 2 and len(err.strip().splitlines()) == 1 and "not found" in err


async def test_tls_files_unreadable_is_exit_2(
    tmp_path: Path, fs_store: Path, serve_workers: tuple[str, ...]
) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    config = write_config(tmp_path, gzip_fs_profiles(fs_store), {"tls_cert": bad, "tls_key": bad})
    code, _, err = await run_serve_expecting_exit(
        "--config", str(config), "--port", "0", *serve_workers
    )
    assert code == 2 and len(err.strip().splitlines()) == 1 and "tls" in err, err


async def test_sigint_stops_cleanly(config_path: Path, serve_workers: tuple[str, ...]) -> None:
    server = ServeProcess(["--config", str(config_path), "--port", "0", *serve_workers])
    try:
        await asyncio.to_thread(server.start)
        assert server.url.startswith("http://127.0.0.1:")
        assert server.process is not None
        server.process.send_signal(signal.SIGINT)
        await asyncio.to_thread(server.process.wait, 15)
        code = server.stop()  # it has exited: this only collects the rest of its stderr
        assert code == 0 and not any("Traceback" in line for line in server.stderr_lines)
    finally:
        await asyncio.to_thread(server.kill)


async def test_200_concurrent_requests_with_mixed_sizes(
    config_path: Path,
    sdk_gzip_fs: DataConverter,
    capsys: pytest.CaptureFixture[str],
    serve_workers: tuple[str, ...],
) -> None:
    """Small, stored-reference and 1 MB inline requests at once; each answer checked."""
    kinds: dict[str, tuple[list[Any], bytes]] = {}
    for kind, values in {
        "small": [SMALL, {"n": 1}],
        "refs": [{"report": random_text(20_000, seed=s)} for s in range(5)],
        "large": [{"blob": random_text(1_000_000, seed=99)}],
    }.items():
        encoded = await sdk_gzip_fs.encode(values)
        kinds[kind] = (values, json.dumps(to_json(encoded)).encode())
    plan = ["large" if i % 20 == 0 else "refs" if i % 3 == 0 else "small" for i in range(200)]

    async with serve("--config", str(config_path), "--port", "0", *serve_workers) as server:
        connector = aiohttp.TCPConnector(limit=0)
        async with client_session(connector=connector) as session:

            async def one(kind: str) -> tuple[str, int, list[Payload]]:
                answer = await post(session, f"{server.url}/decode", kinds[kind][1])
                return kind, answer.status, answer.payloads if answer.status == 200 else []

            started = time.perf_counter()
            results = await asyncio.wait_for(asyncio.gather(*(one(k) for k in plan)), 120)
            wall = time.perf_counter() - started
    for kind, status, payloads in results:
        assert status == 200
        assert sdk_gzip_fs.payload_converter.from_payloads(payloads) == kinds[kind][0]
    records = server.log_records()
    assert len(records) == 200 and all(r["status"] == 200 for r in records)
    small = sorted(r["duration_ms"] for r in records if r["bytes_in"] < 1000)
    slowest = max(r["duration_ms"] for r in records)
    with capsys.disabled():
        print(
            f"\n[server concurrency] 200 concurrent POST /decode ({plan.count('small')} small, "
            f"{plan.count('refs')} with 5 stored references, {plan.count('large')} x 1 MB "
            f"inline): wall {wall:.2f} s; server-side small p50 {small[len(small) // 2]:.1f} ms, "
            f"p95 {small[int(len(small) * 0.95)]:.1f} ms, slowest {slowest:.0f} ms"
        )


async def test_a_large_request_does_not_stall_small_ones(
    tmp_path: Path, serve_workers: tuple[str, ...]
) -> None:
    """While a 20 MB decode is in flight, small requests keep being answered."""
    from tests.support.history import sdk_converter
    from tests.support.sdk_codecs import SdkGzipCodec

    config = write_config(tmp_path, {"default": profile(["gzip"])})
    converter = sdk_converter(SdkGzipCodec(), None)
    big = json.dumps(to_json(await converter.encode([{"b": random_text(20_000_000)}]))).encode()
    small = json.dumps(to_json(await converter.encode([SMALL]))).encode()

    async with serve("--config", str(config), "--port", "0", *serve_workers) as server:
        async with client_session() as session:
            await post(session, f"{server.url}/decode", small)  # warm up
            started = time.perf_counter()
            big_task = asyncio.create_task(post(session, f"{server.url}/decode", big))
            latencies: list[float] = []
            while not big_task.done():
                sent = time.perf_counter()
                answer = await post(session, f"{server.url}/decode", small)
                assert answer.status == 200
                latencies.append(time.perf_counter() - sent)
                await asyncio.sleep(0.01)
            big_answer = await big_task
            big_wall = time.perf_counter() - started
    assert big_answer.status == 200
    assert len(latencies) >= 2, (latencies, big_wall)
    assert max(latencies) < big_wall, (latencies, big_wall)
