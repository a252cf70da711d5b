"""Input that used to escape as a traceback or an echoed secret (F16, F21, F22).

A reference nested a thousand deep was a RecursionError (500 on the server, a traceback from
``decode``); a secret in the wrong place of a config was quoted back in the error; ``decode``
with standard input closed or standard output on a full disk printed a traceback.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from inspector.config import ConfigError, parse_config
from tests.support.cli import REPO_ROOT, cli_argv, cli_env
from tests.support.config import filesystem_storage, profile, profiles_toml
from tests.support.http import ClientFactory, assert_error, post

KEY = base64.b64encode(b"k" * 32).decode()  # an AES-256 key, as a config would hold it
DEEP = b"[" * 1000 + b"]" * 1000


def deep_reference() -> dict[str, Any]:
    """A legacy ``json/external-storage-reference`` payload whose JSON is 1,000 levels deep."""
    encoding = base64.b64encode(b"json/external-storage-reference").decode()
    return {"metadata": {"encoding": encoding}, "data": base64.b64encode(DEEP).decode()}


def run_decode(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        cli_argv("decode", *args), env=cli_env(), cwd=REPO_ROOT, timeout=60, **kwargs
    )


def assert_one_line(stderr: bytes) -> str:
    text = stderr.decode()
    assert "Traceback" not in text, text
    assert len(text.strip().splitlines()) == 1, text
    return text


# F16: no recursion on input ----------------------------------------------------------------


def test_a_deeply_nested_reference_is_exit_3_and_one_line(tmp_path: Path) -> None:
    document = tmp_path / "deep.json"
    document.write_text(json.dumps({"payloads": [deep_reference()]}))
    for view in ("decoded", "download"):
        result = run_decode(str(document), "--view", view, capture_output=True)
        assert (result.returncode, result.stdout) == (3, b"")
        assert "nested too deeply" in assert_one_line(result.stderr)


@pytest.mark.parametrize("route", ["/decode", "/download"])
async def test_a_deeply_nested_reference_is_422_on_the_server(
    make_client: ClientFactory, tmp_path: Path, route: str
) -> None:
    profiles = {"default": profile(storage=filesystem_storage(tmp_path / "store"))}
    config = parse_config(profiles_toml(profiles), source=tmp_path / "config.toml")
    client = await make_client(config)
    answer = await post(client, route, {"payloads": [deep_reference()]})
    assert "nested too deeply" in assert_error(answer, 422, index=0, stage="reference")


# F21: config errors never echo what could be a secret --------------------------------------

MISPLACED = {
    "codec name with the key": f'codecs = ["aes-gcm:{KEY}"]',
    "codec as a list": f'codecs = [["aes-gcm", "{KEY}"]]',
    "key as the type": f'codecs = [{{ type = "{KEY}" }}]',
    "key as encrypt_with": f'codecs = [{{ type = "aes-gcm", keys = {{ a = "{KEY}" }}, '
    f'encrypt_with = "{KEY}" }}]',
    "key as a factory": f'codecs = [{{ type = "python", factory = "{KEY}" }}]',
    "key as namespaces": f'namespaces = "{KEY}"',
}


@pytest.mark.parametrize("name", MISPLACED)
def test_a_misplaced_secret_is_never_quoted(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(f"[profiles.p]\n{MISPLACED[name]}\n", source=tmp_path / "c.toml")
    message = str(caught.value)
    assert KEY not in message and KEY[:16] not in message, message
    assert message.startswith(f"{tmp_path / 'c.toml'}: profiles.p"), message


def test_a_mistyped_name_is_still_quoted(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown codec 'gzipp'"):
        parse_config('[profiles.p]\ncodecs = ["gzipp"]\n', source=tmp_path / "c.toml")


# F22: decode with its standard streams closed or full ---------------------------------------


def test_decode_with_stdin_closed_is_exit_2_and_one_line() -> None:
    # A parent that closed descriptor 0 first: the command starts as `<&-` starts it.
    argv = cli_argv("decode", "-")
    script = f"import os, subprocess; os.close(0); raise SystemExit(subprocess.call({argv!r}))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=cli_env(),
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "standard input is closed" in assert_one_line(result.stderr)


def test_decode_to_a_full_disk_is_exit_2_and_one_line(tmp_path: Path) -> None:
    document = tmp_path / "doc.json"
    document.write_text(json.dumps({"payloads": [{"metadata": {}, "data": "AAAA"}] * 2000}))
    with open("/dev/full", "wb") as full:
        result = run_decode(str(document), "--view", "raw", stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 2
    assert "No space left on device" in assert_one_line(result.stderr)
