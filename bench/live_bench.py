"""Fetching a history from a server: ``decode --workflow-id`` against exporting it with
``temporal workflow show -o json`` and then ``decode FILE``, on a dev server of its own.

The run is the sample workflow started with the gzip codec on a task queue no worker polls,
then signalled N times (each signal one more event with a gzip payload), so the history has
N + 2 events over several of the server's pages (its default page size). Both ways run as the
command line does, in processes; reported: events, pages, the export's size, wall time of
each way (median of 3) and that both printed the same document. Nothing in ``make test``
depends on these numbers.

Usage: ``python -m bench.live_bench [--signals N] [--no-write]`` (rewrites its table in
``bench/README.md`` between its own markers).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from tests.support.cli import cli_argv, cli_env
from tests.support.config import write_config
from tests.support.live import THRESHOLD, start_waiting_run
from tests.support.temporal_server import TemporalDevServer

README = Path(__file__).with_name("README.md")
START = "<!-- live-results:start (written by `python -m bench.live_bench`) -->"
END = "<!-- live-results:end -->"


def _timed(argv: list[str], out: Path) -> float:
    started = time.perf_counter()
    with out.open("wb") as f:
        subprocess.run(argv, stdout=f, env=cli_env(), check=True, timeout=600)
    return time.perf_counter() - started


async def _history(server: TemporalDevServer, store: Path, signals: int) -> tuple[str, int]:
    workflow_id = f"bench-live-{uuid.uuid4().hex[:8]}"
    client, handle = await start_waiting_run(server, store, workflow_id)
    for n in range(signals):
        await handle.signal("approve", {"by": f"reviewer-{n}@example.com", "note": "ok " * 20})
    from inspector.live.connection import Connection, connect
    from inspector.live.fetch import history_pages

    conn, args = await connect(Connection(address=server.address))
    pages = [len(p) async for p in history_pages(conn, args, workflow_id)]
    del client
    return workflow_id, len(pages)


def run(signals: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="inspector-live-bench-") as scratch:
        tmp = Path(scratch)
        store = tmp / "store"
        store.mkdir()
        profile = {"codecs": ["gzip"], "storage": {"driver": "filesystem", "path": str(store),
                                                     "threshold": THRESHOLD}}  # fmt: skip
        config = str(write_config(tmp, {"live": {**profile, "namespaces": ["default"]}}))
        with TemporalDevServer(tmp / "temporal") as server:
            workflow_id, pages = asyncio.run(_history(server, store, signals))
            live, export = [], []
            for _ in range(3):
                live.append(_timed(cli_argv("decode", "--address", server.address,
                                            "--workflow-id", workflow_id, "--config", config),
                                   tmp / "live.json"))  # fmt: skip
                started = time.perf_counter()
                shown = tmp / "shown.json"
                with shown.open("wb") as f:
                    subprocess.run(
                        server.cli_args("workflow", "show", "--workflow-id", workflow_id,
                                        "-o", "json"),
                        stdout=f, check=True, timeout=600,
                    )  # fmt: skip
                _timed(cli_argv("decode", str(shown), "--config", config), tmp / "file.json")
                export.append(time.perf_counter() - started)
            same = json.loads((tmp / "live.json").read_text()) == json.loads(
                (tmp / "file.json").read_text()
            )
            events = len(json.loads(shown.read_text())["events"])
            return {
                "events": events, "pages": pages, "bytes": shown.stat().st_size, "same": same,
                "live": [round(t, 2) for t in live], "export": [round(t, 2) for t in export],
                "load": [round(x, 2) for x in os.getloadavg()],
            }  # fmt: skip


def render(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"Measured {time.strftime('%Y-%m-%d')}: a {r['events']:,}-event history "
            f"({r['bytes'] / 1024:.0f} KiB exported, {r['pages']} pages of the dev server), "
            f"gzip payloads; both outputs the same document: {'yes' if r['same'] else 'NO'}; "
            f"load average after the run {'/'.join(map(str, r['load']))}.",
            "",
            "| | wall, median of 3 | wall, runs |",
            "|---|---|---|",
            f"| `decode --workflow-id` (fetch every page, decode) | "
            f"**{statistics.median(r['live'])} s** | {', '.join(map(str, r['live']))} |",
            f"| `temporal workflow show -o json`, then `decode FILE` | "
            f"**{statistics.median(r['export'])} s** | {', '.join(map(str, r['export']))} |",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.live_bench", description=__doc__)
    parser.add_argument("--signals", type=int, default=2000)
    parser.add_argument("--no-write", action="store_true", help="print, leave README.md alone")
    args = parser.parse_args(argv)
    table = render(run(args.signals))
    print(table)
    if not args.no_write:
        text = README.read_text(encoding="utf-8")
        block = f"{START}\n{table}\n{END}"
        if START in text and END in text:
            before, rest = text.split(START, 1)
            text = before + block + rest.split(END, 1)[1]
        else:
            text = text.rstrip() + "\n\n## Reading a history from a server\n\n" + block + "\n"
        README.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
