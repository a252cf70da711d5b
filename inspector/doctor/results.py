"""A doctor's checklist: one result per check, each with what was seen and the fix.

The check names are fixed (scripts and people grep for them); a line reads
``NAME  STATUS  what was seen — fix: what to do``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

CHECK_NAMES = (
    "reachable",
    "preflight",
    "cors on errors",
    "https for tokens",
    "payload count and order",
    "round trip",
    "download",
    "bad body",
    "latency",
)
_WIDTH = max(len(name) for name in CHECK_NAMES)


class Status(enum.StrEnum):
    """How a check came out; only ``FAIL`` makes ``doctor`` exit 1."""

    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass(frozen=True)
class CheckResult:
    """One check: its fixed name, how it came out, what was seen, and the fix (if any)."""

    name: str
    status: Status
    seen: str
    fix: str = ""

    def __post_init__(self) -> None:
        if self.name not in CHECK_NAMES:
            raise ValueError(f"unknown check name {self.name!r}")

    @property
    def line(self) -> str:
        fix = f" — fix: {self.fix}" if self.fix and self.status is not Status.OK else ""
        return f"{self.name:<{_WIDTH}}  {self.status.value:<4}  {self.seen}{fix}"


def failed(results: Sequence[CheckResult]) -> bool:
    return any(r.status is Status.FAIL for r in results)


def checklist(results: Sequence[CheckResult]) -> str:
    """The results as the lines ``doctor`` prints."""
    return "".join(r.line + "\n" for r in results)
