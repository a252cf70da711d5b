"""Audit screenshots: the menu action's PNG with its caption, and the headless command."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QColor, QImage

from inspector import __version__
from inspector.gui.audit import AuditCaption, compose
from tests.gui.conftest import Runner, WindowFactory, settle
from tests.support.config import write_config
from tests.support.history import HistoryRun
from tests.support.s3 import MotoS3

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def _caption(path: Path) -> str:
    image = QImage(str(path))
    assert not image.isNull(), path
    return image.text("Caption")


def _history_config(history: HistoryRun, tmp_path: Path) -> Path:
    server = {"token": "s3cr3t-token-value"}  # must never reach a caption
    return write_config(tmp_path, {"history": history.profile}, server)


def test_save_audit_screenshot_from_the_window(
    make_window: WindowFactory,
    run: Runner,
    real_history: HistoryRun,
    tmp_path: Path,
) -> None:
    window = make_window(_history_config(real_history, tmp_path), size=(1280, 800))
    assert window.screenshot_action.shortcut().toString() == "Ctrl+Shift+S"
    assert window.screenshot_action in window.menuBar().actions()[0].menu().actions()
    window.set_view("refs")
    window.open_path(real_history.path)
    run(settle(window))
    tab = window.current_tab()
    assert tab is not None
    stored = real_history.large_result_pointer()
    tab.select_pointer(stored)
    run(settle(window))

    out = window.save_screenshot(tmp_path / "audit.png")
    image = QImage(str(out))
    assert image.width() == window.width() and image.height() > window.height() + 40
    # the caption strip is drawn under the window
    assert image.pixelColor(2, image.height() - 2) == QColor("#1d2130")
    caption = _caption(out)
    lines = caption.splitlines()
    assert lines[0].startswith(f"Payload Inspector {__version__}")
    assert "view: References preserved" in lines[0] and "profile: history" in lines[0]
    assert TIME.search(lines[0])
    digest = hashlib.sha256(real_history.path.read_bytes()).hexdigest()
    assert lines[1] == f"source: {real_history.path.name}  ·  sha256: {digest}"
    assert lines[2].startswith("payload: event ") and f"({stored})" in lines[2]
    assert "ActivityTaskCompleted" in lines[2]
    assert "s3cr3t" not in caption and image.text("Software").endswith(__version__)


def test_caption_wraps_instead_of_clipping(qapp: object) -> None:
    shot = QImage(320, 200, QImage.Format.Format_ARGB32)
    shot.fill(QColor("white"))
    caption = AuditCaption(
        view="Decoded",
        profile="payments",
        source="a-very-long-file-name-" * 4 + ".json",
        sha256="ab" * 32,
        location="event 7 · WorkflowExecutionUpdateAccepted · acceptedRequest.input.args[0]",
        time_utc="2026-01-02T03:04:05Z",
    )
    image = compose(shot, caption)
    # three lines do not fit 320 px: the strip grows to hold every wrapped line
    assert image.height() > 200 + 3 * 20
    assert image.text("Caption") == caption.text()


def _screenshot(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inspector.cli", "screenshot", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})},
    )


def test_screenshot_command_renders_the_view(real_history: HistoryRun, tmp_path: Path) -> None:
    config = _history_config(real_history, tmp_path)
    stored = real_history.large_result_pointer()
    out = tmp_path / "refs.png"
    result = _screenshot(
        str(real_history.path),
        "--view",
        "refs",
        "-o",
        str(out),
        "--config",
        str(config),
        "--select",
        stored,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and result.stdout == ""
    image = QImage(str(out))
    assert (image.width(), image.height() > 900) == (1440, True)
    caption = _caption(out)
    assert "view: References preserved" in caption and "profile: history" in caption
    assert f"({stored})" in caption


def test_screenshot_command_exit_codes(
    real_history: HistoryRun, tmp_path: Path, moto_s3: MotoS3
) -> None:
    config = _history_config(real_history, tmp_path)
    history = str(real_history.path)
    out = str(tmp_path / "x.png")

    def fails(*args: str) -> str:
        result = _screenshot(*args)
        assert result.returncode == 2, (result.returncode, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("payload-inspector screenshot: ")
        assert "Traceback" not in result.stderr
        return lines[0]

    assert "--select" in fails(history, "-o", out, "--config", str(config), "--select", "/nope")
    assert "cannot read" in fails(str(tmp_path / "missing.json"), "-o", out)
    bad = tmp_path / "bad.json"
    bad.write_text('{"payloads": [1,')
    assert "not JSON" in fails(str(bad), "-o", out)
    assert "no profile" in fails(history, "-o", out, "--config", str(config), "--profile", "x")
    assert "no such directory" in fails(history, "-o", str(tmp_path / "no" / "x.png"))
    assert not Path(out).exists()

    # storage down: the PNG shows the error on its payload, and the exit code says so
    with moto_s3.stopped():
        result = _screenshot(history, "-o", out, "--config", str(config))
    assert result.returncode == 3, result.stderr
    assert "storage (aws.s3driver)" in result.stderr
    assert result.stderr.count("\n") == 1  # one payload failed, one line
    assert Path(out).exists()
