"""The Web UI's request shape with "pass access token", in headless Chromium, against
``serve --workers 2`` with ``[server.jwt]``: a preflight, then a credentialed POST carrying
the SSO access token (``Authorization``) and the ID token (``Authorization-Extras``).

The page is served from a loopback origin the server allows; the tokens are minted here
with PyJWT and verified by the server against a JWKS on loopback. The browser must read
every answer — 200, and the 401/403 errors with their reasons — which it only can when the
server's CORS headers are right on each of them.
"""

from __future__ import annotations

import base64
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import CHROMIUM_ARGS, chromium_path, require_playwright
from tests.support.config import profile, write_config
from tests.support.jwks import JwksServer, SigningKey, jwks_server, jwt_table
from tests.support.ports import LOOPBACK
from tests.support.serve import ServeProcess

pytestmark = pytest.mark.e2e

VALUE = {"order": 42, "note": "paid"}
BODY = {
    "payloads": [
        {
            "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
            "data": base64.b64encode(json.dumps(VALUE).encode()).decode(),
        }
    ]
}

_FETCH = """async ({url, namespace, body, access, extras}) => {
    const headers = {'Content-Type': 'application/json', 'X-Namespace': namespace};
    if (access) headers['Authorization'] = `Bearer ${access}`;
    if (extras) headers['Authorization-Extras'] = extras;
    try {
        const response = await fetch(url, {method: 'POST', credentials: 'include', body, headers});
        return {status: response.status, body: await response.json()};
    } catch (error) {
        return {error: String(error)};
    }
}"""


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>team ui</title><body>team ui</body>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def ui_origin() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer((LOOPBACK, 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="team-ui")
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def chromium_page(ui_origin: str) -> Iterator[Any]:
    executable = chromium_path()
    require_playwright()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(executable), headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            page = browser.new_context().new_page()
            page.goto(ui_origin, timeout=30_000)
            yield page
        finally:
            browser.close()


@pytest.fixture(scope="module")
def keys() -> tuple[SigningKey, SigningKey]:
    return SigningKey.rsa("access-key"), SigningKey.ec("id-key")


@pytest.fixture(scope="module")
def idp(keys: tuple[SigningKey, SigningKey]) -> Iterator[JwksServer]:
    with jwks_server(keys) as server:
        yield server


@pytest.fixture(scope="module")
def team_server(
    tmp_path_factory: pytest.TempPathFactory, idp: JwksServer, ui_origin: str
) -> Iterator[ServeProcess]:
    tmp = tmp_path_factory.mktemp("team")
    config = write_config(
        tmp,
        {"payments": profile(namespaces=["payments"], readers=["*@example.com"])},
        {"jwt": jwt_table(idp.url), "audit_log": str(tmp / "audit.jsonl")},
    )
    server = ServeProcess.for_config(config, allow_origins=[ui_origin])
    server.args = [*server.args, "--workers", "2"]
    server.start()
    try:
        yield server
    finally:
        server.stop_cleanly()


def _fetch(page: Any, url: str, access: str | None, extras: str | None = None) -> Any:
    return page.evaluate(
        _FETCH,
        {
            "url": url,
            "namespace": "payments",
            "body": json.dumps(BODY),
            "access": access,
            "extras": extras,
        },
    )


def test_preflight_then_credentialed_post_with_the_sso_tokens(
    chromium_page: Any, team_server: ServeProcess, keys: tuple[SigningKey, SigningKey]
) -> None:
    access_key, id_key = keys
    url = f"{team_server.url}/payments/decode"
    access = access_key.mint(sub="sso|alice")  # no email in the access token ...
    id_token = id_key.mint(sub="sso|alice", aud="ui-client", email="alice@example.com")
    mark = team_server.mark()
    answer = _fetch(chromium_page, url, access, id_token)  # ... the ID token has it
    assert answer.get("status") == 200, answer
    (decoded,) = answer["body"]["payloads"]
    assert json.loads(base64.b64decode(decoded["data"])) == VALUE
    records = team_server.records_since(mark)
    preflight = next(r for r in records if r["method"] == "OPTIONS")
    assert preflight["status"] == 204 and preflight["path"] == "/payments/decode"
    assert any(r["method"] == "POST" and r["status"] == 200 for r in records)


@pytest.mark.parametrize(
    ("who", "status", "reason"),
    [
        ("outsider", 403, "may not read namespace 'payments'"),
        ("expired", 401, "expired"),
        ("none", 401, "no token"),
    ],
)
def test_the_browser_reads_refusals_and_their_reasons(
    chromium_page: Any,
    team_server: ServeProcess,
    keys: tuple[SigningKey, SigningKey],
    who: str,
    status: int,
    reason: str,
) -> None:
    access_key, _ = keys
    token = {
        "outsider": access_key.mint(sub="sso|eve", email="eve@elsewhere.org"),
        "expired": access_key.mint(sub="sso|alice", email="alice@example.com", expires_in=-600),
        "none": None,
    }[who]
    answer = _fetch(chromium_page, f"{team_server.url}/payments/decode", token)
    assert answer.get("status") == status, answer
    assert reason in answer["body"]["error"]


def test_the_audit_log_names_the_browser_user(
    chromium_page: Any, team_server: ServeProcess, keys: tuple[SigningKey, SigningKey]
) -> None:
    access_key, _ = keys
    token = access_key.mint(sub="sso|bob", email="bob@example.com")
    assert _fetch(chromium_page, f"{team_server.url}/payments/decode", token)["status"] == 200
    audit = Path(team_server.args[1]).parent / "audit.jsonl"
    for _ in range(100):
        lines = [json.loads(line) for line in audit.read_text().splitlines()]
        if any(r["subject"] == "sso|bob" for r in lines):
            break
        chromium_page.wait_for_timeout(50)
    bob = [r for r in lines if r["subject"] == "sso|bob"]
    assert bob and bob[-1]["email"] == "bob@example.com" and bob[-1]["status"] == 200
    assert token not in audit.read_text()
