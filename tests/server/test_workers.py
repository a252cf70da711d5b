"""``serve --workers 2`` as a team runs it: both workers answer, SIGHUP gives both the new
config, SIGTERM loses no request in flight, ``/metrics`` sums the workers, and the app
factory serves under a gunicorn started by hand.

Which worker answered is read from the audit log (each line names its process).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from inspector.server.metrics import FLUSH_SECONDS
from tests.reliability.test_reload import PLAIN, hup_and_wait, profiles
from tests.support.cli import REPO_ROOT, cli_env, run_serve_expecting_exit
from tests.support.config import profile, write_config
from tests.support.drivers import STORE_ENV
from tests.support.http import client_session, post
from tests.support.ports import LOOPBACK, free_port, port_open
from tests.support.serve import ServeProcess, serve

pytestmark = pytest.mark.slow


def audit_pids(path: Path, namespace: str | None = None) -> list[int]:
    lines = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return [r["pid"] for r in lines if namespace is None or r["namespace"] == namespace]


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


async def wait_for_lines(path: Path, count: int) -> None:
    """The audit log is written by a thread: wait (10 s at most) until it holds ``count``."""
    for _ in range(200):
        if await asyncio.to_thread(_lines, path) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} audit lines after 10 s")


async def spread(session: aiohttp.ClientSession, url: str, namespace: str, n: int) -> list[int]:
    """``n`` decodes, each on a fresh connection, so the kernel spreads them over workers."""

    async def one() -> int:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as s:
            return (await post(s, f"{url}/decode", PLAIN, namespace=namespace)).status

    return list(await asyncio.gather(*(one() for _ in range(n))))


def worker_pids(server: ServeProcess) -> set[int]:
    assert server.process is not None
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(server.process.pid)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return {int(p) for p in out.split()}


async def test_sighup_reloads_both_workers(tmp_path: Path) -> None:
    store, fault_store = tmp_path / "store", tmp_path / "fault-store"
    fault_store.mkdir()
    audit = tmp_path / "audit.jsonl"
    server_table = {"audit_log": str(audit)}
    config = write_config(tmp_path, profiles(store, ["alpha"]), server_table)
    args = ("--config", str(config), "--port", "0", "--workers", "2")
    async with (
        serve(*args, env={STORE_ENV: str(fault_store)}) as server,
        client_session() as session,
    ):
        statuses = await spread(session, server.url, "alpha", 40)
        assert statuses == [200] * 40
        await wait_for_lines(audit, 40)
        before = set(audit_pids(audit))
        assert len(before) == 2, before  # both workers answered
        assert before == worker_pids(server)

        write_config(tmp_path, profiles(store, ["alpha", "beta"]), server_table)
        line = await hup_and_wait(server, "config reloaded")
        assert "2 profile(s) in 2 new workers" in line
        statuses = await spread(session, server.url, "beta", 40)
        assert statuses == [200] * 40
        await wait_for_lines(audit, 80)
        after = set(audit_pids(audit, "beta"))
        assert len(after) == 2 and not after & before, (before, after)  # both, and both new
        assert after == worker_pids(server)

        config.write_text("[profiles.main\n")  # invalid: reported, workers kept
        await hup_and_wait(server, "config not reloaded")
        assert worker_pids(server) == after
        assert await spread(session, server.url, "beta", 10) == [200] * 10


async def test_sigterm_drains_requests_in_flight(tmp_path: Path) -> None:
    """Twenty decodes whose storage takes 1.5 s are in flight on both workers at SIGTERM:
    every one is answered, then the server exits 0."""
    store, fault_store = tmp_path / "store", tmp_path / "fault-store"
    fault_store.mkdir()
    audit = tmp_path / "audit.jsonl"
    config = write_config(tmp_path, profiles(store, ["alpha"]), {"audit_log": str(audit)})
    server = ServeProcess(
        ["--config", str(config), "--port", "0", "--workers", "2"],
        env={STORE_ENV: str(fault_store)},
    )
    try:
        await asyncio.to_thread(server.start)
        async with client_session() as session:
            value = {
                "payloads": [{"metadata": {"encoding": "YmluYXJ5L3BsYWlu"}, "data": "eHl6" * 40}]
            }
            encoded = await post(session, f"{server.url}/encode", value, namespace="delayed")
            assert encoded.status == 200

            async def slow() -> tuple[int, Any]:
                connector = aiohttp.TCPConnector(force_close=True)
                async with aiohttp.ClientSession(connector=connector) as own:
                    answer = await post(
                        own, f"{server.url}/decode", encoded.body, namespace="delayed"
                    )
                    return answer.status, answer.body

            in_flight = [asyncio.ensure_future(slow()) for _ in range(20)]
            await asyncio.sleep(0.6)  # all sent, none answered (each takes 1.5 s)
            assert not any(task.done() for task in in_flight)
            assert server.process is not None
            server.process.send_signal(signal.SIGTERM)
            results = await asyncio.wait_for(asyncio.gather(*in_flight), 30)
        assert [status for status, _ in results] == [200] * 20
        assert all(body == value for _, body in results)
        code = await asyncio.to_thread(server.process.wait, 30)
        assert code == 0
        decoded = [r for r in server.log_records() if r["path"] == "/decode"]
        assert len(decoded) == 20 and {r["status"] for r in decoded} == {200}
        assert not any("Traceback" in line for line in server.stderr_lines)
    finally:
        await asyncio.to_thread(server.kill)


async def test_metrics_sum_both_workers(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    config = write_config(
        tmp_path, {"main": profile(namespaces=["alpha"])}, {"audit_log": str(audit)}
    )
    async with (
        serve("--config", str(config), "--port", "0", "--workers", "2") as server,
        client_session() as session,
    ):
        assert await spread(session, server.url, "alpha", 60) == [200] * 60
        assert await spread(session, server.url, "nobody", 7) == [404] * 7
        await wait_for_lines(audit, 67)
        assert len(set(audit_pids(audit))) == 2
        await asyncio.sleep(FLUSH_SECONDS + 0.5)  # each worker writes its counts this often
        totals: dict[tuple[str, str], float] = {}
        for _ in range(4):  # whichever worker answers the scrape, the sum is the same
            async with session.get(f"{server.url}/metrics") as response:
                text = await response.text()
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    if (
                        sample.name == "inspector_requests_total"
                        and sample.labels["route"] == "decode"
                    ):
                        key = (sample.labels["namespace"], sample.labels["status"])
                        assert totals.setdefault(key, sample.value) == sample.value
        assert totals == {("alpha", "200"): 60.0, ("nobody", "404"): 7.0}


def test_the_app_factory_under_gunicorn_started_by_hand(tmp_path: Path) -> None:
    """``gunicorn 'inspector.server.gunicorn:app()' -k aiohttp.GunicornUVLoopWebWorker``."""
    config = write_config(tmp_path, {"main": profile(["gzip"], namespaces=["*"])})
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = cli_env(
        {"PAYLOAD_INSPECTOR_CONFIG": str(config), "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    )
    argv = [sys.executable, "-m", "gunicorn", "inspector.server.gunicorn:app()"]
    argv += ["-k", "aiohttp.GunicornUVLoopWebWorker", "-w", "2", "--bind", f"{LOOPBACK}:{port}"]
    process = subprocess.Popen(
        [*argv, "--graceful-timeout", "5"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://{LOOPBACK}:{port}"
    try:
        for _ in range(300):
            if port_open(LOOPBACK, port) or process.poll() is not None:
                break
            time.sleep(0.1)  # a sync test: no loop to hold up
        assert process.poll() is None, process.communicate()
        plain = {
            "payloads": [
                {
                    "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
                    "data": base64.b64encode(b'{"a": 1}').decode(),
                }
            ]
        }
        encoded = _post_json(f"{base}/encode", plain)
        assert (
            encoded["payloads"][0]["metadata"]["encoding"]
            == base64.b64encode(b"binary/gzip").decode()
        )
        assert _post_json(f"{base}/decode", encoded) == plain
        with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
            assert b"inspector_requests_total" in response.read()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _, err = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
    assert process.returncode == 0, err[-2000:]
    assert '"path":"/decode","namespace":"default","status":200' in err


def _post_json(url: str, document: Any) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(document).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


async def test_workers_must_be_positive(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"main": profile()})
    code, out, err = await run_serve_expecting_exit("--config", str(config), "--workers", "0")
    assert code == 2 and out == "" and "--workers must be 1 or more" in err


async def test_workers_keep_the_connection_guard(tmp_path: Path) -> None:
    """Each worker serves through the same guard as one process: aiohttp's parser errors
    come back in the JSON error shape, and a low descriptor limit caps connections with a
    JSON 503 while ``/healthz`` still answers."""
    from tests.reliability.test_host_safety import raw_request

    config = write_config(tmp_path, {"main": profile(namespaces=["*"])})
    args = ("--config", str(config), "--port", "0", "--workers", "2")
    async with serve(*args, fd_limit=160) as server:
        answer = await raw_request(
            server.port, "POST /decode HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: x1"
        )
        assert answer.status == 400 and set(json.loads(answer.body)) == {"error", "index", "stage"}
        # Quickly (idle connections are closed after 10 s): more than both workers keep.
        connections = [
            await asyncio.wait_for(asyncio.open_connection(LOOPBACK, server.port), 5)
            for _ in range(160)
        ]
        refusal = b""
        try:
            await asyncio.sleep(0.5)
            for reader, _ in connections:
                with contextlib.suppress(TimeoutError):
                    refusal = await asyncio.wait_for(reader.read(200), 0.02)
                if refusal:
                    break  # a refused one is answered at once; the kept ones wait
        finally:
            for _, writer in connections:
                writer.close()
        assert refusal.startswith(b"HTTP/1.1 503"), refusal[:200]
        assert b'"error"' in refusal
        async with client_session() as session:
            for _ in range(50):
                async with session.get(f"{server.url}/healthz") as health:
                    if health.status == 200:
                        break
                await asyncio.sleep(0.1)
            assert health.status == 200
