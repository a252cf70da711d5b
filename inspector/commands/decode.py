"""``payload-inspector decode``: a document in, the same document out, every payload transformed.

Exit codes are the commands' own (``ExitCode``): 0 done, 2 bad input/usage/config (one line,
no traceback), 3 a payload could not be decoded, or with --strict was left in a codec's
encoding (each named on stderr, as a left-encoded payload always is; stdout only with
--keep-going). The work is ``inspector.streamed``'s; several files at once are
``decode_batch``'s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import errno
import io
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, TextIO

from inspector.commands import ExitCode, UsageError, fail, request_from, view_option
from inspector.config import load_config
from inspector.diagnosis import Diagnoser, hint
from inspector.errors import InspectorError
from inspector.left_encoded import reason as left_reason
from inspector.protobufs import cached_message_types
from inspector.redaction import Redaction
from inspector.runtime import build_pipeline
from inspector.streamed import Findings, transform_file

if TYPE_CHECKING:
    from inspector.config import Config, Profile
    from inspector.pipeline import Pipeline
    from inspector.protobufs import MessageTypes

PROG = "payload-inspector decode"
CHUNK_BYTES = 1024 * 1024


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
    strict: bool = False
    files: tuple[str, ...] = ()  # several documents (with ``output_dir``); else ``file``
    output_dir: str | None = None
    redact: Sequence[str] = ()
    format: str = "input"  # "json": a binary history or export is written as JSON
    # A history fetched from a Temporal server (inspector.live) instead of a FILE.
    workflow_id: str | None = None
    run_id: str | None = None
    address: str | None = None
    env_profile: str | None = None
    api_key: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_ca: str | None = None
    tls_server_name: str | None = None


@contextlib.asynccontextmanager
async def open_input(file: str) -> AsyncIterator[tuple[BinaryIO, str]]:
    """The document as a seekable binary file, and its name for messages.

    Standard input is copied to a temporary file first (in a thread, as the file is opened):
    a document the streamed path does not take is read a second time.
    """
    if file != "-":
        try:
            f = await asyncio.to_thread(open, file, "rb")
        except OSError as e:
            raise UsageError(f"{file}: cannot read: {e.strerror or e}") from None
        with f:
            yield f, file
        return
    if sys.stdin is None:  # started with standard input closed (`<&-`)
        raise UsageError("<stdin>: standard input is closed: give a FILE instead of -")
    with tempfile.TemporaryFile() as spool:
        try:
            await asyncio.to_thread(shutil.copyfileobj, sys.stdin.buffer, spool, CHUNK_BYTES)
        except OSError as e:
            raise UsageError(f"<stdin>: cannot read: {e.strerror or e}") from None
        spool.seek(0)
        yield spool, "<stdin>"


async def report(source: str, found: Findings, diagnoser: Diagnoser, err: TextIO) -> None:
    """One stderr line per failed payload (``SOURCE: LABEL (POINTER): stage (component):
    cause``), then one per payload left in a codec's encoding (``…: left encoded: …``), each
    with the diagnosis's hint when one was found (`` — hint: …``)."""
    profile = diagnoser.profile.name
    for where, error, payload in found.failures:
        why = hint(await diagnoser.line(payload, error))
        print(
            f"{source}: {where.label} ({where.pointer or '/'}): {error.describe()}{why}", file=err
        )
    for where, encoding, payload in found.left:
        why = hint(await diagnoser.line(payload))
        shown = f"left encoded: {left_reason(encoding, profile)}{why}"
        print(f"{source}: {where.label} ({where.pointer or '/'}): {shown}", file=err)


def check_redact(req: DecodeRequest) -> None:
    """``--redact`` only with ``--readable`` (else the output is the codec server's exact
    answer), and every rule readable, before any input is read."""
    if req.redact and not req.readable:
        raise UsageError(
            "--redact needs --readable: without it the output is the codec server's exact answer"
        )
    Redaction.parse(req.redact)


async def decode_main(req: DecodeRequest, out: BinaryIO, err: TextIO) -> int:
    """Run ``decode``; returns the exit code and writes only the contract's output.

    The document is written as it is decoded, yet reaches stdout only when it is known good
    (or ``--keep-going``): on exit 2 or 3 stdout gets nothing. Into a regular file it is
    written in place and cut back to where it began if it fails; to anything else (a pipe,
    a terminal) it goes through a temporary file, copied out at the end.
    """
    view_option(req.view)
    check_redact(req)
    if req.workflow_id is not None:
        from inspector.live.history_input import fetched_input, server_namespace

        req = dataclasses.replace(req, namespace=await server_namespace(req))
        opened = fetched_input(req)
    else:
        opened = open_input(req.file)
    async with opened as (src, source):
        with contextlib.ExitStack() as stack:
            return await _decode_into(req, src, source, out, stack, err)


