"""``make bench``: run every benchmark and rewrite the results in ``bench/README.md``.

Parts 1 and 2 (servers and the floor) are in ``bench.server_bench``; part 3 (the GUI on a
big history) in ``bench.gui_bench``; part 4 (``decode`` on it, and on a batch) in
``bench.decode_bench``; part 6 (the GUI's search) in ``bench.search_bench``, in a process of
its own. Everything runs in a scratch directory that is removed
afterwards; servers listen on 127.0.0.1 only and are stopped whatever happens.

Usage: ``python -m bench.run [--quick] [--only servers|gui|decode|search] [--no-write]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import decode_bench, gui_bench, report, search_bench, server_bench

README = Path(__file__).with_name("README.md")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and requests")
    parser.add_argument(
        "--only", choices=("servers", "gui", "decode", "search"), help="run one part"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the table, leave README.md alone"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    results: dict[str, Any] = {"machine": machine()}
    with tempfile.TemporaryDirectory(prefix="inspector-bench-") as scratch:
        root = Path(scratch)
        if args.only in (None, "servers"):
            settings = server_bench.Settings.quick() if args.quick else server_bench.Settings()
            servers = root / "servers"
            servers.mkdir()
            results["servers"] = server_bench.run(servers, settings)
        if args.only in (None, "gui"):
            gui = root / "gui"
            gui.mkdir()
            results["gui"] = gui_bench.run(gui, quick=args.quick)
        if args.only in (None, "decode"):
            decode = root / "decode"
            decode.mkdir()
            results["decode"] = decode_bench.run(decode, quick=args.quick)
        if args.only in (None, "search"):
            results["search"] = search_bench.run_in_child(quick=args.quick)
    results["machine"]["seconds"] = round(time.monotonic() - started)
    print(json.dumps(results, indent=1), file=sys.stderr)
    table = report.render(results)
    if args.no_write or args.only or args.quick:
        print(table)
        if not args.no_write:
            print("(partial or quick run: README.md left as it is)")
    else:
        report.replace_results(README, table)
        print(f"results written to {README}")
    return 0


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.machine()}",
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "date": time.strftime("%Y-%m-%d"),
    }


if __name__ == "__main__":
    sys.exit(main())
