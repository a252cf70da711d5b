"""The OpenAPI description against the implementation.

- It is a valid OpenAPI 3 document, served at ``GET /openapi.json`` without a token.
- Every error status it documents is provoked on a real ``serve``, and every answer —
  those and the successes — matches the documented schema for its route and status.
- schemathesis fuzzes each operation from the description (a fixed number of examples, no
  example database): no answer may be a 500, undocumented, or off its schema.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from inspector import __version__
from inspector.server.openapi import build_spec, spec_json
from tests.support.config import Profiles, filesystem_storage, profile, write_config
from tests.support.drivers import stub_codec, stub_storage
from tests.support.serve import ServeProcess, serving

SPEC = build_spec()
schema = schemathesis.openapi.from_dict(SPEC)
FUZZ_EXAMPLES = 80


def fuzz_profiles(tmp: Path) -> Profiles:
    """One profile for every namespace, storing anything over 64 bytes."""
    storage = filesystem_storage(tmp / "store", threshold=64, timeout_seconds=5)
    return {"default": profile(namespaces=["*"], storage=storage)}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    tmp = tmp_path_factory.mktemp("openapi")
    config = write_config(tmp, fuzz_profiles(tmp))
    with serving("--config", str(config), "--port", "0") as server:
        yield server


def test_the_description_is_valid_openapi_3(tmp_path: Path) -> None:
    # openapi-spec-validator imports pydantic, which cannot be imported once PySide6 is
    # (pytest-qt loads it): validate in a clean interpreter.
    spec = tmp_path / "openapi.json"
    spec.write_bytes(spec_json())
    check = (
        "import json, sys; from openapi_spec_validator import validate; "
        "validate(json.load(open(sys.argv[1]))); print('valid')"
    )
    done = subprocess.run(
        [sys.executable, "-c", check, str(spec)], capture_output=True, timeout=60, check=False
    )
    assert done.stdout.strip() == b"valid", done.stderr.decode()[-2000:]
    assert SPEC["info"]["version"] == __version__
    assert set(SPEC["paths"]) == {"/encode", "/decode", "/download", "/healthz", "/openapi.json"}


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_fuzzed_requests_get_documented_answers(
    case: schemathesis.Case, live: ServeProcess
) -> None:
    # /download takes only storage references, which a JSON schema cannot say: a valid
    # Payloads of other payloads is rightly a 400 there.
    excluded = [positive_data_acceptance] if case.operation.path == "/download" else []
    case.call_and_validate(base_url=live.url, excluded_checks=excluded)


# ------------------------------------------- every documented status, provoked for real

TOKEN = "conformance-token"


def conformance_profiles(tmp: Path) -> Profiles:
    """A profile for each documented failure: a codec that raises, storage that is
    missing, broken, slow or raising (the stubs in ``tests.support.drivers``)."""

    def python_store(driver: str, timeout: float = 10) -> Mapping[str, Any]:
        return stub_storage(driver, threshold=16, timeout_seconds=timeout)

    return {
        "codec": profile([stub_codec("RaisingCodec")], namespaces=["codec"]),
        "default": profile(
            namespaces=["default"], storage=filesystem_storage(tmp / "store", threshold=64)
        ),
        "nostore": profile(namespaces=["nostore"]),
        "broken": profile(namespaces=["broken"], storage=python_store("BrokenStoreDriver")),
        "slowstore": profile(namespaces=["slowstore"], storage=python_store("SlowStoreDriver", 1)),
        "slow": profile(namespaces=["slow"], storage=python_store("SlowDriver", 1)),
        "raising": profile(namespaces=["raising"], storage=python_store("RaisingDriver")),
    }


CONFORMANCE_SERVER = {"token": TOKEN, "max_body_bytes": 200000}


def to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema → JSON Schema: ``$ref`` inlined, ``nullable`` as a null branch."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return to_json_schema(target)
    out = {
        key: {name: to_json_schema(sub) for name, sub in value.items()}
        if key == "properties"
        else to_json_schema(value)
        for key, value in node.items()
        if key not in ("nullable", "format", "description")
    }
    return {"anyOf": [out, {"type": "null"}]} if node.get("nullable") else out


def documented(path: str, method: str, status: int) -> dict[str, Any]:
    responses = SPEC["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path} answered {status}, not in the description"
    response = responses[str(status)]
    if "$ref" in response:
        response = to_json_schema(response)
    return response


def body(payloads: list[dict[str, Any]]) -> bytes:
    return json.dumps({"payloads": payloads}).encode()


def plain(data: bytes = b'"hello"', **metadata: bytes) -> dict[str, Any]:
    meta = {"encoding": b"json/plain", **metadata}
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in meta.items()},
        "data": base64.b64encode(data).decode(),
    }


def stalled_body(url: str, route: str) -> tuple[int, Any]:
    """POST a body that stops arriving a tenth of the way; the status and JSON answered."""
    host, port = urlsplit(url).hostname, urlsplit(url).port
    assert host is not None and port is not None
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(
            f"POST {route} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {TOKEN}\r\nContent-Length: 100\r\n\r\n".encode()
            + b'{"payloads"'
        )
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, error = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(error)


def test_every_documented_status_is_produced_and_matches(tmp_path: Path) -> None:
    from tests.support.drivers import REFUSE_METADATA, STORE_ENV

    store = tmp_path / "fault-store"
    store.mkdir()
    config = write_config(tmp_path, conformance_profiles(tmp_path), CONFORMANCE_SERVER)
    big = plain(os.urandom(300).hex().encode())
    seen: set[tuple[str, str, int]] = set()
    with (
        serving("--config", str(config), "--port", "0", env={STORE_ENV: str(store)}) as server,
        requests.Session() as http,
    ):

        def call(
            method: str,
            path: str,
            status: int,
            data: bytes | None = None,
            namespace: str | None = None,
            auth: bool = True,
            **headers: str,
        ) -> Any:
            sent = {"Content-Type": "application/json", **headers}
            if auth:
                sent["Authorization"] = f"Bearer {TOKEN}"
            if namespace is not None:
                sent["X-Namespace"] = namespace
            answer = http.request(method, server.url + path, data=data, headers=sent, timeout=30)
            assert answer.status_code == status, (method, path, answer.status_code, answer.text)
            response = documented(path.split("?")[0], method, status)
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            if schema is not None and method != "HEAD":
                jsonschema.validate(answer.json(), to_json_schema(schema))
            seen.add((path.split("?")[0], method, status))
            return answer.json() if answer.content and method != "HEAD" else None

        def reference(namespace: str) -> dict[str, Any]:
            return call("POST", "/encode", 200, body([big]), namespace)["payloads"][0]

        routes = ("/encode", "/decode", "/download")
        for route in routes:
            call("POST", route, 400, b"{not json")
            call("POST", route, 401, body([]), auth=False)
            call("POST", route, 403, body([]), Origin="http://evil.example")
            call("POST", route, 404, body([]), namespace="nobody-serves-this")
            call("POST", route, 413, body([plain(b"x" * 300_000)]))
            call("POST", route, 415, body([]), **{"Content-Encoding": "br"})
            call(
                "OPTIONS",
                route,
                204,
                Origin="http://localhost:8233",
                **{"Access-Control-Request-Method": "POST"},
            )
            call("OPTIONS", route, 403, Origin="http://evil.example")
        call("POST", "/encode", 200, body([plain(), big]))
        call("POST", "/encode", 422, body([plain(**{REFUSE_METADATA: b"1"})]), "codec")
        call("POST", "/encode", 502, body([big]), "broken")
        call("POST", "/encode", 504, body([big]), "slowstore")
        stored = reference("default")
        call("POST", "/decode?preserveStorageRefs=true", 200, body([stored]))
        call("POST", "/decode", 200, body([stored]))
        wrapped = call("POST", "/encode", 200, body([plain()]), "codec")["payloads"]
        call("POST", "/decode", 422, body([*wrapped[:1], plain()]), "codec")
        call("POST", "/decode", 502, body([reference("raising")]), "raising")
        call("POST", "/decode", 504, body([reference("slow")]), "slow")
        call("POST", "/download", 200, body([stored]))
        call("POST", "/download", 400, body([plain()]))
        call("POST", "/download", 404, body([stored]), "nostore")
        missing = json.loads(json.dumps(stored))
        missing_ref = json.loads(base64.b64decode(missing["data"]))
        missing_ref["claimData"]["key"] = "sha256/" + "0" * 64
        missing_ref["claimData"]["hash_value"] = "0" * 64
        missing["data"] = base64.b64encode(json.dumps(missing_ref).encode()).decode()
        call("POST", "/download", 422, body([missing]))
        call("POST", "/download", 502, body([reference("raising")]), "raising")
        call("POST", "/download", 504, body([reference("slow")]), "slow")
        for path in ("/healthz", "/openapi.json"):
            call("GET", path, 200, auth=False)
            call("HEAD", path, 200, auth=False)
            call("GET", path, 403, auth=False, Host="evil.example")
            call("HEAD", path, 403, auth=False, Origin="http://evil.example")
            call("OPTIONS", path, 204, auth=False)
            call("OPTIONS", path, 403, auth=False, Host="evil.example")
        served = call("GET", "/openapi.json", 200, auth=False)
        assert served == SPEC
        with ThreadPoolExecutor(3) as pool:  # each waits out the body timeout: all at once
            for route, (status, error) in zip(
                routes, pool.map(lambda r: stalled_body(server.url, r), routes), strict=True
            ):
                assert status == 408, (route, status, error)
                schema = documented(route, "POST", 408)["content"]["application/json"]["schema"]
                jsonschema.validate(error, to_json_schema(schema))
                seen.add((route, "POST", 408))

    described = {
        (path, method.upper(), int(status))
        for path, item in SPEC["paths"].items()
        for method, operation in item.items()
        for status in operation["responses"]
    }
    assert described - seen == set(), "documented but never seen"
