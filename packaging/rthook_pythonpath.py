"""PyInstaller runtime hook: PYTHONPATH reaches the frozen app as it reaches the source install.

A profile's ``python`` codec or storage driver (``factory = "module:attr"``) is the user's own
module, found on PYTHONPATH. The frozen interpreter ignores that variable, so its entries are
appended here, after the bundle's own paths: the app's bundled modules always win.
"""

from __future__ import annotations

import os
import sys

for _entry in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    if _entry and _entry not in sys.path:
        sys.path.append(_entry)
