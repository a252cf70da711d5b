"""Helpers for the server tests: SDK-made payloads, proto JSON bodies, configs, and
``payload-inspector serve`` as a real subprocess."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

from inspector.config import Config, load_config
from tests.support.processes import communicate_bounded

WEB_UI_ORIGIN = "http://localhost:8233"
REPO_ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"^listening on (https?)://([^\s/]+):(\d+)$")


def to_json(payloads: Sequence[Payload]) -> dict[str, Any]:
    """A ``Payloads`` proto JSON document, as the Web UI and CLI send it."""
    return json_format.MessageToDict(Payloads(payloads=list(payloads)))


def from_json(document: Mapping[str, Any]) -> list[Payload]:
    return list(json_format.ParseDict(document, Payloads()).payloads)


def write_config(directory: Path, text: str, name: str = "config.toml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def config_from(directory: Path, text: str) -> Config:
    """Write ``text`` as a config file and load it the way ``--config`` does."""
    return load_config(write_config(directory, text))


def stored_blobs(store: Path) -> list[Path]:
    """The blob files of a filesystem store (``sha256/<xx>/<hex>``)."""
    return sorted(store.glob("sha256/*/*"))


def toml_path(path: Path) -> str:
    """A path as a TOML string literal."""
    return json.dumps(str(path))


@dataclass
class Answer:
    status: int
    body: Any
    headers: Mapping[str, str]
    raw: bytes = b""

    @property
    def payloads(self) -> list[Payload]:
        return from_json(self.body)


async def post(
    client: Any,
    path: str,
    payloads: Sequence[Payload] | bytes | Mapping[str, Any],
    *,
    namespace: str | None = None,
    headers: Mapping[str, str] | None = None,
    content_type: str = "application/json",
) -> Answer:
    """POST a body (payloads, a JSON document, or raw bytes) to a test client or a URL
    (``client`` an ``aiohttp.ClientSession`` when ``path`` is absolute)."""
    if isinstance(payloads, bytes):
        data = payloads
    elif isinstance(payloads, Mapping):
        data = json.dumps(payloads).encode()
    else:
        data = json.dumps(to_json(payloads)).encode()
    sent = {"Content-Type": content_type, **(headers or {})}
    if namespace is not None:
        sent["X-Namespace"] = namespace
    async with client.post(path, data=data, headers=sent) as response:
        raw = await response.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        return Answer(response.status, body, dict(response.headers), raw)


def assert_error(answer: Answer, status: int, *, index: Any = None, stage: Any = None) -> str:
    """The JSON error shape, with the status, index and stage expected; returns the message."""
    assert answer.status == status, (answer.status, answer.body)
    assert isinstance(answer.body, dict), answer.body
    assert set(answer.body) == {"error", "index", "stage"}, answer.body
    assert answer.body["index"] == index, answer.body
    assert answer.body["stage"] == stage, answer.body
    message = answer.body["error"]
    assert isinstance(message, str) and message and "\n" not in message
    assert "Traceback" not in message
    return message


# -- `payload-inspector serve` as a subprocess -------------------------------------------


@dataclass
class ServeProcess:
    """A running ``payload-inspector serve``; stderr is collected line by line."""

    process: asyncio.subprocess.Process
    url: str
    scheme: str
    host: str
    port: int
    stderr_lines: list[str] = field(default_factory=list)

    def log_records(self) -> list[dict[str, Any]]:
        """The JSON request-log lines written so far."""
        records = []
        for line in self.stderr_lines:
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict) and "status" in record:
                    records.append(record)
        return records


def serve_argv(*args: str) -> list[str]:
    """The ``payload-inspector`` console script of this venv (``-m`` as a fallback)."""
    script = Path(sys.executable).with_name("payload-inspector")
    if script.exists():
        return [str(script), "serve", *args]
    return [sys.executable, "-m", "inspector.cli", "serve", *args]


def serve_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Our environment plus the repo on PYTHONPATH (for ``tests.server.plugins``)."""
    env = dict(os.environ)
    env.pop("PAYLOAD_INSPECTOR_CONFIG", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env.update(extra or {})
    return env


async def _pump(stream: asyncio.StreamReader, into: list[str]) -> None:
    while True:
        line = await stream.readline()
        if not line:
            return
        into.append(line.decode(errors="replace").rstrip("\n"))


@contextlib.asynccontextmanager
async def serve(
    *args: str,
    env: Mapping[str, str] | None = None,
    start_timeout: float = 30.0,
    fd_limit: int | None = None,
) -> AsyncIterator[ServeProcess]:
    """Start ``payload-inspector serve ARGS``, wait for its ``listening on`` line, and on
    exit stop it with SIGTERM and check that it exits cleanly (code 0). ``fd_limit`` starts
    it with that ``RLIMIT_NOFILE`` (soft and hard), as a host with few descriptors would."""
    process = await asyncio.create_subprocess_exec(
        *serve_argv(*args),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=serve_env(env),
        cwd=REPO_ROOT,
        preexec_fn=None if fd_limit is None else _nofile_limit(fd_limit),
    )
    assert process.stdout is not None and process.stderr is not None
    stderr_lines: list[str] = []
    pump = asyncio.create_task(_pump(process.stderr, stderr_lines))
    try:
        try:
            first = await asyncio.wait_for(process.stdout.readline(), start_timeout)
        except TimeoutError:
            raise AssertionError(
                f"serve printed nothing in {start_timeout}s: {stderr_lines}"
            ) from None
        line = first.decode().rstrip("\n")
        match = LISTENING.match(line)
        if match is None:
            await asyncio.wait_for(process.wait(), 10)
            await asyncio.wait_for(pump, 5)
            raise AssertionError(f"unexpected first line {line!r}; stderr: {stderr_lines}")
        scheme, host, port = match.group(1), match.group(2), int(match.group(3))
        running = ServeProcess(process, line.split(" ", 2)[2], scheme, host, port, stderr_lines)
        yield running
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 15)
        assert code == 0, (code, stderr_lines[-5:])
        await asyncio.wait_for(pump, 5)
        assert not any("Traceback" in line for line in stderr_lines), stderr_lines
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(process.wait(), 10)
        pump.cancel()
        with contextlib.suppress(BaseException):
            await pump


def _nofile_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:  # runs in the child, between fork and exec
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    return apply


async def run_serve_expecting_exit(
    *args: str, env: Mapping[str, str] | None = None, wait_seconds: float = 30.0
) -> tuple[int, str, str]:
    """Run ``serve`` that is expected to exit by itself (bad config, busy port)."""
    code, out, err = await communicate_bounded(
        serve_argv(*args), env=serve_env(env), cwd=REPO_ROOT, limit=wait_seconds
    )
    return code, out.decode(), err.decode()


# -- TLS ----------------------------------------------------------------------------------


def make_self_signed(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, made with ``cryptography``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "payload-inspector test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def client_session(**kwargs: Any) -> aiohttp.ClientSession:
    """A session with a bounded total timeout (every wait in tests is bounded)."""
    kwargs.setdefault("timeout", aiohttp.ClientTimeout(total=60))
    return aiohttp.ClientSession(**kwargs)
