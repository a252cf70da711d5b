"""``payload-inspector decode``: a document in, the same document out, every payload transformed.

Exit codes are the commands' own (``ExitCode``): 0 done, 2 bad input/usage/config (one line,
no traceback), 3 a payload could not be decoded (each named on stderr; stdout only with
--keep-going).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import dataclass
from typing import TextIO

from inspector.commands import ExitCode, UsageError, fail, request_from, view_option
from inspector.config import load_config
from inspector.documents import parse_document, render_readable, write_document
from inspector.errors import InspectorError
from inspector.protobufs import cached_message_types
from inspector.runtime import build_pipeline
from inspector.views import transform_document

PROG = "payload-inspector decode"


@dataclass(frozen=True)
class DecodeRequest:
    """What the user asked of ``decode``."""

    file: str = "-"
    view: str = "decoded"
    config: str | None = None
    profile: str | None = None
    namespace: str | None = None
    readable: bool = False
    keep_going: bool = False


def read_input(file: str, stdin: TextIO | None = None) -> tuple[bytes, str]:
    """The document's bytes and its name for messages."""
    if file == "-":
        stream = stdin or sys.stdin
        if stream is None:  # started with standard input closed (`<&-`)
            raise UsageError("<stdin>: standard input is closed: give a FILE instead of -")
        try:
            return stream.buffer.read() if hasattr(
                stream, "buffer"
            ) else stream.read().encode(), "<stdin>"
        except OSError as e:
            raise UsageError(f"<stdin>: cannot read: {e.strerror or e}") from None
    try:
        with open(file, "rb") as f:
            return f.read(), file
    except OSError as e:
        raise UsageError(f"{file}: cannot read: {e.strerror or e}") from None


async def decode_main(req: DecodeRequest, out: TextIO, err: TextIO) -> int:
    """Run ``decode``; returns the exit code and writes only the contract's output."""
    view_option(req.view)
    data, source = read_input(req.file)
    doc = parse_document(data, source=source)
    config = load_config(req.config)
    profile = config.select(profile=req.profile, namespace=req.namespace)
    # Descriptors only matter for people; a broken one is a config error before any decoding.
    types = (
        await asyncio.to_thread(cached_message_types, profile.proto_descriptors)
        if req.readable
        else None
    )
    pipeline = build_pipeline(
        profile, namespace=req.namespace, max_decoded_bytes=config.server.max_decoded_bytes
    )
    try:
        outcomes = await transform_document(doc, pipeline, req.view)
    finally:
        await pipeline.aclose()
    failures = [(i, o) for i, o in outcomes.items() if o.error is not None]
    for i, outcome in failures:
        assert outcome.error is not None
        where = doc.payloads[i].location
        print(
            f"{source}: {where.label} ({where.pointer or '/'}): {outcome.error.describe()}",
            file=err,
        )
    if failures and not req.keep_going:
        return ExitCode.DECODE_FAILED
    replacements = {i: o.payload for i, o in outcomes.items() if o.payload is not None}
    if req.readable:
        out.write(render_readable(doc, replacements, types))
    else:
        out.write(write_document(doc, replacements))
    out.write("\n")
    out.flush()  # a full disk or a closed pipe is reported here, not at interpreter exit
    return ExitCode.DECODE_FAILED if failures else ExitCode.OK


def main(args: argparse.Namespace) -> int:
    """``payload-inspector decode``, from its parsed arguments."""
    return run_decode(request_from(args, DecodeRequest))


def run_decode(req: DecodeRequest) -> int:
    """Entry for the CLI: turns every expected failure into its exit code and one line."""
    try:
        if sys.stdout is None:  # started with standard output closed (`>&-`)
            raise UsageError("standard output is closed: nowhere to print the document")
        return asyncio.run(decode_main(req, sys.stdout, sys.stderr))
    except InspectorError as e:
        return fail(PROG, str(e))
    except BrokenPipeError:
        # The reader left (`decode … | head`): not an error to report, and Python must not
        # complain again when it flushes stdout at exit.
        _drop_stdout()
        return ExitCode.BROKEN_PIPE
    except OSError as e:  # stdout on a full disk, or a device that refuses the write
        _drop_stdout()
        return fail(PROG, f"cannot write the output: {e.strerror or e}")


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's flush at exit cannot fail again."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
