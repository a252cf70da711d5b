"""``gui`` with no screen: one line and exit 2, never Qt's abort (found by knocking on the
display server's real socket, as a client would)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspector.gui.display import check_display


@pytest.fixture
def listening(tmp_path: Path) -> Iterator[Path]:
    """A real Unix socket that accepts connections, standing in for a compositor's."""
    path = tmp_path / "wayland-7"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(4)
    yield path
    server.close()


def test_no_display_at_all_is_one_reason_per_platform() -> None:
    found = check_display({}, platform="linux")
    assert found.problem is not None
    assert "WAYLAND_DISPLAY is not set" in found.problem
    assert "DISPLAY is not set" in found.problem
    assert "\n" not in found.problem


def test_a_display_name_with_nothing_behind_it(tmp_path: Path) -> None:
    found = check_display(
        {"DISPLAY": ":93", "WAYLAND_DISPLAY": str(tmp_path / "gone")}, platform="linux"
    )
    assert found.problem is not None
    assert "no X server answers on DISPLAY=:93" in found.problem
    assert "nothing answers on the Wayland socket" in found.problem


def test_a_wayland_compositor_alone_asks_qt_for_wayland(listening: Path) -> None:
    env = {"WAYLAND_DISPLAY": listening.name, "XDG_RUNTIME_DIR": str(listening.parent)}
    assert check_display(env, platform="linux").problem is None
    assert check_display(env, platform="linux").platform == "wayland"
    # the user's own choice of platform is left alone
    chosen = check_display({**env, "QT_QPA_PLATFORM": "wayland"}, platform="linux")
    assert chosen.problem is None and chosen.platform is None


def test_headless_platforms_and_other_systems_need_no_display() -> None:
    assert check_display({"QT_QPA_PLATFORM": "offscreen"}, platform="linux").problem is None
    assert check_display({}, platform="darwin").problem is None
    assert check_display({}, platform="win32").problem is None


def test_asking_for_x11_without_an_x_server_names_it() -> None:
    found = check_display({"QT_QPA_PLATFORM": "xcb"}, platform="linux")
    assert found.problem is not None and "DISPLAY is not set" in found.problem
    assert "WAYLAND" not in found.problem  # only what was asked for is reported


def test_gui_without_a_display_exits_2_with_one_line() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    done = subprocess.run(
        [sys.executable, "-m", "inspector.cli", "gui"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("payload-inspector gui: no display to open the window on")
    assert done.stdout == ""
