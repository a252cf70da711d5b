"""Bearer tokens verified against a JWKS: who is asking, with ``[server.jwt]``.

The Web UI's "pass access token" sends the user's SSO access token as ``Authorization:
Bearer …`` and the ID token in ``Authorization-Extras``. The access token is what is
verified (signature against the issuer's JWKS, expiry, audience, issuer); the ID token is
only read for the email and groups when the access token lacks them, and only once it too
verifies against the same keys and names the same subject (its audience is the UI's client,
not this server). The JWKS is fetched without blocking the loop, cached, and fetched again
when a token names a key it does not hold (key rotation), at most once a second.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt
from aiohttp import web

from inspector.config import JwtConfig
from inspector.server.errors import ApiError

# Public-key algorithms only: an HMAC or "none" token must never verify against a JWKS.
ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
JWKS_MAX_AGE_SECONDS = 3600.0  # keys are fetched again after this, even without a new kid
UNKNOWN_KID_REFRESH_SECONDS = 1.0  # at most this often for tokens naming an unknown key
STALE_RETRY_SECONDS = 30.0  # old keys stay in use meanwhile when a refresh fails
JWKS_TIMEOUT_SECONDS = 10.0
JWKS_MAX_BYTES = 1024 * 1024
STATIC_SUBJECT = "token"  # how the audit log names a caller with the [server] token


@dataclass(frozen=True)
class Principal:
    """Who a request is from: a verified token's subject, email and groups, or the static
    ``[server] token`` (the CLI), which may use every profile."""

    subject: str | None
    email: str | None = None
    groups: tuple[str, ...] = ()
    static: bool = False


PRINCIPAL = web.RequestKey("inspector_principal", Principal)  # set once a token verified


def _refused(reason: str) -> ApiError:
    return ApiError(401, f"token refused: {reason}")


def bearer(value: str | None) -> str:
    """The token in an ``Authorization`` value (``Bearer `` optional), stripped."""
    text = (value or "").strip()
    if text[:7].lower() == "bearer ":
        text = text[7:].strip()
    return text


class JwksCache:
    """The issuer's signing keys by ``kid``, fetched on demand and on an unknown ``kid``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._keys: dict[str | None, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")  # monotonic time of the last fetch that answered
        self._tried_at = float("-inf")  # of the last attempt, answered or not
        self._lock = asyncio.Lock()

    async def key(self, kid: str | None) -> jwt.PyJWK:
        """The key a token's header names; raises ``ApiError`` (401 unknown, 503 no JWKS)."""
        now = time.monotonic()
        found = self._lookup(kid)
        stale = now - self._fetched_at > JWKS_MAX_AGE_SECONDS
        if found is None or stale:
            async with self._lock:  # one fetch at a time; those waiting use its result
                found = self._lookup(kid)
                if (found is None or stale) and self._may_fetch(found is None):
                    try:
                        await self._fetch()
                    except ApiError:
                        if found is None and not self._keys:
                            raise
                    found = self._lookup(kid)
        if found is None:
            shown = "none" if kid is None else repr(kid[:60])
            raise _refused(f"unknown key (kid {shown} is not in the JWKS at {self.url})")
        return found

    def _lookup(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))  # a JWKS of one key, tokens without kid
        return self._keys.get(kid)

    def _may_fetch(self, unknown: bool) -> bool:
        since = time.monotonic() - self._tried_at
        return since >= (UNKNOWN_KID_REFRESH_SECONDS if unknown else STALE_RETRY_SECONDS)

    async def _fetch(self) -> None:
        self._tried_at = time.monotonic()
        timeout = aiohttp.ClientTimeout(total=JWKS_TIMEOUT_SECONDS)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(self.url, headers={"Accept": "application/json"}) as response,
            ):
                if response.status != 200:
                    raise self._unavailable(f"HTTP {response.status}")
                body = await response.content.read(JWKS_MAX_BYTES + 1)
        except (aiohttp.ClientError, TimeoutError) as e:
            raise self._unavailable(type(e).__name__) from None
        if len(body) > JWKS_MAX_BYTES:
            raise self._unavailable("over 1 MiB")
        try:
            document = json.loads(body)
            keys = jwt.PyJWKSet.from_dict(document).keys
        except (ValueError, jwt.PyJWTError, TypeError, AttributeError):
            raise self._unavailable("not a JWKS with usable keys") from None
        self._keys = {k.key_id: k for k in keys}
        self._fetched_at = time.monotonic()

    def _unavailable(self, why: str) -> ApiError:
        return ApiError(503, f"cannot fetch the keys that verify tokens from {self.url} ({why})")


