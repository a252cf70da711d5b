"""Who may call the server: Host (DNS rebinding), Origin (cross-site), CORS, and the token.

Browsers only enforce CORS on reading answers; a page can still *send* a ``text/plain``
POST without a preflight, and a rebound DNS name reaches loopback with a foreign ``Host``.
So both are refused here, on the server, before any handler runs.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Middleware

from inspector.config import ServerConfig
from inspector.errors import InspectorError
from inspector.server.errors import ApiError, error_response
from inspector.server.request_log import ERROR
from inspector.server.tokens import PRINCIPAL, TokenVerifier

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
ALLOWED_METHODS = "GET, POST, OPTIONS"
# What the Web UI sends (Authorization/-Extras with "pass access token").
ALLOWED_HEADERS = "Content-Type, X-Namespace, Authorization, Authorization-Extras"
PREFLIGHT_MAX_AGE = "600"
_DEFAULT_PORTS = {"http": 80, "https": 443}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class OriginError(InspectorError, ValueError):
    """A configured origin that is not ``scheme://host[:port]`` (or is ``*``)."""


@functools.lru_cache(maxsize=256)
def normalize_origin(origin: str) -> str:
    """``scheme://host[:port]`` lower-cased, default port dropped, as browsers send it.

    Remembered (errors are not): the Web UI sends the same Origin with every request."""
    text = origin.strip()
    if text == "*":
        raise OriginError("'*' is never allowed: list each origin, e.g. http://localhost:8233")
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        raise OriginError(f"{origin!r} has a bad port") from None
    if (
        parts.scheme not in _DEFAULT_PORTS
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise OriginError(f"{origin!r} is not an origin like http://localhost:8233")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[parts.scheme]:
        host = f"{host}:{port}"
    return f"{parts.scheme}://{host}"


@functools.lru_cache(maxsize=256)
def host_name(host_header: str) -> str:
    """The name part of a ``Host`` header: no port, no IPv6 brackets, lower case.

    Remembered: clients send one or two Host values, and every request is checked."""
    host = host_header.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[1:end] if end > 0 else host
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit() and ":" not in name:
        host = name
    return host.rstrip(".")


def is_loopback(host: str) -> bool:
    """A loopback name or address (what binding by default means)."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class SecurityPolicy:
    """The origins, Host names and token this server accepts."""

    origins: frozenset[str]
    hosts: frozenset[str]
    token: str | None = field(default=None, repr=False)
    verifier: TokenVerifier | None = field(default=None, repr=False)  # with [server.jwt]

    @classmethod
    def from_config(cls, server: ServerConfig, extra_origins: Iterable[str] = ()) -> SecurityPolicy:
        """Build from ``[server]`` plus ``--allow-origin``; raises ``OriginError``."""
        origins = frozenset(normalize_origin(o) for o in (*server.allowed_origins, *extra_origins))
        hosts = frozenset(
            {*LOOPBACK_NAMES, host_name(server.host), *(host_name(h) for h in server.allowed_hosts)}
        )
        token = server.token
        if token is not None:
            token = _strip_bearer(token)
        token = token or None
        verifier = None if server.jwt is None else TokenVerifier(server.jwt, token)
        return cls(origins=origins, hosts=hosts, token=token, verifier=verifier)

    def origin_allowed(self, origin: str) -> bool:
        try:
            return normalize_origin(origin) in self.origins
        except OriginError:
            return False  # "null", garbage: never allowed

    def host_allowed(self, host_header: str | None) -> bool:
        # Browsers always send Host; only an HTTP/1.0 script may omit it, and it is no rebinding.
        return host_header is None or host_name(host_header) in self.hosts

    def token_ok(self, authorization: str | None) -> bool:
        """``Authorization: Bearer <token>``, compared in constant time."""
        if self.token is None:
            return True
        presented = _strip_bearer(authorization or "")
        return hmac.compare_digest(_token_bytes(presented), _token_bytes(self.token))


def _token_bytes(value: str) -> bytes:
    """Bytes to compare that no string fails to give: aiohttp hands header bytes that are not
    UTF-8 over as lone surrogates (``\\xff`` is ``"\\udcff"``), which plain ``encode()``
    refuses; ``surrogatepass`` encodes every string, one to one, so equal bytes mean equal text.
    """
    return value.encode("utf-8", "surrogatepass")


def _strip_bearer(value: str) -> str:
    value = value.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value


def _shown(value: str) -> str:
    """A header value fit for an error message (bounded, printable)."""
    value = "".join(ch if ch.isprintable() else "?" for ch in value)
    return value if len(value) <= 100 else value[:100] + "…"


def _add_vary(response: web.StreamResponse, *names: str) -> None:
    existing = response.headers.get("Vary")
    if existing is None:  # the usual case, on every answer: nothing to merge
        response.headers["Vary"] = ", ".join(dict.fromkeys(names))
        return
    present = [v.strip() for v in existing.split(",") if v.strip()]
    for name in names:
        if name.lower() not in (p.lower() for p in present):
            present.append(name)
    response.headers["Vary"] = ", ".join(present)


def _add_cors(response: web.StreamResponse, origin: str | None) -> None:
    _add_vary(response, "Origin")
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"


def _preflight(request: web.Request, allowed_origin: str | None, allow: str) -> web.Response:
    """Answer ``OPTIONS`` without a token: browsers never send credentials on a preflight."""
    response = web.Response(status=204)
    response.headers["Allow"] = allow
    if allowed_origin is not None:
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        if request.headers.get("Access-Control-Request-Private-Network", "").lower() == "true":
            # Chrome's Private Network Access: a public page (Temporal Cloud) calling loopback.
            response.headers["Access-Control-Allow-Private-Network"] = "true"
        _add_vary(
            response,
            "Access-Control-Request-Method",
            "Access-Control-Request-Headers",
            "Access-Control-Request-Private-Network",
        )
    return response


def security_middleware(
    policy: SecurityPolicy | Callable[[], SecurityPolicy],
    is_public: Callable[[web.Request], bool],
    allowed_methods: Callable[[web.Request], str] | None = None,
) -> Middleware:
    """Host and Origin checks, preflights, the token, CORS headers on every answer.

    It is also where every failure becomes the JSON error shape, so CORS headers are on
    error answers too (else the Web UI sees an opaque network error instead of the reason).
    """

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        current = policy() if callable(policy) else policy  # a reload swaps what it gives
        return await _checked(current, request, handler)

    async def _checked(
        policy: SecurityPolicy, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        allowed_origin = origin if origin is not None and policy.origin_allowed(origin) else None
        try:
            host = request.headers.get("Host")
            if not policy.host_allowed(host):
                raise ApiError(
                    403,
                    f"Host '{_shown(host or '')}' is not allowed: use 127.0.0.1 or localhost, "
                    "or add the name to [server] allowed_hosts",
                )
            if origin is not None and allowed_origin is None:
                raise ApiError(
                    403,
                    f"origin '{_shown(origin)}' is not allowed: add it to [server] "
                    "allowed_origins or pass --allow-origin",
                )
            if request.method == "OPTIONS":
                allow = allowed_methods(request) if allowed_methods else ALLOWED_METHODS
                response: web.StreamResponse = _preflight(request, allowed_origin, allow)
            else:
                if policy.verifier is not None and not is_public(request):
                    request[PRINCIPAL] = await policy.verifier.authenticate(request.headers)
                elif not is_public(request) and not policy.token_ok(
                    request.headers.get("Authorization")
                ):
                    missing = "Authorization" not in request.headers
                    raise ApiError(
                        401,
                        "a token is required: send Authorization: Bearer <token>"
                        if missing
                        else "the token is wrong",
                    )
                response = await handler(request)
        except ApiError as e:
            request[ERROR] = e.message
            response = e.response()
        except web.HTTPException as e:  # aiohttp's own (e.g. a body over client_max_size)
            request[ERROR] = e.reason
            response = error_response(e.status, e.reason)
        except Exception as e:  # a bug: say so in one line, never a traceback
            request[ERROR] = f"internal error ({type(e).__name__})"
            response = error_response(500, request[ERROR])
        _add_cors(response, allowed_origin)
        return response

    return middleware
