"""``payload-inspector doctor URL``: a codec server's checklist, each failure with its fix.

Exit codes: 0 no check failed (warnings allowed), 1 some check failed, 2 bad usage (a URL or
origin that is not one, an unreadable ``--sample``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path

from temporalio.api.common.v1 import Payload

from inspector.commands import ExitCode, UsageError, fail, request_from
from inspector.doctor import DEFAULT_ORIGIN, DoctorOptions, checklist, failed, run_checks
from inspector.documents import parse_document
from inspector.errors import InspectorError

PROG = "payload-inspector doctor"


@dataclass(frozen=True)
class DoctorRequest:
    """What the user asked of ``doctor``."""

    url: str
    origin: str | None = None
    namespace: str | None = None
    auth: str | None = None
    sample: str | None = None


def options_from(req: DoctorRequest) -> DoctorOptions:
    """The checks' options; the sample document's payloads are what is sent."""
    sample: tuple[Payload, ...] = ()
    if req.sample is not None:
        try:
            data = Path(req.sample).expanduser().read_bytes()
        except OSError as e:
            raise UsageError(f"--sample {req.sample}: cannot read: {e.strerror or e}") from None
        doc = parse_document(data, source=req.sample)
        sample = tuple(found.payload for found in doc.payloads if found.location.transform)
        if not sample:
            raise UsageError(f"--sample {req.sample}: the document holds no payloads")
    return DoctorOptions(
        url=req.url,
        origin=req.origin or DEFAULT_ORIGIN,
        namespace=req.namespace,
        auth=req.auth,
        sample=sample,
    )


def main(args: argparse.Namespace) -> int:
    """``payload-inspector doctor``, from its parsed arguments."""
    try:
        options = options_from(request_from(args, DoctorRequest))
    except InspectorError as e:
        return fail(PROG, str(e))
    results = asyncio.run(run_checks(options))
    sys.stdout.write(checklist(results))
    sys.stdout.flush()
    return ExitCode.FAILED if failed(results) else ExitCode.OK
