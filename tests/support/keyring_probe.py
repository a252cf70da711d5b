"""Run inside ``dbus-run-session`` (``tests/live/test_keyring.py``): unlock a fresh
gnome-keyring on that private bus, then keep, read and forget an API key through
``inspector.live.keyring_store``, and read it back with ``secret-tool`` (libsecret, not the
Python keyring) in between. Prints one JSON object of what it saw."""

from __future__ import annotations

import json
import subprocess
import sys

from inspector.live import keyring_store

ADDRESS, NAMESPACE = "orders.a1b2c.tmprl.cloud:7233", "orders.a1b2c"


def main() -> int:
    key = sys.argv[1]
    daemon = subprocess.run(
        ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
        input=b"inspector-test-password",
        capture_output=True,
        timeout=20,
        check=False,
    )
    import keyring

    seen: dict[str, object] = {
        "daemon": daemon.returncode,
        "backend": type(keyring.get_keyring()).__module__,
        "problem": keyring_store.backend_problem(),
    }
    saved = keyring_store.save_key(ADDRESS, NAMESPACE, key)
    seen["saved"] = saved.saved
    seen["message"] = saved.message
    seen["loaded"] = keyring_store.load_key(ADDRESS, NAMESPACE) == key
    lookup = subprocess.run(
        ["secret-tool", "lookup", "service", keyring_store.SERVICE,
         "username", keyring_store.account(ADDRESS, NAMESPACE)],
        capture_output=True, timeout=20, check=False,
    )  # fmt: skip
    seen["secret_tool"] = lookup.stdout.decode() == key
    keyring_store.forget_key(ADDRESS, NAMESPACE)
    seen["forgotten"] = keyring_store.load_key(ADDRESS, NAMESPACE) is None
    print(json.dumps(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
