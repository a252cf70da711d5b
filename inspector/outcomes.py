"""What the pipeline says about each payload: a value, or an error naming where it failed.

Every face (GUI, server, CLI) reads these: the GUI shows an error on its payload, the
server maps ``kind`` to one HTTP status, the CLI prints ``stage``/``component``/``message``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from temporalio.api.common.v1 import Payload

from inspector.errors import InspectorError


class ErrorKind(enum.Enum):
    """Why a payload failed; each kind has one HTTP status (see ``http_status``)."""

    BAD_INPUT = "bad-input"  # not a payload / not a reference where one was required
    CODEC = "codec"  # a codec raised (wrong key id, corrupt data, remote codec refused)
    NO_STORAGE = "no-storage"  # a reference, and the profile has no external storage
    UNKNOWN_DRIVER = "unknown-driver"  # a reference to a driver the profile lacks
    MISSING = "missing"  # the store answered: no such blob
    INTEGRITY = "integrity"  # the blob is there but its hash does not match the claim
    UNREACHABLE = "unreachable"  # the store did not answer properly
    TIMEOUT = "timeout"  # the store was slower than the profile's timeout
    LIMIT = "limit"  # refused by a bound: what one payload or one request may decode
    BUSY = "busy"  # other large decodes hold the gate (``inspector.limits``); try again

    @property
    def http_status(self) -> int:
        return _HTTP_STATUS[self]


_HTTP_STATUS = {
    ErrorKind.BAD_INPUT: 400,
    ErrorKind.CODEC: 422,
    ErrorKind.NO_STORAGE: 422,
    ErrorKind.UNKNOWN_DRIVER: 422,
    ErrorKind.MISSING: 422,
    ErrorKind.INTEGRITY: 422,
    ErrorKind.UNREACHABLE: 502,
    ErrorKind.TIMEOUT: 504,
    ErrorKind.LIMIT: 422,
    ErrorKind.BUSY: 503,
}


class Stage(enum.Enum):
    """Where in the pipeline a payload failed."""

    POST_CODEC = "post-storage codec"
    REFERENCE = "reference"
    RETRIEVE = "storage"
    PRE_CODEC = "pre-storage codec"
    STORE = "store"
    INPUT = "input"


MESSAGE_LIMIT = 500


def one_line(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Printable, one line, bounded: messages quote input (claim keys, driver names), which
    must not forge extra lines in a log or on stderr, nor flood an error answer."""
    if text.isprintable() and len(text) <= limit:
        return text
    shown = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return shown if len(shown) <= limit else shown[:limit] + "…"


@dataclass(frozen=True)
class PayloadError:
    """One payload's failure: which stage, which codec or driver, and why (no secrets)."""

    kind: ErrorKind
    stage: Stage
    component: str | None
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", one_line(self.message))
        if self.component is not None:
            object.__setattr__(self, "component", one_line(self.component, 200))

    def describe(self) -> str:
        """One line for people: ``storage (aws.s3driver): object not found …``."""
        who = f" ({self.component})" if self.component else ""
        return f"{self.stage.value}{who}: {self.message}"


@dataclass(frozen=True)
class Outcome:
    """The result for one payload: exactly one of ``payload`` and ``error`` is set."""

    payload: Payload | None = None
    error: PayloadError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class PipelineError(InspectorError):
    """Raised by the strict helpers when any payload failed; carries the first failure."""

    def __init__(self, index: int, error: PayloadError) -> None:
        super().__init__(f"payload {index}: {error.describe()}")
        self.index = index
        self.error = error
