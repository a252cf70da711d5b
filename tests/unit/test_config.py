"""The config file is a contract: its names parse, and every mistake names file and key."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from inspector.config import (
    ConfigError,
    embedded_default,
    load_config,
    parse_config,
)

KEY = base64.b64encode(bytes(range(32))).decode()

PAYMENTS_CODECS = (
    'codecs = [{ type = "aes-gcm", keys = { "key-2026" = "env:PAYMENTS_KEY", '
    '"key-2025" = "file:old.key" }, encrypt_with = "key-2026" }, "gzip"]'
)

FULL = f"""
[server]
host = "127.0.0.1"
port = 8081
allowed_origins = ["http://localhost:8233", "http://127.0.0.1:8233"]
allowed_hosts = []
max_body_bytes = 67108864
cache_bytes = 268435456
token = "env:INSPECTOR_TEST_TOKEN"

[profiles.default]
namespaces = ["default", "*"]
codecs = ["gzip"]
proxy_codecs = []
mark_references = false
[profiles.default.storage]
driver = "filesystem"
path = "store"
threshold = 262144
timeout_seconds = 30

[profiles.payments]
namespaces = ["payments", "payments-staging"]
{PAYMENTS_CODECS}
[profiles.payments.storage]
driver = "s3"
bucket = "temporal-payloads"
endpoint_url = "http://127.0.0.1:5000"
region = "us-east-1"
aws_profile = "payments-prod"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_design_example_parses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSPECTOR_TEST_TOKEN", "s3cret")
    monkeypatch.setenv("PAYMENTS_KEY", KEY)
    (tmp_path / "old.key").write_text(base64.b64encode(b"k" * 16).decode())
    config = load_config(_write(tmp_path, FULL))
    assert config.server.token == "s3cret"
    assert "s3cret" not in repr(config)
    default = config.profiles["default"]
    assert default.storage[0].path == tmp_path / "store"
    assert default.storage[0].name == "local.filesystem"
    payments = config.profiles["payments"]
    assert [c.type for c in payments.codecs] == ["aes-gcm", "gzip"]
    aes = payments.codecs[0]
    assert aes.encrypt_with == "key-2026" and dict(aes.keys)["key-2025"] == b"k" * 16
    assert KEY not in repr(config) and "kkkk" not in repr(config)
    assert payments.storage[0].name == "aws.s3driver"
    assert config.profile_for_namespace("payments-staging") is payments
    assert config.profile_for_namespace("anything") is default
    assert config.select().name == "default"
    assert config.select(profile="payments") is payments


def test_namespaces_default_to_the_profile_name_and_no_fallback_means_none() -> None:
    config = parse_config('[profiles.orders]\ncodecs = ["zlib"]\n')
    assert config.profiles["orders"].namespaces == ("orders",)
    assert config.profile_for_namespace("default") is None
    with pytest.raises(ConfigError, match="no profile serves namespace 'default'"):
        config.select()
    assert config.profiles["orders"].storage == ()


def test_storage_array_form_threshold_on_first_entry() -> None:
    config = parse_config("""
[profiles.p]
[[profiles.p.storage]]
driver = "filesystem"
path = "/tmp/a"
threshold = 1000
[[profiles.p.storage]]
driver = "filesystem"
name = "second"
path = "/tmp/b"
""")
    profile = config.profiles["p"]
    assert profile.threshold == 1000
    assert [s.name for s in profile.storage] == ["local.filesystem", "second"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[profiles.p]\ncodec = []\n", r"profiles\.p\.codec: unknown key \(allowed: codecs, "),
        (
            '[profiles.p]\ncodecs = ["brotli"]\n',
            r"profiles\.p\.codecs\[0\]: unknown codec 'brotli' "
            r"\(allowed: gzip, zlib, snappy, aes-gcm",
        ),
        ("[server]\nprot = 1\n[profiles.p]\n", r"server\.prot: unknown key"),
        (
            '[profiles.p.storage]\ndriver = "azure"\n',
            r"profiles\.p\.storage\.driver: unknown "
            r"driver 'azure' \(allowed: filesystem, s3, gcs, python\)",
        ),
        ('[profiles.p.storage]\ndriver = "s3"\n', r"profiles\.p\.storage\.bucket: expected"),
        (
            '[profiles.p]\ncodecs = [{ type = "aes-gcm", keys = { a = "bm90IGEga2V5" } }]\n',
            r"keys\.a: an AES key is 16, 24 or 32 bytes, this one is 9",
        ),
        (
            '[profiles.p]\ncodecs = [{ type = "aes-gcm", keys = { a = "env:NOPE_NOT_SET" } }]\n',
            r"environment variable NOPE_NOT_SET is not set",
        ),
        ("[profiles.p]\nmark_references = 1\n", r"mark_references: expected true or false"),
        ("this is = not toml [", r"not valid TOML"),
        ("[server]\n", r"no profiles"),
        (
            '[profiles.p]\ncodecs = [{ type = "python", factory = "nocolon" }]\n',
            r'expected "module:attr"',
        ),
    ],
)
def test_mistakes_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert str(info.value).startswith(str(path))


def test_config_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("PAYLOAD_INSPECTOR_CONFIG", raising=False)
    assert load_config().source is None  # nothing anywhere: the embedded default
    env_file = _write(tmp_path, '[profiles.env]\nnamespaces = ["*"]\n')
    monkeypatch.setenv("PAYLOAD_INSPECTOR_CONFIG", str(env_file))
    assert "env" in load_config().profiles
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "missing.toml")


def test_embedded_default() -> None:
    config = embedded_default()
    profile = config.select(namespace="anything")
    assert profile.name == "default" and profile.namespaces == ("*",)
    assert profile.codecs == () and profile.threshold == 256 * 1024
    assert profile.storage[0].driver == "filesystem"
    assert config.server.port == 8081 and config.server.host == "127.0.0.1"
