"""A saved connection's API key, in the system keyring and nowhere else.

Settings files never hold a key: the app stores it under the service ``payload-inspector``
with the connection's ``namespace@address`` as the user name. Without a usable keyring
backend (no Secret Service, only keyring's "fail" or plaintext backends) nothing is saved
and the caller is told why, in one line.
"""

from __future__ import annotations

from dataclasses import dataclass

SERVICE = "payload-inspector"
# Backends that are no keyring at all: they fail, or write the key to a plain file.
_NOT_SECURE = ("fail", "null", "chainer", "plaintext", "insecure")


@dataclass(frozen=True)
class Saved:
    """What happened to a key the user asked to keep."""

    saved: bool
    message: str


def account(address: str, namespace: str) -> str:
    return f"{namespace}@{address}"


def backend_problem() -> str | None:
    """Why no key can be kept here, or ``None`` when a real keyring answers."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return "the keyring package is not installed"
    backend = keyring.get_keyring()
    names = {type(b).__module__.lower() for b in getattr(backend, "backends", [backend])}
    names.add(type(backend).__module__.lower())
    if isinstance(backend, fail.Keyring) or all(
        any(word in name for word in _NOT_SECURE) for name in names
    ):
        return "no system keyring is available (no Secret Service or other keyring backend)"
    return None


def save_key(address: str, namespace: str, key: str) -> Saved:
    """Keep ``key`` for this connection in the system keyring; never anywhere else."""
    problem = backend_problem()
    if problem is not None:
        return Saved(False, f"The API key was not saved: {problem}.")
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(SERVICE, account(address, namespace), key)
    except KeyringError as e:
        return Saved(False, f"The API key was not saved: the keyring refused: {e}")
    return Saved(True, "The API key is saved in the system keyring.")


def load_key(address: str, namespace: str) -> str | None:
    """The key kept for this connection, if a keyring holds one."""
    if backend_problem() is not None:
        return None
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(SERVICE, account(address, namespace))
    except KeyringError:
        return None


def forget_key(address: str, namespace: str) -> None:
    if backend_problem() is not None:
        return
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, account(address, namespace))
    except (PasswordDeleteError, KeyringError):
        pass