async def prepare(
    req: DecodeRequest,
) -> tuple[Config, Profile, Pipeline, Redaction | None, MessageTypes | None]:
    """The config, the profile, its pipeline, and for ``--readable`` the redaction rules
    (the command line's, then the config's) and the protobuf descriptors (a broken one is a
    config error before any decoding): what one document and a batch both start from."""
    if req.profile is not None and req.namespace is not None and req.workflow_id is None:
        raise UsageError("--profile and --namespace: give one (both only with --workflow-id)")
    config = load_config(req.config)
    profile = config.select(profile=req.profile, namespace=req.namespace)
    redaction = Redaction.of(req.redact, config.redaction_rules) if req.readable else None
    types = (
        await asyncio.to_thread(cached_message_types, profile.proto_descriptors)
        if req.readable
        else None
    )
    pipeline = build_pipeline(
        profile, namespace=req.namespace, max_decoded_bytes=config.server.max_decoded_bytes
    )
    return config, profile, pipeline, redaction, types


async def _decode_into(
    req: DecodeRequest,
    src: BinaryIO,
    source: str,
    out: BinaryIO,
    stack: contextlib.ExitStack,
    err: TextIO,
) -> int:
    """The document from ``src`` onto ``out`` (in place or through a temporary file)."""
    config, profile, pipeline, redaction, types = await prepare(req)
    in_place = _writes_in_place(out, src)
    if in_place:
        out.flush()
        target, start = out, out.tell()
    else:
        target, start = stack.enter_context(tempfile.TemporaryFile()), 0
    try:
        found = await transform_file(
            src, source, target, pipeline, req.view, req.readable, redaction, types,
            as_json=req.format == "json",
        )  # fmt: skip
    except BaseException:
        if in_place:
            _cut(out, start)
        raise
    finally:
        await pipeline.aclose()
    diagnoser = Diagnoser(config, profile, req.namespace)
    try:
        await report(source, found, diagnoser, err)
    finally:
        await diagnoser.aclose()
    failed = found.failed(strict=req.strict)
    if failed and not req.keep_going:
        if in_place:
            _cut(out, start)
        return ExitCode.DECODE_FAILED
    if not found.binary:
        target.write(b"\n")
    if in_place:
        out.flush()  # a full disk is reported here, not at interpreter exit
    else:
        await asyncio.to_thread(copy_out, target, out)
    return ExitCode.DECODE_FAILED if failed else ExitCode.OK


def _writes_in_place(out: BinaryIO, src: BinaryIO) -> bool:
    """stdout is a regular file (not the input itself) that can be cut back."""
    try:
        mode = os.fstat(out.fileno())
        return (
            stat.S_ISREG(mode.st_mode)
            and out.seekable()
            and (mode.st_dev, mode.st_ino) != _identity(src)
        )
    except (OSError, AttributeError, io.UnsupportedOperation):
        return False


def _identity(f: BinaryIO) -> tuple[int, int]:
    info = os.fstat(f.fileno())
    return info.st_dev, info.st_ino


def _cut(out: BinaryIO, start: int) -> None:
    """Take back what was written from ``start`` on: the file is as it was before."""
    with contextlib.suppress(OSError, ValueError):
        out.flush()
    with contextlib.suppress(OSError, ValueError):
        out.seek(start)
        out.truncate()


def copy_out(temp: BinaryIO, out: BinaryIO) -> None:
    """The whole of ``temp`` onto ``out``, by the kernel where it can (``sendfile``)."""
    temp.flush()
    out.flush()
    size = temp.tell()
    offset = 0
    try:
        while offset < size:
            sent = os.sendfile(out.fileno(), temp.fileno(), offset, size - offset)
            if sent == 0:
                break
            offset += sent
    except (OSError, AttributeError, io.UnsupportedOperation) as e:
        if isinstance(e, OSError) and e.errno not in (errno.EINVAL, errno.ENOSYS, None):
            raise  # a full disk or a reader that left: the caller names it
    if offset < size:
        temp.seek(offset)
        shutil.copyfileobj(temp, out, CHUNK_BYTES)
    out.flush()  # a full disk or a closed pipe is reported here, not at interpreter exit


def main(args: argparse.Namespace) -> int:
    """``payload-inspector decode``, from its parsed arguments."""
    req = request_from(args, DecodeRequest)
    if req.output_dir is not None:
        from inspector.commands.decode_batch import run_batch

        return run_batch(req)
    if len(req.files) > 1:
        return fail(PROG, "several FILEs are decoded into a folder: add --output-dir DIR")
    if req.workflow_id is not None and req.files:
        return fail(PROG, "--workflow-id fetches the history: give no FILE with it")
    if req.workflow_id is None and (req.address or req.run_id or req.env_profile):
        return fail(PROG, "--address, --run-id and --env-profile need --workflow-id ID")
    return run_decode(dataclasses.replace(req, file=req.files[0]) if req.files else req)


def run_decode(req: DecodeRequest) -> int:
    """Entry for the CLI: turns every expected failure into its exit code and one line."""
    try:
        if sys.stdout is None:  # started with standard output closed (`>&-`)
            raise UsageError("standard output is closed: nowhere to print the document")
        return asyncio.run(decode_main(req, sys.stdout.buffer, sys.stderr))
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
