"""Part 4: ``payload-inspector decode`` on the ~100 MB history, and on a folder of small ones.

*One big history*: the GUI's history (``bench.history``: 5,000 gzip payloads, 312 of them
references in a filesystem store) decoded to a file by ``payload-inspector decode`` and by
the naive script (``bench.naive_decode``), in alternating rounds of the same run, each a
fresh process timed from start to exit; peak RSS is each process's own ``VmHWM``
(``bench.peak_rss``). Both outputs are checked to be the same JSON.

*A batch*: 200 histories of ~500 KB, decoded by one ``decode DIR --output-dir OUT`` and
by one ``decode FILE > OUT/FILE`` process per file; the outputs must be byte-identical.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from bench import history
from bench.processes import child_env, python_module

ROUNDS = 3
BATCH_FILES = 200
BATCH_PAYLOADS = 25  # ~500 KB a history


def _timed(argv: list[str], stdout: Path | None = None) -> dict[str, Any]:
    """Run ``argv`` under ``bench.peak_rss``; wall seconds and the child's own peak RSS."""
    rss = stdout.with_suffix(".rss") if stdout else Path(argv[-1]).with_suffix(".rss")
    wrapped = [sys.executable, "-m", "bench.peak_rss", str(rss), *argv]
    started = time.monotonic()
    if stdout is None:
        done = subprocess.run(wrapped, env=child_env(), capture_output=True, check=False)
    else:
        with stdout.open("wb") as out:
            done = subprocess.run(
                wrapped, env=child_env(), stdout=out, stderr=subprocess.PIPE, check=False
            )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"{argv} failed ({done.returncode}): {done.stderr[-2000:]!r}")
    return {"seconds": seconds, "peak_rss_bytes": int(rss.read_text())}


def run_big(scratch: Path, quick: bool = False) -> dict[str, Any]:
    print("decode: generating the history …", flush=True)
    store = scratch / "store"
    path = scratch / "history.json"
    made = history.write_history(path, store, count=1000 if quick else history.PAYLOADS)
    config = scratch / "config.toml"
    config.write_text(history.config_toml(store), encoding="utf-8")
    ours_out, naive_out = scratch / "ours.json", scratch / "naive.json"
    ours_argv = ["-m", "inspector.cli", "decode", str(path), "--config", str(config)]
    naive_argv = ["-m", "bench.naive_decode", str(path), str(store), str(naive_out)]
    rounds = []
    for i in range(1 if quick else ROUNDS):
        print(f"decode: round {i + 1} …", flush=True)
        naive = _timed(naive_argv, None)
        ours = _timed(ours_argv, ours_out)
        rounds.append({"naive": naive, "ours": ours})
    if orjson.loads(ours_out.read_bytes()) != orjson.loads(naive_out.read_bytes()):
        raise RuntimeError("decode and the naive script disagree on the history")
    print("decode: headless screenshot of it …", flush=True)
    png = scratch / "shot.png"
    shot_argv = [*ours_argv[:2], "screenshot", str(path), "--config", str(config), "-o", str(png)]
    screenshot = _timed(shot_argv, None)
    if not png.is_file() or png.stat().st_size == 0:
        raise RuntimeError("screenshot wrote no picture")
    return {
        **made,
        "output_bytes": ours_out.stat().st_size,
        "rounds": rounds,
        "screenshot": screenshot,
    }


def run_batch(scratch: Path, quick: bool = False) -> dict[str, Any]:
    print("decode: generating the batch …", flush=True)
    store = scratch / "batch-store"
    one = scratch / "one.json"
    made = history.write_history(one, store, count=BATCH_PAYLOADS)
    config = scratch / "batch-config.toml"
    config.write_text(history.config_toml(store), encoding="utf-8")
    inputs = scratch / "batch"
    inputs.mkdir()
    count = 20 if quick else BATCH_FILES
    for i in range(count):
        shutil.copyfile(one, inputs / f"history-{i:03d}.json")
    print("decode: the batch, one process …", flush=True)
    together = scratch / "together"
    argv = [
        *python_module("inspector.cli", "decode", str(inputs)),
        "--output-dir",
        str(together),
        "--config",
        str(config),
    ]
    started = time.monotonic()
    subprocess.run(argv, env=child_env(), check=True, capture_output=True)
    batch_seconds = time.monotonic() - started
    print("decode: the batch, a process a file …", flush=True)
    apart = scratch / "apart"
    apart.mkdir()
    started = time.monotonic()
    for source in sorted(inputs.iterdir()):
        with (apart / source.name).open("wb") as out:
            subprocess.run(
                [*python_module("inspector.cli", "decode", str(source)), "--config", str(config)],
                env=child_env(),
                stdout=out,
                check=True,
            )
    apart_seconds = time.monotonic() - started
    for source in inputs.iterdir():
        if (together / source.name).read_bytes() != (apart / source.name).read_bytes():
            raise RuntimeError(f"batch output differs for {source.name}")
    return {
        "files": count,
        "file_bytes": made["file_bytes"],
        "payloads_each": made["payloads"],
        "one_process_s": batch_seconds,
        "process_per_file_s": apart_seconds,
    }


def run(scratch: Path, quick: bool = False) -> dict[str, Any]:
    return {"big": run_big(scratch, quick), "batch": run_batch(scratch, quick)}


def summary(results: dict[str, Any]) -> dict[str, float]:
    """Medians over the rounds: throughput ratio and RSS per file size."""
    big = results["big"]
    size = big["file_bytes"]
    ours = statistics.median(r["ours"]["seconds"] for r in big["rounds"])
    naive = statistics.median(r["naive"]["seconds"] for r in big["rounds"])
    return {
        "ours_s": ours,
        "naive_s": naive,
        "ratio": naive / ours,
        "ours_rss": max(r["ours"]["peak_rss_bytes"] for r in big["rounds"]) / size,
        "naive_rss": max(r["naive"]["peak_rss_bytes"] for r in big["rounds"]) / size,
    }


if __name__ == "__main__":  # python -m bench.decode_bench SCRATCH: one run, JSON on stdout
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    print(json.dumps(run(target, quick="--quick" in sys.argv), indent=1))
