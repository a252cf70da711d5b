"""Headless Debian Chromium for the e2e tests: where it is, how to launch it, what to do
when it is missing, and full-page screenshots of the Web UI.

Playwright never downloads a browser here: it drives the system's ``/usr/bin/chromium``
(``$INSPECTOR_CHROMIUM`` overrides). The flags keep Chromium's own background traffic
(updates, sync, QUIC probes) from failing against a closed network.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

DEFAULT_CHROMIUM = "/usr/bin/chromium"
INSTALL_HINT = "install it with: sudo apt-get install -y chromium (or run `make test` as root)"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# Big enough for the Web UI's event table without horizontal scrolling.
VIEWPORT = {"width": 1680, "height": 1050}
MAX_SCREENSHOT_HEIGHT = 6000


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def missing_prerequisite(message: str, *, module_level: bool = False) -> None:
    """Skip with ``message`` — or fail under ``CI=true``, where a skip would hide a gap."""
    if in_ci():
        pytest.fail(f"{message} (CI=true: the e2e tests must run)", pytrace=False)
    pytest.skip(message, allow_module_level=module_level)


def chromium_path() -> Path:
    """The Chromium to drive; skips (or fails in CI) naming the install command if absent."""
    path = Path(os.environ.get("INSPECTOR_CHROMIUM", DEFAULT_CHROMIUM))
    if not (path.is_file() and os.access(path, os.X_OK)):
        missing_prerequisite(f"Chromium not found at {path}; {INSTALL_HINT}")
    return path


def require_playwright(*, module_level: bool = False) -> None:
    """Test modules call this before importing Playwright, so a missing package is a skip
    (a failure in CI) naming the fix, not a collection error."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing_prerequisite(
            "Playwright for Python is not installed; install the test extra: "
            "pip install -e '.[test]' (never `playwright install`: we use Debian's chromium)",
            module_level=module_level,
        )


def full_page_screenshot(page: Page, path: Path) -> Path:
    """The whole Web UI page as one PNG.

    The Web UI scrolls inside ``#content-wrapper``, not the document, so Playwright's
    ``full_page`` alone stops at the viewport: grow the viewport to the content for the shot,
    then put it back.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size or VIEWPORT
    size: dict[str, Any] = page.evaluate(
        """() => {
            const doc = document.documentElement;
            let width = doc.scrollWidth, height = doc.scrollHeight;
            for (const el of document.querySelectorAll('#content-wrapper, main')) {
                const box = el.getBoundingClientRect();
                width = Math.max(width, Math.ceil(box.left + el.scrollWidth));
                height = Math.max(height, Math.ceil(box.top + el.scrollHeight));
            }
            return {width, height};
        }"""
    )
    width = max(original["width"], min(int(size["width"]), 2400))
    height = max(original["height"], min(int(size["height"]), MAX_SCREENSHOT_HEIGHT))
    page.set_viewport_size({"width": width, "height": height})
    try:
        page.wait_for_timeout(400)  # let the UI re-lay out (CodeMirror renders lazily)
        page.screenshot(path=str(path), full_page=True, timeout=30_000)
    finally:
        page.set_viewport_size(original)
    return path
