"""Who may read a profile's namespaces: its ``readers``, matched against a verified token.

A reader is an email (``alice@example.com``), a pattern where ``*`` stands for any run of
characters (``*@example.com``), ``group:NAME`` for a name in the token's groups, or ``*``
for any verified token. Emails compare without regard to case, groups exactly. No
``readers`` means any valid token; the static ``[server] token`` (the CLI) may read all.
"""

from __future__ import annotations

import re
from functools import lru_cache

from inspector.config import Profile
from inspector.server.errors import ApiError
from inspector.server.tokens import Principal


@lru_cache(maxsize=256)
def _pattern(reader: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in reader.lower().split("*")))


def may_read(principal: Principal, readers: tuple[str, ...]) -> bool:
    """Whether ``principal`` is one of ``readers`` (an empty tuple admits everyone)."""
    if principal.static or not readers:
        return True
    email = principal.email
    for reader in readers:
        if reader.startswith("group:"):
            if reader[6:] in principal.groups:
                return True
        elif reader == "*" or (email is not None and _pattern(reader).fullmatch(email)):
            return True
    return False


def authorize(principal: Principal | None, profile: Profile, namespace: str) -> None:
    """Raise ``ApiError(403)`` when a verified caller may not read ``profile``'s namespaces.

    ``principal`` is None when tokens are not verified (no ``[server.jwt]``): nothing to check.
    """
    if principal is None or may_read(principal, profile.readers):
        return
    who = principal.email or (f"subject {principal.subject[:80]}" if principal.subject else "?")
    raise ApiError(
        403,
        f"{who} may not read namespace '{namespace[:100]}' (profile '{profile.name}' "
        "lists its readers)",
    )
