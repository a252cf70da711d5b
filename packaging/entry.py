"""The frozen app's entry point: the same ``payload-inspector`` command as the wheel's script.

PyInstaller needs a script, not a console-script entry point; ``freeze_support`` keeps a
frozen child process (should a library ever start one) from re-running the CLI.
"""

from __future__ import annotations

import multiprocessing
import sys

from inspector.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
