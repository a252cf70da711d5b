"""The results as Markdown, and their place in ``bench/README.md`` (between two markers)."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

START = "<!-- results:start (written by `make bench`; edits here are lost) -->"
END = "<!-- results:end -->"

MiB = 1024 * 1024


def replace_results(readme: Path, table: str) -> None:
    """Put ``table`` between the markers (appended with them if they are missing)."""
    text = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n"
    block = f"{START}\n{table.rstrip()}\n{END}"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        _, after = rest.split(END, 1)
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    readme.write_text(text, encoding="utf-8")


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    load = "/".join(str(x) for x in m["load_before"])
    lines = [
        f"Measured {m['date']} on {m['cpus']} CPUs ({m['usable_cpus']} usable), "
        f"Python {m['python']}, {m['system']}; load average before the run {load}; "
        f"the whole run took {m['seconds']} s.",
        "",
        "| | target | measured | |",
        "|---|---|---|---|",
    ]
    servers = results.get("servers")
    gui = results.get("gui")
    if servers:
        lines += _server_targets(servers)
    if gui:
        lines += _gui_targets(gui)
    decode = results.get("decode")
    if decode:
        lines += _decode_targets(decode)
    search = results.get("search")
    if search:
        lines += _search_targets(search)
    if servers:
        lines += ["", *_server_rounds(servers)]
    if gui:
        lines += ["", *_gui_details(gui)]
    if decode:
        lines += ["", *_decode_details(decode)]
    if search:
        lines += ["", *_search_details(search)]
    return "\n".join(lines) + "\n"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _ratios(case: dict[str, Any], ours: str = "ours", seed: str = "seed") -> list[float]:
    return [r[ours]["rps"] / r[seed]["rps"] for r in case["rounds"]]


def _cpu(case: dict[str, Any], who: str) -> float:
    return statistics.median(r[who]["server_cpu_ms_per_request"] for r in case["rounds"])


def _ratio_text(ratios: list[float]) -> str:
    each = ", ".join(f"{r:.2f}" for r in ratios)
    return f"**{statistics.median(ratios):.2f}×** (median of {len(ratios)} rounds: {each})"


def _server_targets(s: dict[str, Any]) -> list[str]:
    large, small, refs, floor = s["large"], s["small"], s["references"], s["floor"]
    large_ratios, small_ratios = _ratios(large), _ratios(small)
    cache = [r["ours/again"]["rps"] / r["ours/first"]["rps"] for r in refs["rounds"]]
    p50_first = statistics.median(r["ours/first"]["p50_ms"] for r in refs["rounds"])
    p50_again = statistics.median(r["ours/again"]["p50_ms"] for r in refs["rounds"])
    ours_large = statistics.median(r["ours"]["rps"] for r in large["rounds"])
    fast, stdlib = floor["fast"]["rps"], floor["stdlib"]["rps"]
    return [
        f"| large bodies ({s['large_body_bytes'] / MiB:.2f} MiB), ours / seed throughput "
        f"| ≥ 1.5× (aim 2×) | {_ratio_text(large_ratios)}; CPU per request "
        f"{_cpu(large, 'ours'):.1f} ms vs {_cpu(large, 'seed'):.1f} ms "
        f"| {_verdict(statistics.median(large_ratios) >= 1.5)} |",
        f"| small bodies ({s['small_body_bytes']} B), ours / seed throughput | ≥ 1.0× "
        f"| {_ratio_text(small_ratios)}; CPU per request {1000 * _cpu(small, 'ours'):.0f} µs "
        f"vs {1000 * _cpu(small, 'seed'):.0f} µs "
        f"| {_verdict(statistics.median(small_ratios) >= 1.0)} |",
        "| references downloaded again (cache), ours | ≥ 3× faster than the first time "
        f"| {_ratio_text(cache).replace('×', '× the requests/s')}; p50 {p50_first:.0f} ms → "
        f"{p50_again:.0f} ms | {_verdict(statistics.median(cache) >= 3)} |",
        *_workers_target(s),
        "| large-body throughput as % of the one-core floor | report "
        f"| **{100 * ours_large / fast:.0f} %** of the floor with the server's libraries "
        f"({fast:.0f} bodies/s on one core; ours {ours_large:.0f} requests/s); "
        f"{100 * ours_large / stdlib:.0f} % of the standard-library floor ({stdlib:.0f}/s) | — |",
    ]


def _workers_target(s: dict[str, Any]) -> list[str]:
    workers = s.get("workers")
    if not workers:
        return []
    ratios = _ratios(workers, "2 workers", "1 worker")
    return [
        "| large bodies, `serve --workers 2` / one process, throughput | report "
        f"| {_ratio_text(ratios)}; CPU per request {_cpu(workers, '2 workers'):.1f} ms vs "
        f"{_cpu(workers, '1 worker'):.1f} ms (the load generator shares the same cores) | — |"
    ]


def _gui_targets(g: dict[str, Any]) -> list[str]:
    size = g["file_bytes"]
    rss_ratio = g["peak_rss_bytes"] / size
    return [
        f"| first row of the {size / MiB:.0f} MiB history | ≤ 2 s "
        f"| **{g['first_row_s']:.2f} s** | {_verdict(g['first_row_s'] <= 2)} |",
        "| longest event-loop stall while decoding it | ≤ 100 ms "
        f"| **{g['max_stall_ms']:.0f} ms** (every payload decoded after "
        f"{g['all_decoded_s']:.1f} s) | {_verdict(g['max_stall_ms'] <= 100)} |",
        f"| peak RSS opening it | ≤ 4 × the file size ({4 * size / MiB:.0f} MiB) "
        f"| **{g['peak_rss_bytes'] / MiB:.0f} MiB** ({rss_ratio:.1f} ×) "
        f"| {_verdict(rss_ratio <= 4)} |",
        f"| cold start to window | ≤ 1.5 s | **{g['cold_start_s']:.2f} s** "
        f"(median of {len(g['cold_starts_s'])}) | {_verdict(g['cold_start_s'] <= 1.5)} |",
    ]


def _row(r: dict[str, Any]) -> str:
    cpu = r["server_cpu_ms_per_request"]
    return f"{r['rps']:.0f} | {r['p50_ms']:.1f} / {r['p99_ms']:.1f} | {cpu:.2f} |"


def _server_rounds(s: dict[str, Any]) -> list[str]:
    lines = [
        "Server rounds (concurrency 8, seed then ours in each round; CPU = the server's "
        "process, all threads, per request; p50 / p99 latency in ms):",
        "",
        "| case | round | seed req/s | seed p50 / p99 | seed CPU ms | ours req/s "
        "| ours p50 / p99 | ours CPU ms | ours / seed |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ("large", "small"):
        for i, r in enumerate(s[name]["rounds"], 1):
            ratio = r["ours"]["rps"] / r["seed"]["rps"]
            lines.append(f"| {name} | {i} | {_row(r['seed'])} {_row(r['ours'])} {ratio:.2f} |")
    for i, r in enumerate(s["references"]["rounds"], 1):
        for attempt in ("first", "again"):
            seed, ours = r[f"seed/{attempt}"], r[f"ours/{attempt}"]
            ratio = ours["rps"] / seed["rps"]
            lines.append(f"| references, {attempt} | {i} | {_row(seed)} {_row(ours)} {ratio:.2f} |")
    for i, r in enumerate(s.get("workers", {}).get("rounds", []), 1):
        one, two = r["1 worker"], r["2 workers"]
        ratio = two["rps"] / one["rps"]
        lines.append(f"| large, 1 worker → 2 workers | {i} | {_row(one)} {_row(two)} {ratio:.2f} |")
    floor = s["floor"]
    lines += [
        "",
        f"Floor, one core (cpu {floor['cpu']}), large bodies per second: "
        f"with the server's libraries {_runs(floor['fast']['runs'])}; "
        f"standard library only {_runs(floor['stdlib']['runs'])}.",
    ]
    return lines


def _runs(runs: list[float]) -> str:
    return f"median {statistics.median(runs):.0f} (" + ", ".join(f"{x:.0f}" for x in runs) + ")"


def _gui_details(g: dict[str, Any]) -> list[str]:
    return [
        f"GUI: {g['payloads']} payloads ({g['references']} of them references in the "
        f"filesystem store), {g['file_bytes'] / MiB:.1f} MiB file, opened offscreen; "
        f"first row {g['first_row_s']:.2f} s, every payload decoded {g['all_decoded_s']:.2f} s, "
        f"longest gap of a 10 ms QTimer {g['max_stall_ms']:.0f} ms, peak RSS "
        f"{g['peak_rss_bytes'] / MiB:.0f} MiB (the window alone: {g['idle_rss_bytes'] / MiB:.0f} "
        f"MiB); cold starts to a shown window: "
        + ", ".join(f"{x:.2f}" for x in g["cold_starts_s"])
        + " s.",
    ]


def _search_targets(s: dict[str, Any]) -> list[str]:
    worst = max(s["big_first_search_s"], s["big_search_s"])
    return [
        f"| search box, GUI-thread time per keystroke ({s['keystroke_payloads']:,} payloads) "
        f"| ≤ 16 ms | **{s['keystroke_ms_median']:.2f} ms** median, {s['keystroke_ms_max']:.2f} "
        f"ms at most | {_verdict(s['keystroke_ms_max'] <= 16)} |",
        f"| a value search over the {s['big_file_mib']:.0f} MiB history, once it is open "
        f"| ≤ 1 s | **{s['big_first_search_s']:.2f} s** the first, {s['big_search_s']:.2f} s "
        f"again | {_verdict(worst <= 1)} |",
    ]


def _search_details(s: dict[str, Any]) -> list[str]:
    found = s["small_matches"]
    return [
        f"Search: {s['keystroke_payloads']:,} json/plain payloads, one of them holding the "
        f"query; results {s['search_small_s_median']:.2f} s after the last keystroke (median, "
        f"with the search box's {s['pause_ms']} ms pause), {found} "
        f"{'match' if found == 1 else 'matches'}. The {s['big_payloads']:,}-payload history "
        f"(gzip profile): every payload decoded {s['big_decoded_s']:.2f} s after the open, "
        f"the values' index ({s['big_index_mib']:.0f} MiB, built ahead of any search, the "
        f"payloads the results did not keep decoded again) ready at "
        f"{s['big_index_ready_s']:.2f} s; a search typed before then waits for it. The "
        f"window's RSS grew by {s['big_rss_decoded_mib']} MiB for the decoded history, "
        f"{s['big_rss_indexed_mib']} MiB with its index. The "
        f"first search {s['big_first_search_s']:.2f} s, again {s['big_search_s']:.2f} s "
        "(each with the pause).",
    ]


def _decode_targets(d: dict[str, Any]) -> list[str]:
    from bench.decode_bench import summary

    big, batch = d["big"], d["batch"]
    s = summary(d)
    size = big["file_bytes"]
    speedup = batch["process_per_file_s"] / batch["one_process_s"]
    return [
        f"| `decode` of the {size / MiB:.0f} MiB history, throughput / the naive script's "
        f"| ≥ 2× | **{s['ratio']:.2f}×** ({size / MiB / s['ours_s']:.0f} MiB/s: "
        f"{s['ours_s']:.2f} s vs {s['naive_s']:.2f} s, median of {len(big['rounds'])}) "
        f"| {_verdict(s['ratio'] >= 2)} |",
        f"| `decode` peak RSS on it | ≤ 2 × the file ({2 * size / MiB:.0f} MiB) "
        f"| **{s['ours_rss']:.2f} ×** (the naive script: {s['naive_rss']:.2f} ×) "
        f"| {_verdict(s['ours_rss'] <= 2)} |",
        *_screenshot_target(big),
        f"| `decode --output-dir` of {batch['files']} histories of "
        f"{batch['file_bytes'] / 1024:.0f} KiB vs a process per file | report "
        f"| **{speedup:.1f}×** faster ({batch['one_process_s']:.1f} s vs "
        f"{batch['process_per_file_s']:.1f} s) | — |",
    ]


def _screenshot_target(big: dict[str, Any]) -> list[str]:
    shot = big.get("screenshot")
    if shot is None:
        return []
    size, rss = big["file_bytes"], shot["peak_rss_bytes"] / big["file_bytes"]
    ok = shot["seconds"] <= 20 and rss <= 4
    return [
        f"| headless `screenshot` of the {size / MiB:.0f} MiB history | ≤ 20 s, ≤ 4 × the file "
        f"in peak RSS | **{shot['seconds']:.1f} s, {rss:.2f} ×** "
        f"({shot['peak_rss_bytes'] / MiB:.0f} MiB) | {_verdict(ok)} |"
    ]


def _decode_details(d: dict[str, Any]) -> list[str]:
    big = d["big"]
    rounds = "; ".join(
        f"{r['naive']['seconds']:.2f} s / {r['ours']['seconds']:.2f} s, "
        f"{r['naive']['peak_rss_bytes'] / MiB:.0f} / {r['ours']['peak_rss_bytes'] / MiB:.0f} MiB"
        for r in big["rounds"]
    )
    return [
        f"decode: {big['payloads']} payloads ({big['references']} references), "
        f"{big['file_bytes'] / MiB:.1f} MiB in, {big['output_bytes'] / MiB:.0f} MiB out; "
        f"rounds (naive / ours, wall and peak RSS): {rounds}.",
    ]
