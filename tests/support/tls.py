"""Certificates made in the test with ``cryptography``: a CA, a server certificate (for
``127.0.0.1``, ``localhost`` and ``SERVER_NAME``) and a client certificate, as PEM files."""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SERVER_NAME = "temporal.inspector.test"


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path  # a CA that signed nothing here: the wrong one to trust


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _cert(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[str, ec.EllipticCurvePrivateKey] | None,
    *,
    ca: bool = False,
    sans: list[x509.GeneralName] | None = None,
    usage: list[x509.ObjectIdentifier] | None = None,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    issuer_name, issuer_key = issuer if issuer else (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usage), critical=False)
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True,
                content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
    return builder.sign(issuer_key, hashes.SHA256())


def _write(
    path: Path, cert: x509.Certificate | None, key: ec.EllipticCurvePrivateKey | None
) -> Path:
    if cert is not None:
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    else:
        assert key is not None
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return path


def make_pki(directory: Path) -> Pki:
    """A fresh CA, server and client certificates under ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, other_key, server_key, client_key = _key(), _key(), _key(), _key()
    ca = _cert("Inspector Test CA", ca_key, None, ca=True)
    other = _cert("Some Other CA", other_key, None, ca=True)
    sans: list[x509.GeneralName] = [
        x509.DNSName(SERVER_NAME),
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    server = _cert(
        SERVER_NAME, server_key, ("Inspector Test CA", ca_key), sans=sans,
        usage=[ExtendedKeyUsageOID.SERVER_AUTH],
    )  # fmt: skip
    client = _cert(
        "inspector-client", client_key, ("Inspector Test CA", ca_key),
        usage=[ExtendedKeyUsageOID.CLIENT_AUTH],
    )  # fmt: skip
    return Pki(
        ca=_write(directory / "ca.pem", ca, None),
        server_cert=_write(directory / "server.pem", server, None),
        server_key=_write(directory / "server-key.pem", None, server_key),
        client_cert=_write(directory / "client.pem", client, None),
        client_key=_write(directory / "client-key.pem", None, client_key),
        other_ca=_write(directory / "other-ca.pem", other, None),
    )
