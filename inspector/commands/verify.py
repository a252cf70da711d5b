"""``payload-inspector verify DIR [--source FILE]``: check an evidence folder.

One line per check (``ok``/``FAIL``, what was checked, what was found), then ``verified`` or
``not verified``. Exit codes: 0 verified, 1 not (a hash, the caption, the rules or the value
does not hold), 2 bad usage or input (no such folder, no manifest, an unreadable source or
config).
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass

from inspector.commands import ExitCode, fail, request_from
from inspector.config import load_config
from inspector.errors import InspectorError
from inspector.evidence import verify

PROG = "payload-inspector verify"


@dataclass(frozen=True)
class VerifyRequest:
    """What the user asked of ``verify``."""

    dir: str
    source: str | None = None
    config: str | None = None


def main(args: argparse.Namespace) -> int:
    """``payload-inspector verify``, from its parsed arguments."""
    return run_verify(request_from(args, VerifyRequest))


def run_verify(req: VerifyRequest) -> int:
    try:
        config = load_config(req.config) if req.source is not None else None
        report = asyncio.run(verify(req.dir, source=req.source, config=config))
    except InspectorError as e:
        return fail(PROG, str(e))
    for check in report.checks:
        print(check.line())
    if req.source is None:
        print("(no --source: the hashes and the caption were checked, not the value)")
    failed = sum(1 for c in report.checks if not c.ok)
    print("verified" if report.verified else f"not verified: {failed} check(s) failed")
    return ExitCode.OK if report.verified else ExitCode.FAILED
