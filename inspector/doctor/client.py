"""The doctor's HTTP client: one request as the Web UI or the CLI would send it, timed.

Never raises for what a server does: a refused connection, a timeout or a body that is not
JSON are all part of the ``Answer`` the checks read.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from temporalio.api.common.v1 import Payload

from inspector.documents.proto_json import PayloadJsonError, read_payload, write_payloads
from inspector.errors import first_line
from inspector.outcomes import one_line

REQUEST_TIMEOUT = 15.0
# What the Web UI asks to send in its preflight (with "pass access token" on).
WEB_UI_HEADERS = ("Content-Type", "X-Namespace", "Authorization", "Authorization-Extras")


@dataclass(frozen=True)
class Answer:
    """What came back: status and headers, or ``failure`` when nothing did."""

    label: str
    status: int | None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    seconds: float = 0.0
    failure: str | None = None

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):
            return None

    def payloads(self) -> list[Payload] | None:
        """The answer's payloads, or None when it is not a ``Payloads`` document."""
        document = self.json()
        if not isinstance(document, dict) or not isinstance(document.get("payloads", []), list):
            return None
        try:
            return [read_payload(item) for item in document.get("payloads", [])]
        except PayloadJsonError:
            return None

    def error_text(self) -> str:
        """The server's JSON ``error``, else the start of the body, for "what was seen"."""
        document = self.json()
        if isinstance(document, dict) and isinstance(document.get("error"), str):
            return one_line(document["error"], 160)
        return one_line(self.body[:120].decode("utf-8", "replace"), 160)

    def seen(self) -> str:
        """``POST /decode: 400 (body is not JSON …)`` or ``… : cannot connect (…)``."""
        if self.status is None:
            return f"{self.label}: {self.failure}"
        if self.status == 200:
            return f"{self.label}: 200"
        detail = self.error_text()
        return f"{self.label}: {self.status}" + (f" ({detail})" if detail else "")


class Client:
    """Requests to one codec endpoint (``URL/decode`` …), each one timed and kept."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        namespace: str | None,
        auth: str | None,
    ) -> None:
        self.session = session
        self.url = url.rstrip("/")
        self.namespace = namespace
        self.auth = auth
        self.answers: list[Answer] = []

    def headers(self, origin: str | None = None) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "X-Namespace": self.namespace or "default"}
        if self.auth:
            headers["Authorization"] = self.auth
        if origin:
            headers["Origin"] = origin
        return headers

    async def post(
        self,
        route: str,
        body: bytes | Sequence[Payload],
        *,
        origin: str | None = None,
        query: str = "",
    ) -> Answer:
        data = body if isinstance(body, bytes) else write_payloads(body)
        label = f"POST /{route}{'?' + query if query else ''}"
        return await self._send("POST", route, label, data, self.headers(origin), query)

    async def preflight(self, route: str, origin: str) -> Answer:
        headers = {
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": ", ".join(h.lower() for h in WEB_UI_HEADERS),
        }
        return await self._send("OPTIONS", route, f"OPTIONS /{route}", b"", headers, "")

    async def _send(
        self, method: str, route: str, label: str, data: bytes, headers: dict[str, str], query: str
    ) -> Answer:
        url = f"{self.url}/{route}" + (f"?{query}" if query else "")
        started = time.perf_counter()
        try:
            async with self.session.request(
                method,
                url,
                data=data or None,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
                allow_redirects=False,
            ) as response:
                body = await response.read()
                answer = Answer(
                    label,
                    response.status,
                    {k.lower(): v for k, v in response.headers.items()},
                    body,
                    time.perf_counter() - started,
                )
        except TimeoutError:
            answer = Answer(label, None, seconds=REQUEST_TIMEOUT, failure="no answer within 15 s")
        except (aiohttp.ClientError, OSError, asyncio.IncompleteReadError) as e:
            answer = Answer(
                label, None, failure=f"cannot connect ({first_line(e) or type(e).__name__})"
            )
        self.answers.append(answer)
        return answer
