"""``payload-inspector diff A B``: two payloads, documents or runs compared, decoded.

Each difference is one line, ``WHERE: PATH: A → B`` (``--json``: one object with every
difference), where WHERE names the event pair or the payload and PATH is the JSON pointer
inside it. Exit codes: 0 the same, 1 different, 2 bad usage or input, 3 a payload could not
be decoded (each named on stderr, nothing compared).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from inspector.commands import ExitCode, UsageError, fail, request_from, view_option
from inspector.config import load_config
from inspector.diffing import (
    Difference,
    ItemDiff,
    Side,
    compare_documents,
    compare_payloads,
    differences,
)
from inspector.errors import InspectorError
from inspector.redaction import Redaction
from inspector.shown import ShownDocument, show_file

PROG = "payload-inspector diff"
VALUE_CHARS = 200  # a longer value is cut in the text output (--json has it whole)


@dataclass(frozen=True)
class DiffRequest:
    """What the user asked of ``diff``."""

    a: str
    b: str
    select: str | None = None
    select_b: str | None = None
    view: str = "decoded"
    config: str | None = None
    profile: str | None = None
    namespace: str | None = None
    redact: Sequence[str] = ()
    json: bool = False


def main(args: argparse.Namespace) -> int:
    """``payload-inspector diff``, from its parsed arguments."""
    return run_diff(request_from(args, DiffRequest))


def run_diff(req: DiffRequest) -> int:
    try:
        return asyncio.run(diff_main(req, sys.stdout, sys.stderr))
    except InspectorError as e:
        return fail(PROG, str(e))
    except BrokenPipeError:  # the reader left (`diff … | head`): as decode reports it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.BROKEN_PIPE


async def diff_main(req: DiffRequest, out: TextIO, err: TextIO) -> int:
    view_option(req.view)
    if req.select_b is not None and req.select is None:
        raise UsageError("--select-b needs --select (the payload of A to compare it with)")
    Redaction.parse(req.redact)  # a bad rule is reported before anything is read
    config = load_config(req.config)
    redaction = Redaction.of(req.redact, config.redaction_rules)
    options: dict[str, Any] = {
        "view": req.view,
        "redaction": redaction,
        "profile": req.profile,
        "namespace": req.namespace,
    }
    a = await show_file(req.a, config, **options)
    b = await show_file(req.b, config, **options)
    failures = a.failure_lines() + b.failure_lines()
    if failures:
        for line in failures:
            print(line, file=err)
        return ExitCode.DECODE_FAILED
    found = differences(_compare(req, a, b))
    if req.json:
        answer = {
            "same": not found,
            "a": req.a,
            "b": req.b,
            "view": req.view,
            "redaction": {"rules": redaction.texts, "sha256": redaction.sha256()}
            if redaction
            else None,
            "differences": [d.as_json() for d in found],
        }
        out.write(json.dumps(answer, indent=2, ensure_ascii=False) + "\n")
    else:
        for d in found:
            out.write(describe(d) + "\n")
    out.flush()
    return ExitCode.FAILED if found else ExitCode.OK


def _compare(req: DiffRequest, a: ShownDocument, b: ShownDocument) -> list[ItemDiff]:
    side_a, side_b = Side(a.doc, a.shown), Side(b.doc, b.shown)
    if req.select is None:
        return compare_documents(side_a, side_b)
    index_a = _index(a, req.select, "--select", req.a)
    index_b = _index(
        b, req.select_b or req.select, "--select-b" if req.select_b else "--select", req.b
    )
    return compare_payloads(side_a, index_a, side_b, index_b)


def _index(shown: ShownDocument, pointer: str, option: str, file: str) -> int:
    for i, found in enumerate(shown.doc.payloads):
        if found.location.pointer == pointer:
            return i
    first = shown.doc.payloads[0].location.pointer if shown.doc.payloads else None
    hint = f" (the first is at {first or '/'!r})" if first is not None else " (it holds none)"
    raise UsageError(f"{option}: no payload at {pointer!r} in {file}{hint}")


def describe(d: Difference) -> str:
    """One line for people: ``WHERE: PATH: A → B`` (or ``only in A/B``)."""
    if not d.path and d.kind != "changed":  # a whole event one run lacks: WHERE names it
        return f"{d.where}: only in {'A' if d.kind == 'removed' else 'B'}"
    path = d.path or "(whole)"
    if d.kind == "removed":
        return f"{d.where}: {path}: only in A: {_value(d.a)}"
    if d.kind == "added":
        return f"{d.where}: {path}: only in B: {_value(d.b)}"
    return f"{d.where}: {path}: {_value(d.a)} → {_value(d.b)}"


def _value(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= VALUE_CHARS else text[:VALUE_CHARS] + "…"
