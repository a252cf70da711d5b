"""Fixtures for the browser end-to-end tests: the real stack, all on 127.0.0.1.

``webui_stack`` (package scope) starts, in this order (the dev server must know the codec
endpoint when it starts, and our server must know the UI's origin):

1. moto's S3 server (the session ``moto_s3``) and a fresh bucket;
2. ``payload-inspector serve --port 0`` (a real subprocess) with two profiles —
   ``orders``: gzip + the SDK's S3 driver, for namespace ``default``;
   ``vault``: aes-gcm (key from an environment variable) + our filesystem store, for
   namespace ``e2e-vault`` — allowing the UI's origin (``127.0.0.1`` and ``localhost``);
3. ``temporal server start-dev`` with its Web UI and ``--ui-codec-endpoint`` = our server;
4. a real worker per namespace (SDK ``DataConverter`` with the same codecs and storage)
   running ``InspectorSampleWorkflow``: small input and result, a large activity result
   that goes to external storage.

Then ``page`` gives each test a fresh browser context in headless Debian Chromium driven by
Playwright's *sync* API (the tests are plain functions: no asyncio loop runs while they do;
async setup runs on a helper thread through ``run_sync``).

Screenshots go to ``artifacts/e2e/`` (git-ignored); a failing test leaves one there too.
"""

from __future__ import annotations

import base64
import contextlib
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import (
    CHROMIUM_ARGS,
    VIEWPORT,
    chromium_path,
    full_page_screenshot,
    require_playwright,
)
from tests.e2e.stack import (
    AES_KEY_ENV,
    VAULT_NAMESPACE,
    E2ENamespace,
    WebUIStack,
    run_workflows,
    stack_config,
)
from tests.support.aio import run_sync
from tests.support.ports import LOOPBACK
from tests.support.s3 import MotoS3, fresh_bucket
from tests.support.sdk_storage import FILESYSTEM_DRIVER_NAME
from tests.support.serve import ServeProcess
from tests.support.temporal_server import TemporalDevServer

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"


@pytest.fixture(scope="package")
def webui_stack(moto_s3: MotoS3, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebUIStack]:
    chromium_path()  # skip (or fail in CI) before starting anything when there is no browser
    require_playwright()
    tmp = tmp_path_factory.mktemp("e2e")
    bucket = fresh_bucket(moto_s3, "inspector-e2e")
    store = tmp / "store"
    store.mkdir()
    key = os.urandom(32)
    config = stack_config(tmp, bucket, store)

    # Ports first: the dev server picks its UI port on construction, our server needs it.
    dev = TemporalDevServer(
        tmp / "temporal",
        ui=True,
        namespaces=[VAULT_NAMESPACE],
        search_attributes={"InspectorTag": "Keyword"},
    )
    serve = ServeProcess.for_config(
        config,
        allow_origins=(f"http://127.0.0.1:{dev.ui_port}", f"http://localhost:{dev.ui_port}"),
        env={AES_KEY_ENV: base64.b64encode(key).decode()},
        log_path=tmp / "serve.stderr.log",
    )
    with contextlib.ExitStack() as stack:
        stack.callback(serve.stop)
        serve.start()
        dev.ui_codec_endpoint = serve.url
        stack.callback(dev.stop)
        dev.start()
        orders, vault = run_sync(lambda: run_workflows(dev, bucket, key, store, tmp), timeout=240)
        yield WebUIStack(
            moto=moto_s3,
            serve=serve,
            dev=dev,
            namespaces={
                "default": E2ENamespace("default", "orders", "binary/gzip", "aws.s3driver", orders),
                VAULT_NAMESPACE: E2ENamespace(
                    VAULT_NAMESPACE, "vault", "binary/encrypted", FILESYSTEM_DRIVER_NAME, vault
                ),
            },
        )
        if not moto_s3.running:  # a failed outage test must not leave S3 down for others
            moto_s3.start()


# -- the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser(webui_stack: WebUIStack) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(executable),
            headless=True,
            args=list(CHROMIUM_ARGS),
            timeout=60_000,
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so ``page`` can tell a failed test."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh context and page (downloads accepted); a screenshot if the test fails."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(20_000)
    context.set_default_navigation_timeout(30_000)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            with contextlib.suppress(Exception):
                full_page_screenshot(page, ARTIFACTS / f"FAILED-{request.node.name}.png")
        context.close()


@pytest.fixture(scope="package")
def _fresh_artifacts() -> Path:
    """Screenshots of an earlier run must not pass for this one's."""
    if ARTIFACTS.is_dir():
        for old in ARTIFACTS.iterdir():
            if old.is_file() and old.suffix in (".png", ".json"):
                old.unlink()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def artifacts(_fresh_artifacts: Path) -> Path:
    """``artifacts/e2e/``: where each step's screenshot goes (git-ignored)."""
    return _fresh_artifacts


# -- a foreign origin ----------------------------------------------------------------------


class _BlankPage(http.server.BaseHTTPRequestHandler):
    """Serves one empty HTML page: an origin our server was never told about."""

    def do_GET(self) -> None:
        body = b"<!doctype html><title>foreign origin</title><body><h1>foreign origin</h1></body>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="package")
def foreign_origin() -> Iterator[str]:
    """``http://127.0.0.1:<port>`` serving a blank page, not in the allowed origins."""
    server = http.server.ThreadingHTTPServer((LOOPBACK, 0), _BlankPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="foreign-origin")
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
