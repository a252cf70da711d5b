"""``payload-inspector`` / ``payload-inspector gui [FILE]``: the desktop app."""

from __future__ import annotations

import argparse


def main(args: argparse.Namespace) -> int:
    """Open the app (with FILE, if given) and run until its window closes."""
    from inspector.gui.app import run_gui  # Qt is loaded only for the app itself

    return run_gui(file=getattr(args, "file", None), config=getattr(args, "config", None))
