"""Is there a screen to open the window on? Asked before Qt is loaded.

Qt aborts the process (SIGABRT, exit 134, a page of plugin chatter) when it finds no display
or lacks the xcb libraries; a user deserves one line and exit 2 instead. This module knows no
Qt: it reads the environment and knocks on the display server's socket the way a client
would, and names the Debian package when the one library Qt 6.5+ needs for X11 is missing.
"""

from __future__ import annotations

import ctypes.util
import os
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# Platforms that need no display server: offscreen rendering, VNC, the framebuffer.
_HEADLESS = {"offscreen", "minimal", "minimalegl", "vnc", "linuxfb", "eglfs", "vkkhrdisplay"}
_X11_SOCKETS = Path("/tmp/.X11-unix")  # the X server's standard place, not ours to choose
_TIMEOUT = 1.0


@dataclass(frozen=True)
class DisplayCheck:
    """What was found: a reason the window cannot open, or the Qt platform to ask for
    (``wayland`` when only a Wayland compositor answers, so Qt does not try X11 first)."""

    problem: str | None = None
    platform: str | None = None


def check_display(
    env: Mapping[str, str] | None = None, platform: str = sys.platform
) -> DisplayCheck:
    """Whether the GUI can start here; an unknown situation is left for Qt to try."""
    if not platform.startswith("linux"):
        return DisplayCheck()  # macOS and Windows always have their window system
    env = os.environ if env is None else env
    wanted = [p.strip() for p in env.get("QT_QPA_PLATFORM", "").split(";") if p.strip()]
    if any(p.split(":")[0] in _HEADLESS for p in wanted):
        return DisplayCheck()
    tried: list[str] = []
    if not wanted or any(p.startswith("wayland") for p in wanted):
        problem = _wayland_problem(env)
        if problem is None:
            x11_up = _x11_problem(env) is None
            return DisplayCheck(platform=None if wanted or x11_up else "wayland")
        tried.append(problem)
    if not wanted or any(p.startswith("xcb") for p in wanted):
        problem = _x11_problem(env)
        if problem is None:
            return DisplayCheck()
        tried.append(problem)
    if not tried:
        return DisplayCheck()  # a platform we do not know: let Qt try it
    return DisplayCheck(
        problem="no display to open the window on ("
        + "; ".join(tried)
        + "): start it from a desktop session, or use `decode` and `screenshot`, which need none"
    )


def _wayland_problem(env: Mapping[str, str]) -> str | None:
    name = env.get("WAYLAND_DISPLAY", "")
    if not name:
        return "WAYLAND_DISPLAY is not set"
    path = Path(name)
    if not path.is_absolute():
        path = Path(env.get("XDG_RUNTIME_DIR", "")) / name
    if not _can_connect(str(path)):
        return f"nothing answers on the Wayland socket {path}"
    return None


def _x11_problem(env: Mapping[str, str]) -> str | None:
    display = env.get("DISPLAY", "")
    if not display:
        return "DISPLAY is not set"
    host, _, rest = display.rpartition(":")
    number = rest.split(".")[0]
    if not number.isdigit():
        return f"DISPLAY={display!r} is not a display name like ':0'"
    if host in ("", "unix"):
        path = str(_X11_SOCKETS / f"X{number}")
        if not (_can_connect(path) or _can_connect("\0" + path)):  # file or abstract socket
            return f"no X server answers on DISPLAY={display}"
    elif not _can_connect_tcp(host, 6000 + int(number)):
        return f"no X server answers on DISPLAY={display}"
    if ctypes.util.find_library("xcb-cursor") is None:
        return "Qt needs libxcb-cursor0 for X11: sudo apt-get install libxcb-cursor0"
    return None


def _can_connect(path: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(_TIMEOUT)
        try:
            s.connect(path)
        except OSError:
            return False
    return True


def _can_connect_tcp(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=_TIMEOUT):
            return True
    except OSError:
        return False
