"""Talking to the codec server as the Web UI and CLI do: proto JSON bodies, a POST that
keeps status, headers and body, the JSON error shape, a bounded client session and a
self-signed certificate for TLS.

Both the in-process test clients (``aiohttp_client``) and a real ``serve`` are reached
through ``post``, so one assertion helper checks both."""

from __future__ import annotations

import datetime
import ipaddress
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

WEB_UI_ORIGIN = "http://localhost:8233"

# ``make_client(config, **create_app_kwargs)`` → an aiohttp ``TestClient`` (tests/conftest.py).
ClientFactory = Callable[..., Awaitable[Any]]


def to_json(payloads: Sequence[Payload]) -> dict[str, Any]:
    """A ``Payloads`` proto JSON document, as the Web UI and CLI send it."""
    return json_format.MessageToDict(Payloads(payloads=list(payloads)))


def from_json(document: Mapping[str, Any]) -> list[Payload]:
    """The payloads of a ``Payloads`` proto JSON document (what the server answers)."""
    return list(json_format.ParseDict(document, Payloads()).payloads)


def stored_blobs(store: Path) -> list[Path]:
    """The blob files of a filesystem store (``sha256/<xx>/<hex>``)."""
    return sorted(store.glob("sha256/*/*"))


@dataclass
class Answer:
    """One answer, whole: tests check the status, the JSON body and the headers together."""

    status: int
    body: Any
    headers: Mapping[str, str]
    raw: bytes = b""

    @property
    def payloads(self) -> list[Payload]:
        """The answer's payloads (for a 200)."""
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


@dataclass
class RawAnswer:
    """One HTTP/1.1 answer as its bytes came: for requests no client library would send."""

    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes


def parse_raw_answer(data: bytes) -> RawAnswer:
    """Status line, headers and body of the bytes a server sent back on a raw socket."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return RawAnswer(int(lines[0].split()[1]), headers, body)


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
