"""The Temporal Web UI, in headless Chromium, decoding through ``payload-inspector serve``.

Each test does what a user would and checks what the user would see, what the Web UI sent,
and what our server answered (its request log). A full-page screenshot of each step lands
in ``artifacts/e2e/``. The README's two Web UI images are copies of two of them:
``step1-workflow-default.png`` → ``docs/screenshots/webui-decoded.png`` and
``step2-reference-default.png`` → ``docs/screenshots/webui-external-payload.png``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import full_page_screenshot, require_playwright
from tests.e2e.stack import VAULT_NAMESPACE, E2ENamespace, WebUIStack

require_playwright(module_level=True)

from playwright.sync_api import Page, expect  # noqa: E402

from tests.e2e.webui import (  # noqa: E402
    CODEC_BANNER,
    DOWNLOAD_FAILED,
    STORED_EXTERNALLY,
    CodecTraffic,
    WorkflowPage,
    code_text,
    wait_for_json,
    workflow_url,
)

pytestmark = pytest.mark.e2e

NAMESPACES = ["default", VAULT_NAMESPACE]
ENCODED_MARKERS = ("binary/gzip", "binary/encrypted")


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _open_decoded(page: Page, stack: WebUIStack, ns: E2ENamespace) -> WorkflowPage:
    """Open the run's page and wait until the codec's answers are on it."""
    run = ns.run
    wf = WorkflowPage(page).open(workflow_url(stack.ui_url, ns.name, run.workflow_id, run.run_id))
    assert wait_for_json(wf.input_editor, run.expected.input) == run.expected.input
    assert wait_for_json(wf.result_editor, run.expected.result) == run.expected.result
    return wf


def _assert_sent_like_the_web_ui(traffic: CodecTraffic, namespace: str) -> None:
    """What the Web UI sends: POST, ?preserveStorageRefs=true, JSON, X-Namespace — answered 200."""
    assert traffic.calls, "the Web UI never called the codec server"
    for call in traffic.calls:
        assert call.method == "POST", call
        assert call.query.get("preserveStorageRefs") == ["true"], call
        assert call.headers.get("content-type") == "application/json", call
        assert call.headers.get("x-namespace") == namespace, call
        assert "authorization" not in call.headers, call  # http:// endpoint: no token sent
        assert call.status == 200, call


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_workflow_page_shows_decoded_input_and_result(
    page: Page, webui_stack: WebUIStack, artifacts: Path, namespace: str
) -> None:
    ns = webui_stack.namespaces[namespace]
    started = ns.run.events("WorkflowExecutionStarted")[0]
    stored_input = started["workflowExecutionStartedEventAttributes"]["input"]["payloads"][0]
    assert base64.b64decode(stored_input["metadata"]["encoding"]).decode() == ns.encoding
    traffic = CodecTraffic(webui_stack.codec_url).attach(page)

    wf = _open_decoded(page, webui_stack, ns)
    traffic.wait_idle(page)

    text = wf.body_text()
    html = page.content()
    for marker in ENCODED_MARKERS:
        assert marker not in text, f"{marker} left on the page"
        assert _b64(marker) not in html, f"{marker} (base64) left in the page"
    assert ns.run.expected.input["customer"] in text
    expect(page.get_by_test_id("data-encoder-status-success")).to_be_attached()

    _assert_sent_like_the_web_ui(traffic, namespace)
    assert traffic.of("decode")
    assert not traffic.of("download"), "a page load fetched a reference"
    full_page_screenshot(page, artifacts / f"step1-workflow-{namespace}.png")


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_download_button_fetches_the_stored_activity_result(
    page: Page, webui_stack: WebUIStack, artifacts: Path, namespace: str
) -> None:
    ns = webui_stack.namespaces[namespace]
    run = ns.run
    traffic = CodecTraffic(webui_stack.codec_url).attach(page)
    wf = _open_decoded(page, webui_stack, ns)

    row = wf.event_row(ns.stored_event_id)
    expect(row).to_contain_text("Activity Task Completed")
    expect(row).to_contain_text(STORED_EXTERNALLY)
    match = STORED_EXTERNALLY.search(row.inner_text())
    assert match is not None
    size_label = match.group(1)

    wf.expand_event(ns.stored_event_id)
    reference = wf.reference_editor()
    expect(reference).to_be_visible()
    claim = json.loads(code_text(reference))
    assert claim["driverName"] == ns.driver_name
    assert claim["claimData"]["hash_algorithm"] == "sha256"
    button = wf.download_button()
    expect(button).to_have_count(1)
    expect(button).to_have_text(size_label)
    expect(button).to_be_enabled()
    traffic.wait_idle(page)
    assert not traffic.of("download"), "expanding the event fetched the reference"
    full_page_screenshot(page, artifacts / f"step2-reference-{namespace}.png")

    mark = webui_stack.serve.mark()
    with page.expect_download(timeout=30_000) as info:
        button.click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == (
        f"payload-wf-{run.workflow_id}-run-{run.run_id}-event-{ns.stored_event_id}-result.json"
    )
    saved = artifacts / f"step2-downloaded-{namespace}.json"
    download.save_as(saved)
    assert json.loads(saved.read_text(encoding="utf-8")) == run.expected.large_result

    (call,) = traffic.of("download")
    assert call.status == 200
    assert call.query.get("preserveStorageRefs") == ["true"]
    assert call.headers.get("x-namespace") == namespace
    sent = call.body["payloads"]
    stored = run.at(run.large_result_pointer())
    assert len(sent) == 1
    assert sent[0]["metadata"] == stored["metadata"] and sent[0]["data"] == stored["data"]
    record = webui_stack.serve.wait_for_record(
        lambda r: r["path"] == "/download" and r["method"] == "POST", since=mark
    )
    assert record["status"] == 200 and record["namespace"] == namespace
    assert record["payloads"] == 1 and record["error"] is None


_FETCH = """async ({url, namespace, body, mode}) => {
    const init = mode === 'simple'
        // No preflight: a "simple" cross-site POST the browser sends as is.
        ? {method: 'POST', headers: {'Content-Type': 'text/plain'}, body}
        : {method: 'POST', credentials: 'include', body, headers: {
              'Content-Type': 'application/json',
              'X-Namespace': namespace,
              'Authorization': 'Bearer e2e-placeholder',
          }};
    try {
        const response = await fetch(url, init);
        return {ok: response.ok, status: response.status, body: await response.json()};
    } catch (error) {
        return {error: String(error)};
    }
}"""

_SHOW = """(lines) => {
    const pre = document.createElement('pre');
    pre.id = 'e2e-overlay';
    pre.textContent = lines.join('\\n');
    pre.style.cssText = 'position:fixed;right:16px;bottom:16px;z-index:99999;max-width:900px;' +
        'white-space:pre-wrap;background:#fff8d6;color:#222;border:2px solid #c90;padding:12px;' +
        'font:13px/1.4 monospace;box-shadow:0 4px 16px rgba(0,0,0,.25)';
    document.body.appendChild(pre);
}"""


def _fetch(page: Page, url: str, namespace: str, body: dict[str, Any], mode: str) -> Any:
    return page.evaluate(
        _FETCH, {"url": url, "namespace": namespace, "body": json.dumps(body), "mode": mode}
    )


def test_cors_with_credentials_only_from_the_ui_origin(
    page: Page, webui_stack: WebUIStack, foreign_origin: str, artifacts: Path
) -> None:
    ns = webui_stack.namespaces["default"]
    started = ns.run.events("WorkflowExecutionStarted")[0]
    gzipped = started["workflowExecutionStartedEventAttributes"]["input"]
    assert base64.b64decode(gzipped["payloads"][0]["metadata"]["encoding"]) == b"binary/gzip"
    decode_url = f"{webui_stack.codec_url}/decode"
    serve = webui_stack.serve

    # From the Web UI's own origin: preflight, then the credentialed request, both allowed.
    _open_decoded(page, webui_stack, ns)
    mark = serve.mark()
    answer = _fetch(page, decode_url, "default", gzipped, "credentials")
    assert answer.get("ok") is True, answer
    (decoded,) = answer["body"]["payloads"]
    assert base64.b64decode(decoded["metadata"]["encoding"]) == b"json/plain"
    assert json.loads(base64.b64decode(decoded["data"])) == ns.run.expected.input
    preflight = serve.wait_for_record(lambda r: r["method"] == "OPTIONS", since=mark)
    assert preflight["status"] == 204 and preflight["path"] == "/decode"
    serve.wait_for_record(lambda r: r["method"] == "POST" and r["status"] == 200, since=mark)
    page.evaluate(
        _SHOW,
        [
            f"fetch from {webui_stack.ui_url} (the Web UI's origin)",
            f"  POST {decode_url}  credentials: include, Authorization: Bearer …",
            f"  → {answer['status']} ok; decoded input: "
            + json.dumps(ns.run.expected.input, ensure_ascii=False),
        ],
    )
    full_page_screenshot(page, artifacts / "step3-cors-ui-origin.png")

    # From a foreign origin: the browser refuses (the preflight gets no CORS grant) ...
    page.goto(foreign_origin, timeout=30_000)
    mark = serve.mark()
    refused = _fetch(page, decode_url, "default", gzipped, "credentials")
    assert "Failed to fetch" in refused.get("error", ""), refused
    preflight = serve.wait_for_record(lambda r: r["method"] == "OPTIONS", since=mark)
    assert preflight["status"] == 403 and "origin" in preflight["error"]
    assert not [r for r in serve.records_since(mark) if r["method"] == "POST"]
    # ... and a preflight-free "simple" POST is refused by the server itself.
    mark = serve.mark()
    simple = _fetch(page, decode_url, "default", gzipped, "simple")
    assert "Failed to fetch" in simple.get("error", ""), simple
    record = serve.wait_for_record(lambda r: r["method"] == "POST", since=mark)
    assert record["status"] == 403 and record["payloads"] is None  # body never read
    page.evaluate(
        _SHOW,
        [
            f"fetch from {foreign_origin} (not an allowed origin)",
            f"  credentialed POST {decode_url} → {refused['error']}",
            f"    server log: OPTIONS → {preflight['status']} {preflight['error']}",
            f"  simple text/plain POST → {simple['error']}",
            f"    server log: POST → {record['status']} {record['error']}",
        ],
    )
    full_page_screenshot(page, artifacts / "step3-cors-foreign-origin.png")


def test_storage_outage_shows_the_web_ui_error_then_recovers(
    page: Page, webui_stack: WebUIStack, artifacts: Path
) -> None:
    ns = webui_stack.namespaces["default"]
    run = ns.run
    serve = webui_stack.serve
    traffic = CodecTraffic(webui_stack.codec_url).attach(page)
    wf = _open_decoded(page, webui_stack, ns)
    wf.expand_event(ns.stored_event_id)
    with page.expect_download(timeout=30_000) as info:
        wf.download_button().click()
    assert info.value.failure() is None

    with webui_stack.moto.stopped():
        # Page loads never fetch references: with S3 down the page still decodes fully.
        mark = serve.mark()
        page.reload(timeout=30_000, wait_until="domcontentloaded")
        wf = _open_decoded(page, webui_stack, ns)
        traffic.wait_idle(page)
        assert [r["status"] for r in serve.records_since(mark) if r["status"] != 200] == []

        wf.expand_event(ns.stored_event_id)
        downloads_before = len(traffic.of("download"))
        wf.download_button().click()
        message = page.get_by_text(DOWNLOAD_FAILED, exact=True)
        expect(message).to_be_visible(timeout=60_000)
        expect(page.get_by_text("isn't configured to download")).to_have_count(0)
        # The Web UI also flags the codec server itself after a failed request.
        banner = page.locator("#content").get_by_text(CODEC_BANNER)
        expect(banner).to_be_visible()
        failed = serve.wait_for_record(
            lambda r: r["path"] == "/download" and r["status"] == 502, since=mark
        )
        assert "aws.s3driver" in failed["error"], failed
        traffic.wait_idle(page)
        attempts = traffic.of("download")[downloads_before:]
        assert attempts and all(c.status == 502 for c in attempts), attempts
        full_page_screenshot(page, artifacts / "step4-storage-down.png")

    # S3 is back: the same button works again and the message goes away.
    with page.expect_download(timeout=30_000) as info:
        wf.download_button().click()
    saved = artifacts / "step4-downloaded-after-recovery.json"
    info.value.save_as(saved)
    assert json.loads(saved.read_text(encoding="utf-8")) == run.expected.large_result
    expect(message).to_have_count(0)
    expect(banner).to_have_count(0)
    full_page_screenshot(page, artifacts / "step4-recovered.png")
