"""A saved connection's API key goes to a real Secret Service (gnome-keyring on a private
D-Bus session, from Debian) and nowhere else; with no keyring backend nothing is saved and
the app says so."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from inspector.live import keyring_store
from tests.support.cli import REPO_ROOT, cli_env

TOOLS = ("dbus-run-session", "gnome-keyring-daemon", "secret-tool")


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """keyring's own "nothing available" backend, as on a machine without a keyring."""
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(before)


def test_a_real_secret_service_keeps_the_key(tmp_path: Path) -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        message = (
            f"needs {', '.join(missing)}: sudo apt-get install dbus-daemon gnome-keyring "
            "libsecret-tools"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    key = "tmprl-api-key-✓-123"
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_RUNTIME_DIR": str(tmp_path / "run")}  # fmt: skip
    (tmp_path / "run").mkdir(mode=0o700)
    result = subprocess.run(
        ["dbus-run-session", "--", sys.executable, "-m", "tests.support.keyring_probe", key],
        env=cli_env(env), cwd=REPO_ROOT, capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    seen = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert seen["problem"] is None and "SecretService" in seen["backend"], seen
    assert seen["saved"] and seen["loaded"] and seen["secret_tool"] and seen["forgotten"], seen
    # the keyring's file is encrypted: the key is nowhere on disk in plain text
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written and not [p for p in written if key.encode() in p.read_bytes()]


def test_without_a_backend_nothing_is_saved(no_keyring: None) -> None:
    problem = keyring_store.backend_problem()
    assert problem is not None and "no system keyring" in problem
    saved = keyring_store.save_key("127.0.0.1:7233", "default", "secret")
    assert not saved.saved and saved.message.startswith("The API key was not saved: no system")
    assert keyring_store.load_key("127.0.0.1:7233", "default") is None
