"""What a connection's settings resolve to, before any server is asked: the SDK client's
arguments, the CLI client-config profile's values, and the one-line errors."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from temporalio.service import TLSConfig

from inspector.commands.decode import DecodeRequest
from inspector.live.connection import Connection, ConnectionSettingsError
from inspector.live.history_input import server_namespace


def _toml(tmp: Path) -> Path:
    (tmp / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n")
    path = tmp / "temporal.toml"
    path.write_text(
        "[profile.cloud]\n"
        'address = "payments.a1b2c.tmprl.cloud:7233"\n'
        'namespace = "payments.a1b2c"\n'
        'api_key = "from-the-profile"\n'
        "[profile.cloud.tls]\n"
        f'server_ca_cert_path = "{tmp / "ca.pem"}"\n'
        'server_name = "payments.example"\n'
    )
    return path


def test_an_api_key_turns_tls_on_and_is_never_shown() -> None:
    args = Connection(address="h:7233", api_key="env:K").resolve({"K": "s3cret"})
    assert args.api_key == "s3cret" and args.tls is True and args.namespace == "default"
    assert "s3cret" not in repr(args)


def test_plain_by_default_and_tls_files_read() -> None:
    assert Connection(address="h:1").resolve({}).tls is None
    args = Connection(address="h:1", tls_ca="env:CA", tls_server_name="n").resolve({"CA": "PEM"})
    assert isinstance(args.tls, TLSConfig) and args.tls.server_root_ca_cert == b"PEM"
    assert args.tls.domain == "n"


@pytest.mark.parametrize(
    ("connection", "words"),
    [
        (Connection(address="h:1", tls_cert="c.pem"), "--tls-cert and --tls-key go together"),
        (Connection(address="h:1", tls_ca="/no/such/ca.pem"), "--tls-ca: cannot read"),
        (Connection(address="h:1", api_key="env:UNSET"), "UNSET is not set"),
        (Connection(address="h:1", api_key="file:/no/such/key"), "--api-key: cannot read"),
    ],
)
def test_bad_settings_are_one_line(connection: Connection, words: str) -> None:
    with pytest.raises(ConnectionSettingsError) as info:
        connection.resolve({})
    assert words in str(info.value) and "\n" not in str(info.value)


def test_a_cli_profile_fills_what_is_not_given(tmp_path: Path) -> None:
    env = {"TEMPORAL_CONFIG_FILE": str(_toml(tmp_path))}
    args = Connection(env_profile="cloud").resolve(env)
    assert args.address == "payments.a1b2c.tmprl.cloud:7233"
    assert args.namespace == "payments.a1b2c" and args.api_key == "from-the-profile"
    assert isinstance(args.tls, TLSConfig) and args.tls.domain == "payments.example"
    assert args.tls.server_root_ca_cert is not None and b"CA" in args.tls.server_root_ca_cert
    given = Connection(env_profile="cloud", namespace="other", api_key="mine").resolve(env)
    assert given.namespace == "other" and given.api_key == "mine"
    # the TEMPORAL_* variables override the file, as for the CLI
    over = Connection(env_profile="cloud").resolve({**env, "TEMPORAL_NAMESPACE": "ns2"})
    assert over.namespace == "ns2"
    with pytest.raises(ConnectionSettingsError, match="no server address"):
        Connection().resolve({})


def test_the_profiles_namespace_picks_the_inspector_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(_toml(tmp_path)))
    req = DecodeRequest(workflow_id="w", env_profile="cloud")
    assert asyncio.run(server_namespace(req)) == "payments.a1b2c"
