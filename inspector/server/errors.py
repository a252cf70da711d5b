"""The server's one error shape: ``{"error": ..., "index": N|null, "stage": ...|null}``.

The Web UI and CLI show ``error`` to people, so it is one line, names the payload and the
cause, and never carries a traceback, a key or a credential.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from aiohttp import web

from inspector.errors import InspectorError
from inspector.outcomes import PayloadError


@dataclass
class ApiError(InspectorError):
    """Raised by handlers; the middleware turns it into the JSON error response."""

    status: int
    message: str
    index: int | None = None
    stage: str | None = None
    headers: dict[str, str] | None = None  # e.g. ``Allow`` on a 405 (RFC 9110)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @classmethod
    def from_payload_error(cls, index: int, error: PayloadError) -> ApiError:
        """The first failing payload decides the answer: its status, position and stage."""
        return cls(error.kind.http_status, error.describe(), index, error.stage.value)

    def response(self) -> web.Response:
        response = error_response(self.status, self.message, index=self.index, stage=self.stage)
        response.headers.update(self.headers or {})
        return response


def error_body(message: str, *, index: int | None = None, stage: str | None = None) -> bytes:
    """The JSON error document, as bytes."""
    return json.dumps({"error": message, "index": index, "stage": stage}).encode()


def error_response(
    status: int, message: str, *, index: int | None = None, stage: str | None = None
) -> web.Response:
    """A JSON error response; CORS headers are added by the security middleware."""
    return web.Response(
        status=status,
        body=error_body(message, index=index, stage=stage),
        content_type="application/json",
    )
