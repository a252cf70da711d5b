"""Run a Python module as ``python -m`` would and write its peak RSS (``VmHWM``) to a file.

``ru_maxrss`` of a child carries over the parent's across fork and exec, so a benchmark
measures each program from inside its own process, as ``bench.gui_probe`` does.

Usage: ``python -m bench.peak_rss RSS_FILE -m MODULE ARGS...``
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path


def vm_hwm() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def main() -> None:
    out, flag, module, *args = sys.argv[1:]
    assert flag == "-m", "usage: python -m bench.peak_rss RSS_FILE -m MODULE ARGS..."
    sys.argv = [module, *args]
    code: object = 0
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as e:
        code = e.code
    sys.stdout.flush()
    Path(out).write_text(str(vm_hwm()))
    sys.exit(code)


if __name__ == "__main__":
    main()
