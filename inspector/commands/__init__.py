"""The command line's verbs, one module each: arguments in, one call into a package, exit code out.

Commands are thin on purpose: what a command *does* lives in the packages below it
(``documents``, ``views``, ``pipeline``, ``server``), which the GUI imports too; the GUI never
imports a command. Every command speaks the same exit codes and reports a usage error the
same way, in one line on stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import sys
from typing import TYPE_CHECKING, Any, TypeVar

from inspector.errors import InspectorError
from inspector.views import View

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    R = TypeVar("R", bound=DataclassInstance)
else:
    R = TypeVar("R")


class ExitCode(enum.IntEnum):
    """The exit codes every command shares (a contract: scripts branch on them)."""

    OK = 0
    FAILED = 1  # a check failed, two documents differ, evidence did not verify
    USAGE = 2  # bad usage, input or config: one line on stderr, never a traceback
    DECODE_FAILED = 3  # a payload could not be decoded (each one named on stderr)
    BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a writer whose reader left


class UsageError(InspectorError):
    """Bad input, usage or config: the command exits 2 with this one line."""


def request_from(args: argparse.Namespace, request: type[R]) -> R:
    """A command's request from its parsed arguments: each field is the argument of that name,
    so the parser (``inspector.cli``) and the command agree by name, not by a copied list."""
    values: dict[str, Any] = {
        f.name: getattr(args, f.name) for f in dataclasses.fields(request) if hasattr(args, f.name)
    }
    return request(**values)


def view_option(text: str) -> View:
    """``--view TEXT`` as a View; a ``UsageError`` naming the option and the allowed views."""
    try:
        return View.parse(text)
    except ValueError as e:
        raise UsageError(f"--view: {e}") from None


def fail(prog: str, message: str, code: ExitCode = ExitCode.USAGE) -> int:
    """Say ``prog: message`` on stderr in one line and give the exit code to return."""
    print(f"{prog}: {message}", file=sys.stderr, flush=True)
    return code
