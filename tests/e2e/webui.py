"""The Temporal Web UI (2.54) as a user meets it, and what it sends to our codec server.

DOM facts these helpers rely on (found by dumping the real pages of Web UI 2.54.1):

- the workflow page's Input and Result are CodeMirror editors inside
  ``[data-testid=input-and-result]``: ``.cm-content`` with ``role=textbox`` and
  ``aria-label`` "Input" / "Result"; before the codec answers they show the raw payload;
- Event History rows are ``tr[data-testid=event-summary-row][data-eventid=N]`` with an
  icon button "Expand details"; an external payload's summary reads
  "<size> payload stored externally";
- the expanded reference is a CodeMirror "Result" holding the claim JSON, with a header
  button whose only text is the size (e.g. "92.73 KB", leading "download" icon): that is the
  Download button. It POSTs ``/download?preserveStorageRefs=true`` and saves
  ``payload-wf-<wf>-run-<run>-event-<id>-result.json``; on failure it shows
  "Unable to download payload file." (404: "… isn't configured to download …"); it
  retries a 5xx twice (0.5 s, 1 s apart) first, then also shows a "Codec Server could not
  connect" banner on the page until a codec request succeeds again.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Locator, Page, Request, Response, expect

SIZE_LABEL = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB)\s*$")
STORED_EXTERNALLY = re.compile(r"(\d+(?:\.\d+)?\s*(?:B|KB|MB|GB)) payload stored externally")
DOWNLOAD_FAILED = "Unable to download payload file."
# The banner the workflow page shows while the last codec request failed.
CODEC_BANNER = "Codec Server could not connect"


@dataclass
class CodecCall:
    """One request the page made to the codec server, as the browser saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int | None = None
    failure: str | None = None
    done: bool = False


@dataclass
class CodecTraffic:
    """Records every request a page sends to ``endpoint`` (the Web UI's codec calls)."""

    endpoint: str
    calls: list[CodecCall] = field(default_factory=list)
    _by_request: dict[Request, CodecCall] = field(default_factory=dict)  # by identity
    _last_event: float = field(default_factory=time.monotonic)

    def attach(self, page: Page) -> CodecTraffic:
        page.on("request", self._on_request)
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_failed)
        return self

    def _mine(self, url: str) -> bool:
        return url.startswith(self.endpoint + "/")

    def _on_request(self, request: Request) -> None:
        if not self._mine(request.url) or request.method == "OPTIONS":
            return
        parts = urlsplit(request.url)
        body: Any = request.post_data
        if body:
            try:
                body = json.loads(body)
            except ValueError:
                pass
        call = CodecCall(
            method=request.method,
            path=parts.path,
            query=parse_qs(parts.query),
            headers=dict(request.headers),
            body=body,
        )
        self.calls.append(call)
        self._by_request[request] = call
        self._last_event = time.monotonic()

    def _on_response(self, response: Response) -> None:
        call = self._by_request.get(response.request)
        if call is not None:
            call.status = response.status
            call.done = True
            self._last_event = time.monotonic()

    def _on_failed(self, request: Request) -> None:
        call = self._by_request.get(request)
        if call is not None:
            call.failure = request.failure or "failed"
            call.done = True
            self._last_event = time.monotonic()

    def in_flight(self) -> int:
        return sum(1 for c in self.calls if not c.done)

    def wait_idle(self, page: Page, *, quiet: float = 0.8, timeout: float = 20.0) -> None:
        """Until no codec request is pending and none started for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while self.in_flight() or time.monotonic() - self._last_event < quiet:
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"the Web UI's codec requests did not settle within {timeout:.0f}s "
                    f"({self.in_flight()} in flight)"
                )
            page.wait_for_timeout(100)  # pumps Playwright's events in the sync API

    def of(self, operation: str) -> list[CodecCall]:
        return [c for c in self.calls if c.path.rstrip("/").endswith("/" + operation)]


# -- pages -----------------------------------------------------------------------------


def workflow_url(ui_url: str, namespace: str, workflow_id: str, run_id: str) -> str:
    return f"{ui_url}/namespaces/{namespace}/workflows/{workflow_id}/{run_id}/history"


def code_text(editor: Locator) -> str:
    """The text of a CodeMirror editor, line by line (what a user would copy)."""
    return editor.evaluate(
        "el => [...el.querySelectorAll('.cm-line')].map(l => l.textContent).join('\\n')"
    )


def wait_for_json(editor: Locator, expected: Any, *, timeout: float = 20.0) -> Any:
    """Polls the editor until it holds JSON equal to ``expected`` (the codec answer lands
    after the raw payload is first shown); returns what it last held."""
    deadline = time.monotonic() + timeout
    shown: Any = None
    while True:
        text = code_text(editor)
        try:
            shown = json.loads(text)
        except ValueError:
            shown = text
        if shown == expected or time.monotonic() >= deadline:
            return shown
        editor.page.wait_for_timeout(200)


@dataclass
class WorkflowPage:
    """The workflow page of one run, opened in ``page``."""

    page: Page

    def open(self, url: str) -> WorkflowPage:
        self.page.goto(url, timeout=30_000, wait_until="domcontentloaded")
        expect(self.page.get_by_test_id("input-and-result")).to_be_visible(timeout=30_000)
        return self

    @property
    def input_editor(self) -> Locator:
        return self.page.get_by_test_id("input-and-result").get_by_role("textbox", name="Input")

    @property
    def result_editor(self) -> Locator:
        return self.page.get_by_test_id("input-and-result").get_by_role("textbox", name="Result")

    def event_row(self, event_id: int) -> Locator:
        return self.page.locator(f'tr[data-testid="event-summary-row"][data-eventid="{event_id}"]')

    def expand_event(self, event_id: int) -> Locator:
        row = self.event_row(event_id)
        row.scroll_into_view_if_needed(timeout=20_000)
        # Labelled "Expand details" while collapsed; its label changes once expanded.
        button = row.locator("button[aria-expanded]").first
        if button.get_attribute("aria-expanded", timeout=10_000) != "true":
            row.get_by_role("button", name="Expand details").click(timeout=10_000)
        expect(button).to_have_attribute("aria-expanded", "true", timeout=10_000)
        return row

    def reference_editor(self) -> Locator:
        """The expanded event's claim (the only editor holding a ``driverName``)."""
        return self.page.get_by_role("textbox", name="Result").filter(has_text="driverName")

    def download_button(self) -> Locator:
        return self.page.get_by_role("button", name=SIZE_LABEL)

    def body_text(self) -> str:
        return self.page.locator("body").inner_text(timeout=10_000)
