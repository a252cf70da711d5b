"""``payload-inspector`` / ``payload-inspector gui [FILE...]``: the desktop app."""

from __future__ import annotations

import argparse
import os

from inspector.commands import fail

PROG = "payload-inspector gui"


def main(args: argparse.Namespace) -> int:
    """Open the app (with each FILE in a tab) and run until its window closes."""
    from inspector.gui.display import check_display  # no Qt: asked before Qt can abort

    found = check_display()
    if found.problem is not None:
        return fail(PROG, found.problem)
    if found.platform is not None:
        os.environ["QT_QPA_PLATFORM"] = found.platform
    from inspector.gui.app import run_gui  # Qt is loaded only for the app itself

    files = getattr(args, "file", None) or []
    if isinstance(files, str):
        files = [files]
    return run_gui(files=files, config=getattr(args, "config", None))
