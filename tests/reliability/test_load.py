"""A bounded load test of a real ``payload-inspector serve``: correctness and memory, not speed.

Two runs of 20,000 requests each, 64 at a time, against one server: mixed sizes (a few
hundred bytes to stored blobs of 96 KB), four namespaces on three profiles (no codec, gzip,
aes-gcm + zlib; two with the filesystem store), all four routes' worth of work (decode with
and without references preserved, download, encode). Every answer is checked against what
the pipeline gave in-process, and the server's RSS is read from ``/proc`` at the start, all
along, and at the end: the second run may add less than 10 % to the first run's peak.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from temporalio.api.common.v1 import Payload

from inspector.config import load_config
from inspector.references import is_plain_reference
from inspector.runtime import build_pipeline
from tests.support.config import Profiles, aes_gcm_codec, filesystem_storage, profile, write_config
from tests.support.http import to_json
from tests.support.serve import serve

REQUESTS_PER_RUN = 20_000
CONCURRENCY = 64
LEAK_TOLERANCE = 0.10
KEY_ENV = "LOAD_TEST_AES_KEY"
THRESHOLD = 32 * 1024
NAMESPACES = {"alpha": "plain", "beta": "gz", "gamma": "gz", "delta": "enc"}
# Share of requests by size: mostly small, as the Web UI sends them; some stored blobs.
SIZE_WEIGHTS = {"small": 0.70, "medium": 0.22, "large": 0.08}


def load_profiles(store: Path) -> Profiles:
    """Three profiles for four namespaces: no codec, gzip (both storing over 32 KiB in our
    filesystem store) and aes-gcm + zlib with the key from the environment."""
    storage = filesystem_storage(store, threshold=THRESHOLD)
    return {
        "plain": profile(namespaces=["alpha"], storage=storage),
        "gz": profile(["gzip"], namespaces=["beta", "gamma"], storage=storage),
        "enc": profile(
            [aes_gcm_codec({"load-key": f"env:{KEY_ENV}"}), "zlib"], namespaces=["delta"]
        ),
    }


@dataclass(frozen=True)
class Template:
    """One request and the exact JSON its answer must be."""

    namespace: str
    route: str
    body: bytes
    expected: Any
    size: str


def _payload(rng: random.Random, size: int, kind: int) -> Payload:
    """JSON text (compressible) or random bytes (not), as workers produce them."""
    if kind % 2:
        return Payload(metadata={"encoding": b"binary/plain"}, data=rng.randbytes(size))
    words = " ".join(rng.choice(["alpha", "beta", "order", "42", "ok"]) for _ in range(size // 5))
    return Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(words[:size]).encode())


def _answer(payloads: Sequence[Payload]) -> Any:
    document = to_json(payloads)
    document.setdefault("payloads", [])
    return document


def _values(outcomes: Sequence[Any]) -> list[Payload]:
    assert all(o.error is None for o in outcomes), [o.error for o in outcomes if o.error]
    return [o.payload for o in outcomes]


async def make_templates(config_path: Path) -> list[Template]:
    """Requests of every size, namespace and route, with answers computed in-process."""
    config = load_config(config_path)
    rng = random.Random(20_000)
    templates: list[Template] = []
    sizes = {"small": [40, 200, 700], "medium": [4_000, 12_000], "large": [48_000, 96_000]}
    for namespace, profile_name in NAMESPACES.items():
        pipeline = build_pipeline(config.profiles[profile_name], namespace=namespace)
        try:
            for size_name, choices in sizes.items():
                for variant in range(3):
                    count = 1 if size_name == "large" else rng.randint(1, 4)
                    originals = [
                        _payload(rng, rng.choice(choices), variant + i) for i in range(count)
                    ]
                    encoded = _values(await pipeline.encode(originals))
                    refs = _values(await pipeline.decode(encoded, preserve_refs=True))
                    body = json.dumps(to_json(encoded)).encode()
                    add = templates.append
                    add(Template(namespace, "decode", body, _answer(originals), size_name))
                    add(
                        Template(
                            namespace,
                            "decode?preserveStorageRefs=true",
                            body,
                            _answer(refs),
                            size_name,
                        )
                    )
                    if profile_name != "enc":  # aes-gcm encodes are random: checked by decode
                        add(
                            Template(
                                namespace,
                                "encode",
                                json.dumps(to_json(originals)).encode(),
                                _answer(encoded),
                                size_name,
                            )
                        )
                    stored = [r for r in refs if is_plain_reference(r)]
                    if stored:
                        originals_stored = [
                            o for o, r in zip(originals, refs, strict=True) if is_plain_reference(r)
                        ]
                        add(
                            Template(
                                namespace,
                                "download",
                                json.dumps(to_json(stored)).encode(),
                                _answer(originals_stored),
                                size_name,
                            )
                        )
        finally:
            await pipeline.aclose()
    return templates


def _tree(pid: int) -> list[int]:
    """The process and its descendants (should the server ever use worker processes)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            queue.extend(int(child) for child in task.read_text().split())
    return found


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in KiB, summed over the process tree, from /proc."""
    rss = hwm = 0
    for member in _tree(pid):
        with open(f"/proc/{member}/status", encoding="ascii") as status:
            for line in status:
                name, _, rest = line.partition(":")
                if name == "VmRSS":
                    rss += int(rest.split()[0])
                elif name == "VmHWM":
                    hwm += int(rest.split()[0])
    return rss, hwm


@dataclass
class RunResult:
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    by_size: dict[str, int] = field(default_factory=dict)
    by_namespace: dict[str, int] = field(default_factory=dict)
    rss_start: int = 0
    rss_peak: int = 0
    rss_end: int = 0
    hwm_end: int = 0
    seconds: float = 0.0


async def run_load(url: str, pid: int, templates: list[Template], seed: int) -> RunResult:
    """REQUESTS_PER_RUN requests, CONCURRENCY at a time, every answer compared exactly."""
    result = RunResult()
    order = random.Random(seed)
    weights = [SIZE_WEIGHTS[t.size] for t in templates]
    plan = order.choices(range(len(templates)), weights=weights, k=REQUESTS_PER_RUN)
    next_index = 0
    result.rss_start, _ = rss_kib(pid)
    result.rss_peak = result.rss_start
    done = asyncio.Event()

    async def sample() -> None:
        while not done.is_set():
            rss, _ = rss_kib(pid)
            result.rss_peak = max(result.rss_peak, rss)
            try:
                await asyncio.wait_for(done.wait(), 0.05)
            except TimeoutError:
                pass

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal next_index
        while next_index < len(plan):
            template = templates[plan[next_index]]
            next_index += 1
            headers = {"Content-Type": "application/json", "X-Namespace": template.namespace}
            try:
                async with session.post(
                    f"{url}/{template.route}", data=template.body, headers=headers
                ) as response:
                    raw = await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as e:
                result.errors.append(f"{template.route} {template.namespace}: {e!r}")
                continue
            result.requests += 1
            result.by_size[template.size] = result.by_size.get(template.size, 0) + 1
            result.by_namespace[template.namespace] = (
                result.by_namespace.get(template.namespace, 0) + 1
            )
            if status != 200:
                result.errors.append(
                    f"{template.route} {template.namespace}: HTTP {status} {raw[:200]!r}"
                )
            elif json.loads(raw) != template.expected:
                result.errors.append(f"{template.route} {template.namespace}: wrong answer")

    started = time.monotonic()
    sampler = asyncio.create_task(sample())
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    timeout = aiohttp.ClientTimeout(total=60)
    try:
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            await asyncio.wait_for(
                asyncio.gather(*(worker(session) for _ in range(CONCURRENCY))), 300
            )
    finally:
        done.set()
        await sampler
    result.seconds = time.monotonic() - started
    result.rss_end, result.hwm_end = rss_kib(pid)
    result.rss_peak = max(result.rss_peak, result.rss_end)
    return result


def _mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


async def test_two_runs_of_20000_requests_hold_without_errors_or_growth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setenv(KEY_ENV, key)
    config = write_config(tmp_path, load_profiles(tmp_path / "store"))
    templates = await make_templates(config)
    assert {t.size for t in templates} == {"small", "medium", "large"}

    async with serve("--config", str(config), "--port", "0", env={KEY_ENV: key}) as server:
        pid = server.process.pid
        first = await run_load(server.url, pid, templates, seed=1)
        second = await run_load(server.url, pid, templates, seed=2)
        for n, run in enumerate((first, second), 1):
            print(
                f"[load] run {n}: {run.requests} requests, concurrency {CONCURRENCY}, "
                f"{len(run.errors)} errors, {run.seconds:.1f} s; "
                f"RSS start {_mib(run.rss_start)}, peak {_mib(run.rss_peak)}, "
                f"end {_mib(run.rss_end)}, high-water {_mib(run.hwm_end)}; "
                f"sizes {run.by_size}; namespaces {run.by_namespace}"
            )
        for run in (first, second):
            assert run.errors == [], run.errors[:5]
            assert run.requests == REQUESTS_PER_RUN
            assert set(run.by_namespace) == set(NAMESPACES)
        growth = (second.hwm_end - first.hwm_end) / first.hwm_end
        print(f"[load] second run added {growth:.1%} to the peak RSS")
        assert growth < LEAK_TOLERANCE, (first.hwm_end, second.hwm_end)
        assert second.rss_peak < first.rss_peak * (1 + LEAK_TOLERANCE)
        records = server.log_records()
    assert len(records) == 2 * REQUESTS_PER_RUN
    assert all(r["status"] == 200 for r in records)


async def test_20000_requests_across_two_workers_without_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same load against ``serve --workers 2``: every answer right, both workers busy
    (the audit log names the process that answered each request)."""
    key = base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setenv(KEY_ENV, key)
    audit = tmp_path / "audit.jsonl"
    config = write_config(tmp_path, load_profiles(tmp_path / "store"), {"audit_log": str(audit)})
    templates = await make_templates(config)
    args = ("--config", str(config), "--port", "0", "--workers", "2")
    async with serve(*args, env={KEY_ENV: key}) as server:
        run = await run_load(server.url, server.process.pid, templates, seed=3)
        print(
            f"[load, 2 workers] {run.requests} requests, concurrency {CONCURRENCY}, "
            f"{len(run.errors)} errors, {run.seconds:.1f} s; RSS of the process tree: start "
            f"{_mib(run.rss_start)}, peak {_mib(run.rss_peak)}; namespaces {run.by_namespace}"
        )
        assert run.errors == [], run.errors[:5]
        assert run.requests == REQUESTS_PER_RUN
        assert set(run.by_namespace) == set(NAMESPACES)
    lines = await asyncio.to_thread(audit.read_text)
    by_worker: dict[int, int] = {}
    for line in lines.splitlines():
        record = json.loads(line)
        assert record["status"] == 200
        by_worker[record["pid"]] = by_worker.get(record["pid"], 0) + 1
    print(f"[load, 2 workers] answered per worker: {sorted(by_worker.values())}")
    assert sum(by_worker.values()) == REQUESTS_PER_RUN
    assert len(by_worker) == 2 and min(by_worker.values()) > 0, by_worker
