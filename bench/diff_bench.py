"""Diff and redaction on long histories: ``payload-inspector diff`` of two runs and
``decode --readable --redact`` of one, as the command line runs them (in process, timed).

The runs are the shipped sample history (written by the SDK on a dev server) repeated, event
ids renumbered, to about 20,000 events; in the second run one event in the middle has
another type (so it is unmatched on both sides). Reported: the file size, the whole
``diff`` (read, parse, two views, align, compare) and the whole ``decode --readable`` with
three redaction rules, median of 3, and the peak RSS of the process. Nothing in ``make
test`` depends on these numbers.

Usage: ``python -m bench.diff_bench [--events N] [--no-write]`` (rewrites its table in
``bench/README.md`` between its own markers).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import io
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import report
from inspector.commands.decode import DecodeRequest, decode_main
from inspector.commands.diff import DiffRequest, diff_main
from inspector.gui.resources import SAMPLES_DIR

README = Path(__file__).with_name("README.md")
START = "<!-- diff-results:start (written by `python -m bench.diff_bench`) -->"
END = "<!-- diff-results:end -->"
RULES = ("key:customer", "re:^ORDER-", "path:/rows/*/blob")


def histories(directory: Path, events: int) -> tuple[Path, Path]:
    sample = json.loads((SAMPLES_DIR / "history.json").read_text())["events"]
    out: list[dict[str, Any]] = []
    while len(out) < events:
        for event in sample:
            clone = copy.deepcopy(event)
            clone["eventId"] = str(len(out) + 1)
            out.append(clone)
    a, b = directory / "a.json", directory / "b.json"
    a.write_text(json.dumps({"events": out}, indent=2))
    changed = copy.deepcopy(out)
    changed[len(changed) // 2]["eventType"] = "EVENT_TYPE_MARKER_RECORDED"
    b.write_text(json.dumps({"events": changed}, indent=2))
    return a, b


def timed(make: Any) -> tuple[float, float, int]:
    """Wall time, CPU time of this process (all threads: a busy machine stretches the first,
    not the second), and the exit code."""
    out, err = io.StringIO(), io.StringIO()
    started, cpu = time.perf_counter(), time.process_time()
    code = asyncio.run(make(out, err))
    return time.perf_counter() - started, time.process_time() - cpu, code


def run(events: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="inspector-diff-bench-") as scratch:
        a, b = histories(Path(scratch), events)
        diff = [
            timed(lambda out, err: diff_main(DiffRequest(a=str(a), b=str(b)), out, err))
            for _ in range(3)
        ]
        readable = DecodeRequest(file=str(a), readable=True, redact=RULES)
        decode = [timed(lambda out, err: decode_main(readable, out, err)) for _ in range(3)]
        assert {c for *_, c in diff} == {1} and {c for *_, c in decode} == {0}
        return {
            "events": events,
            "bytes": a.stat().st_size,
            "load": [round(x, 2) for x in os.getloadavg()],
            "diff": [round(t, 2) for t, _, _ in diff],
            "diff_cpu": [round(c, 2) for _, c, _ in diff],
            "decode": [round(t, 2) for t, _, _ in decode],
            "decode_cpu": [round(c, 2) for _, c, _ in decode],
            "rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }


def render(r: dict[str, Any]) -> str:
    size = r["bytes"] / report.MiB
    return "\n".join(
        [
            f"Measured {time.strftime('%Y-%m-%d')}: two {r['events']:,}-event histories of "
            f"{size:.1f} MiB each; load average after the run "
            f"{'/'.join(map(str, r['load']))}; peak RSS {r['rss_mib']} MiB.",
            "",
            "| | CPU, median of 3 | wall, median of 3 | wall, runs |",
            "|---|---|---|---|",
            f"| `diff A B` (read, decode, align, compare) | "
            f"**{statistics.median(r['diff_cpu'])} s** | {statistics.median(r['diff'])} s | "
            f"{', '.join(map(str, r['diff']))} |",
            f"| `decode A --readable` with 3 `--redact` rules | "
            f"**{statistics.median(r['decode_cpu'])} s** | {statistics.median(r['decode'])} s | "
            f"{', '.join(map(str, r['decode']))} |",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.diff_bench", description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--no-write", action="store_true", help="print, leave README.md alone")
    args = parser.parse_args(argv)
    table = render(run(args.events))
    print(table)
    if not args.no_write:
        text = README.read_text(encoding="utf-8")
        block = f"{START}\n{table}\n{END}"
        if START in text and END in text:
            before, rest = text.split(START, 1)
            text = before + block + rest.split(END, 1)[1]
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
        README.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
