"""An identity provider for tests: signing keys, tokens minted with PyJWT, a JWKS on loopback.

``JwksServer`` serves ``/.well-known/jwks.json`` from a thread (so in-process apps and
``serve`` subprocesses reach it alike) with the public halves of the keys it is told to
publish; ``publish()`` swaps them (key rotation) and ``fetches`` counts the requests.
``SigningKey.rsa(kid)`` / ``.ec(kid)`` make RS256 / ES256 keys; ``key.mint(claims)`` signs.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.support.ports import LOOPBACK

AUDIENCE = "https://codec.example.test"
ISSUER = "https://idp.example.test/"


@dataclass
class SigningKey:
    """A private key with its ``kid`` and algorithm; ``jwk`` is its public half."""

    kid: str
    algorithm: str
    private: Any

    @classmethod
    def rsa(cls, kid: str) -> SigningKey:
        return cls(kid, "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def ec(cls, kid: str) -> SigningKey:
        return cls(kid, "ES256", ec.generate_private_key(ec.SECP256R1()))

    @property
    def jwk(self) -> dict[str, Any]:
        algorithm = jwt.get_algorithm_by_name(self.algorithm)
        public = json.loads(algorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "alg": self.algorithm, "use": "sig"}

    def mint(
        self,
        claims: Mapping[str, Any] | None = None,
        *,
        expires_in: float = 300,
        headers: Mapping[str, Any] | None = None,
        **more: Any,
    ) -> str:
        """A token for ``AUDIENCE`` from ``ISSUER`` (override either in ``claims``)."""
        now = int(time.time())
        body = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + int(expires_in)}
        body.update(claims or {})
        body.update(more)
        return jwt.encode(
            body,
            self.private,
            algorithm=self.algorithm,
            headers={"kid": self.kid, **(headers or {})},
        )


def tampered(token: str) -> str:
    """The token with one character of its signature changed."""
    head, _, signature = token.rpartition(".")
    middle = len(signature) // 2
    swapped = "A" if signature[middle] != "A" else "B"
    return f"{head}.{signature[:middle]}{swapped}{signature[middle + 1 :]}"


class JwksServer:
    """``http://127.0.0.1:PORT/.well-known/jwks.json`` with the keys last published."""

    def __init__(self, keys: Iterable[SigningKey] = ()) -> None:
        self.fetches = 0
        self._document = b""
        self.publish(keys)
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/.well-known/jwks.json":
                    self.send_error(404)
                    return
                owner.fetches += 1
                body = owner._document
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.url = f"http://{LOOPBACK}:{self._server.server_address[1]}/.well-known/jwks.json"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def publish(self, keys: Iterable[SigningKey]) -> None:
        self._document = json.dumps({"keys": [k.jwk for k in keys]}).encode()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@contextmanager
def jwks_server(keys: Iterable[SigningKey] = ()) -> Iterator[JwksServer]:
    server = JwksServer(keys)
    try:
        yield server
    finally:
        server.close()


def jwt_table(url: str, **keys: Any) -> dict[str, Any]:
    """A ``[server.jwt]`` table for this provider (``issuer`` included unless overridden)."""
    return {"jwks_url": url, "audiences": [AUDIENCE], "issuer": ISSUER, **keys}