class TokenVerifier:
    """Checks ``Authorization`` (and ``Authorization-Extras``) as ``[server.jwt]`` says."""

    def __init__(self, config: JwtConfig, static_token: str | None = None) -> None:
        self.config = config
        self.static_token = static_token or None
        self.jwks = JwksCache(config.jwks_url)

    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        """The request's principal; raises ``ApiError(401)`` saying what is wrong."""
        token = bearer(headers.get("Authorization"))
        if not token:
            raise _refused("no token: send Authorization: Bearer <token>")
        if self.static_token is not None and hmac.compare_digest(
            token.encode("utf-8", "surrogatepass"), self.static_token.encode("utf-8")
        ):
            return Principal(subject=STATIC_SUBJECT, static=True)
        claims = await self.verify(token)
        email, groups = self._email(claims), self._groups(claims)
        extras = bearer(headers.get("Authorization-Extras"))
        if extras and (email is None or not groups):
            identity = await self._id_token(extras, claims.get("sub"))
            if identity is not None:
                email = email or self._email(identity)
                groups = groups or self._groups(identity)
        subject = claims.get("sub")
        return Principal(
            subject=subject if isinstance(subject, str) else None, email=email, groups=groups
        )

    async def verify(self, token: str, *, audience: bool = True) -> dict[str, Any]:
        """The claims of a token that verifies; raises ``ApiError`` naming why not."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _refused("not a JWT (expected header.payload.signature)") from None
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            shown = algorithm if isinstance(algorithm, str) else type(algorithm).__name__
            raise _refused(f"algorithm {shown[:20]!r} is not accepted (public-key ones only)")
        kid = header.get("kid")
        key = await self.jwks.key(kid if isinstance(kid, str) else None)
        options: dict[str, Any] = {"require": ["exp"], "verify_aud": audience}
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=list(self.config.audiences) if audience else None,
                issuer=self.config.issuer,
                leeway=self.config.leeway_seconds,
                options=options,  # type: ignore[arg-type]
            )
        except jwt.ExpiredSignatureError:
            raise _refused("expired") from None
        except jwt.ImmatureSignatureError:
            raise _refused("not valid yet (nbf/iat in the future)") from None
        except jwt.InvalidAudienceError:
            wanted = ", ".join(self.config.audiences)
            raise _refused(f"wrong audience (this server accepts {wanted})") from None
        except jwt.InvalidIssuerError:
            raise _refused(f"wrong issuer (this server accepts {self.config.issuer})") from None
        except jwt.MissingRequiredClaimError as e:
            raise _refused(f"the {e.claim!r} claim is missing") from None
        except jwt.InvalidSignatureError:
            raise _refused("bad signature") from None
        except jwt.PyJWTError as e:
            raise _refused(f"invalid ({type(e).__name__})") from None

    async def _id_token(self, token: str, subject: object) -> dict[str, Any] | None:
        """The ID token's claims when it verifies and names the same subject, else None."""
        try:
            claims = await self.verify(token, audience=False)
        except ApiError:
            return None
        if subject is not None and claims.get("sub") != subject:
            return None
        return claims

    def _email(self, claims: Mapping[str, Any]) -> str | None:
        value = claims.get(self.config.email_claim)
        return value.strip().lower() if isinstance(value, str) and value.strip() else None

    def _groups(self, claims: Mapping[str, Any]) -> tuple[str, ...]:
        value = claims.get(self.config.groups_claim)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            return ()
        return tuple(g for g in value if isinstance(g, str) and g)
