"""``payload-inspector explain``: every layer the pipeline went through for one payload.

Exit codes: 0 the payload decoded, 2 bad input/usage/config (one line), 3 a layer failed or
the result is still in a codec's encoding (the layers are printed either way).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from temporalio.api.common.v1 import Payload

from inspector.commands import ExitCode, UsageError, fail, request_from
from inspector.config import load_config
from inspector.diagnosis import Diagnoser, Explanation
from inspector.documents import FoundPayload, parse_document
from inspector.errors import InspectorError
from inspector.layers_report import explanation_json, explanation_text

PROG = "payload-inspector explain"


@dataclass(frozen=True)
class ExplainRequest:
    """What the user asked of ``explain``."""

    file: str
    select: str
    config: str | None = None
    profile: str | None = None
    namespace: str | None = None
    json: bool = False


def find_payload(payloads: list[FoundPayload], pointer: str, file: str) -> FoundPayload:
    """The payload at ``pointer``; a ``UsageError`` naming the first one otherwise."""
    for found in payloads:
        if found.location.pointer == pointer:
            return found
    if not payloads:
        raise UsageError(f"{file}: the document holds no payloads")
    first = payloads[0].location.pointer or "/"
    raise UsageError(f"--select: no payload at {pointer!r} in {file} (the first is at {first!r})")


def run_explain(req: ExplainRequest, out: TextIO) -> int:
    """Read the document and config, trace the payload's decode, print its layers."""
    try:
        data = Path(req.file).expanduser().read_bytes()
    except OSError as e:
        raise UsageError(f"{req.file}: cannot read: {e.strerror or e}") from None
    doc = parse_document(data, source=req.file)
    found = find_payload(doc.payloads, req.select, req.file)
    config = load_config(req.config)
    profile = config.select(profile=req.profile, namespace=req.namespace)
    if not found.location.transform:
        raise UsageError(
            f"--select: {req.select!r} is a search attribute, which no codec encodes: "
            "there are no layers to show"
        )
    explanation = asyncio.run(_explain(Diagnoser(config, profile, req.namespace), found.payload))
    if req.json:
        out.write(json.dumps(explanation_json(explanation, req.file, found.location)) + "\n")
    else:
        out.write(explanation_text(explanation, req.file, found.location))
    out.flush()
    return ExitCode.DECODE_FAILED if explanation.failed else ExitCode.OK


async def _explain(diagnoser: Diagnoser, payload: Payload) -> Explanation:
    try:
        return await diagnoser.explain(payload)
    finally:
        await diagnoser.aclose()


def main(args: argparse.Namespace) -> int:
    """``payload-inspector explain``, from its parsed arguments."""
    try:
        return run_explain(request_from(args, ExplainRequest), sys.stdout)
    except InspectorError as e:
        return fail(PROG, str(e))
