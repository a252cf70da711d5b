"""The load generator: runs a plan of steps against servers, in its own process.

Each step sends a fixed number of POSTs (after a few unmeasured warm-up ones) over
``concurrency`` keep-alive connections and measures requests/s over the step's wall time
and each request's latency (first byte sent to last byte read). Steps run strictly in the
plan's order, so the caller decides the interleaving (A B A B …). The first answer of each
step is saved so the caller can check that both servers said the same thing.

The client is a minimal HTTP/1.1 one on asyncio streams (requests prepared once, answers
read by ``Content-Length``): a general client costs about as much CPU per small request as
the servers under test, and would measure itself instead of them. It also records how much
CPU the server's process tree used per request, which a busy machine does not distort.

Usage: ``python -m bench.loadgen PLAN.json RESULTS.json``
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REQUEST_TIMEOUT = 120.0


@dataclass
class Step:
    """One measured batch: ``requests`` POSTs of ``bodies`` (cycled) to ``url``."""

    label: str
    url: str
    bodies: list[str]
    requests: int
    concurrency: int = 8
    warmup: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    save_first_answer: str | None = None
    server_pid: int | None = None


@dataclass
class Result:
    label: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    first_error: str | None
    bytes_in: int
    server_cpu_ms_per_request: float | None
    client_cpu_ms_per_request: float


class HttpError(Exception):
    """The server answered something this client cannot read."""


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and its live descendants (worker processes), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += cpu.get(current, 0.0)
        todo.extend(child for child, parent in parents.items() if parent == current)
    return total


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation: p99 of 100 samples is the 99th)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def prepare(url: str, headers: dict[str, str], body: bytes) -> bytes:
    """The whole request, head and body, ready to write."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [
        f"POST {target} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body, and whether the server keeps the connection open."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = {}
    for line in header_lines:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    keep_alive = headers.get("connection", "").lower() != "close"
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"])), keep_alive
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return status, b"".join(chunks), keep_alive
            chunks.append(chunk[:-2])
    raise HttpError(f"answer without a length (status {status})")


class Connection:
    """One keep-alive connection, reopened when the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, prepared: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port, limit=1 << 20
            )
        assert self.reader is not None
        self.writer.write(prepared)
        status, body, keep_alive = await read_response(self.reader)
        if not keep_alive:
            await self.close()
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None


async def run_step(step: Step, bodies: list[bytes]) -> tuple[Result, bytes | None]:
    parts = urlsplit(step.url)
    assert parts.hostname is not None and parts.port is not None
    requests = [prepare(step.url, step.headers, body) for body in bodies]
    connections = [Connection(parts.hostname, parts.port) for _ in range(step.concurrency)]
    latencies: list[float] = []
    errors = 0
    first_error: str | None = None
    bytes_in = 0
    first_answer: bytes | None = None

    async def worker(connection: Connection, queue: list[int], measured: bool) -> None:
        nonlocal errors, first_error, bytes_in, first_answer
        while queue:
            index = queue.pop()
            start = time.perf_counter()
            status, answer = await asyncio.wait_for(
                connection.request(requests[index % len(requests)]), REQUEST_TIMEOUT
            )
            elapsed = time.perf_counter() - start
            if status != 200:
                errors += 1
                first_error = first_error or f"{status}: {answer[:300]!r}"
            elif first_answer is None:
                first_answer = answer
            if measured:
                latencies.append(elapsed)
                bytes_in += len(answer)

    async def phase(count: int, offset: int, measured: bool) -> float:
        queue = list(range(offset + count - 1, offset - 1, -1))  # popped in order
        start = time.perf_counter()
        workers = connections[: min(step.concurrency, count)]
        await asyncio.gather(*(worker(c, queue, measured) for c in workers))
        return time.perf_counter() - start

    try:
        if step.warmup:
            await phase(step.warmup, 0, measured=False)
        cpu_before = tree_cpu_seconds(step.server_pid) if step.server_pid else 0.0
        client_before = time.process_time()
        seconds = await phase(step.requests, step.warmup, measured=True)
        client_ms = 1000 * (time.process_time() - client_before) / step.requests
        cpu_ms = (
            1000 * (tree_cpu_seconds(step.server_pid) - cpu_before) / step.requests
            if step.server_pid
            else None
        )
    finally:
        for connection in connections:
            await connection.close()
    result = Result(
        label=step.label,
        requests=step.requests,
        seconds=seconds,
        rps=step.requests / seconds,
        p50_ms=1000 * statistics.median(latencies),
        p99_ms=1000 * percentile(latencies, 0.99),
        errors=errors,
        first_error=first_error,
        bytes_in=bytes_in,
        server_cpu_ms_per_request=cpu_ms,
        client_cpu_ms_per_request=client_ms,
    )
    return result, first_answer


async def run_plan(
    steps: list[Step], bodies: dict[str, bytes]
) -> list[tuple[Result, bytes | None]]:
    return [await run_step(step, [bodies[p] for p in step.bodies]) for step in steps]


def main() -> None:
    plan_path, out_path = Path(sys.argv[1]), Path(sys.argv[2])
    steps = [Step(**s) for s in json.loads(plan_path.read_text())]
    bodies = {p: Path(p).read_bytes() for step in steps for p in step.bodies}
    results = asyncio.run(run_plan(steps, bodies))
    for step, (_, answer) in zip(steps, results, strict=True):
        if step.save_first_answer and answer is not None:
            Path(step.save_first_answer).write_bytes(answer)
    out_path.write_text(json.dumps([asdict(r) for r, _ in results], indent=1))


if __name__ == "__main__":
    main()
