"""``decode FILE... --output-dir DIR``: many documents in one process, one output each.

Starting the interpreter and loading the SDK cost more than decoding a 500 KB history, so a
folder of exports is decoded by one process, several documents at a time (each streamed as
``decode`` streams one, its codecs inflating in threads), which keeps both cores busy. Each
output is ``DIR/<input's name>``, written atomically; a document with failed payloads gets
no output unless ``--keep-going``, as ``decode`` prints nothing then. Exit codes are
``decode``'s: 2 when a file could not be read or is no document (each named), else 3 when
any payload of any file failed (each named), else 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from inspector.atomic_write import replacing
from inspector.commands import ExitCode, UsageError, fail, view_option
from inspector.commands.decode import PROG, check_redact, prepare, report
from inspector.diagnosis import Diagnoser
from inspector.errors import InspectorError
from inspector.protobufs import MessageTypes
from inspector.redaction import Redaction
from inspector.streamed import Findings, transform_file

if TYPE_CHECKING:
    from inspector.commands.decode import DecodeRequest
    from inspector.pipeline import Pipeline

CONCURRENT_DOCUMENTS = 4  # enough to keep two cores busy while one document waits on I/O


@dataclass
class _Result:
    """What became of one input: a line for a file that failed whole, or its failures."""

    problem: str | None = None
    found: Findings = field(default_factory=Findings)


def inputs(files: tuple[str, ...]) -> list[Path]:
    """The documents named: files as given, folders as their ``.json`` files (sorted)."""
    found: list[Path] = []
    for name in files:
        if name == "-":
            raise UsageError("--output-dir: standard input has no name for its output: give FILEs")
        path = Path(name)
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix == ".json" and p.is_file())
        else:
            found.append(path)
    if not found:
        raise UsageError(
            "--output-dir: no documents to decode (no FILE, or no .json in the folder)"
        )
    return found


def outputs(sources: list[Path], directory: Path) -> list[Path]:
    """One output per input, by name; two inputs of one name, or an output over its input,
    are refused before anything is written (the user's files are never overwritten)."""
    targets: dict[str, Path] = {}
    for source in sources:
        if source.name in targets:
            raise UsageError(
                f"--output-dir: {targets[source.name]} and {source} would both be written to "
                f"{directory / source.name}"
            )
        targets[source.name] = source
    result = [directory / source.name for source in sources]
    for source, target in zip(sources, result, strict=True):
        if target.exists() and target.resolve() == source.resolve():
            raise UsageError(f"--output-dir: {target} is the input itself; choose another DIR")
    return result


async def _decode_one(
    source: Path,
    target: Path,
    pipeline: Pipeline,
    req: DecodeRequest,
    redaction: Redaction | None,
    types: MessageTypes | None,
) -> _Result:
    """One document into its output; a file that is no document is a line, not an exit."""
    stack = contextlib.ExitStack()
    try:
        src = stack.enter_context(await asyncio.to_thread(open, source, "rb"))
    except OSError as e:
        return _Result(problem=f"{source}: cannot read: {e.strerror or e}")
    keep = False
    try:
        temp = await asyncio.to_thread(stack.enter_context, replacing(target))
        with open(temp, "wb") as out:  # noqa: ASYNC230 (an empty file just made)
            found = await transform_file(
                src, str(source), out, pipeline, req.view, req.readable, redaction, types,
                as_json=req.format == "json",
            )  # fmt: skip
            if not found.binary:
                out.write(b"\n")
        keep = not found.failed(strict=req.strict) or req.keep_going
        return _Result(found=found)
    except InspectorError as e:
        return _Result(problem=str(e))
    except OSError as e:
        return _Result(problem=f"{target}: cannot write: {e.strerror or e}")
    finally:
        if keep:  # commits the output (fsync and rename) off the event loop
            await asyncio.to_thread(stack.close)
        else:  # removes what was written
            error = RuntimeError("not kept")
            await asyncio.to_thread(stack.__exit__, RuntimeError, error, None)


async def batch_main(
    req: DecodeRequest, sources: list[Path], targets: list[Path], err: TextIO
) -> int:
    """Decode each source into its target; returns the exit code."""
    check_redact(req)
    config, profile, pipeline, redaction, types = await prepare(req)
    slots = asyncio.Semaphore(CONCURRENT_DOCUMENTS)
    progress = _Progress(err, len(sources))

    async def run(source: Path, target: Path) -> _Result:
        async with slots:
            result = await _decode_one(source, target, pipeline, req, redaction, types)
        progress.step(source.name)
        return result

    try:
        results = await asyncio.gather(*(run(s, t) for s, t in zip(sources, targets, strict=True)))
    finally:
        await pipeline.aclose()
        progress.done()
    diagnoser = Diagnoser(config, profile, req.namespace)
    try:
        for source, result in zip(sources, results, strict=True):
            if result.problem is not None:
                print(f"{PROG}: {result.problem}", file=err)
            await report(str(source), result.found, diagnoser, err)
    finally:
        await diagnoser.aclose()
    if any(r.problem is not None for r in results):
        return ExitCode.USAGE
    failed = any(r.found.failed(strict=req.strict) for r in results)
    return ExitCode.DECODE_FAILED if failed else ExitCode.OK


class _Progress:
    """``[n/total] name`` on one line of a terminal's stderr; nothing when it is not one."""

    def __init__(self, err: TextIO, total: int) -> None:
        self._err = err if err.isatty() else None
        self._total = total
        self._count = 0

    def step(self, name: str) -> None:
        self._count += 1
        if self._err is not None:
            self._err.write(f"\r\033[K[{self._count}/{self._total}] {name[:60]}")
            self._err.flush()

    def done(self) -> None:
        if self._err is not None and self._count:
            self._err.write("\r\033[K")
            self._err.flush()


def run_batch(req: DecodeRequest) -> int:
    """Entry for the CLI: every expected failure of the run as a whole is one line, exit 2."""
    try:
        view_option(req.view)
        assert req.output_dir is not None
        sources = inputs(req.files or (req.file,))
        directory = Path(req.output_dir)
        targets = outputs(sources, directory)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise UsageError(f"--output-dir: {directory}: {e.strerror or e}") from None
        return asyncio.run(batch_main(req, sources, targets, sys.stderr))
    except InspectorError as e:
        return fail(PROG, str(e))
