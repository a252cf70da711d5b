"""The one base of every error the inspector raises on purpose, and how errors are quoted.

A caller that must never show a traceback (a command, a request handler, the GUI) catches
``InspectorError`` and shows its message; anything else is a bug worth a traceback.
"""

from __future__ import annotations


class InspectorError(Exception):
    """An expected failure whose message is written for the user: what and where."""


def first_line(error: BaseException, limit: int = 300) -> str:
    """An error's message cut to its first line (and ``limit`` characters), or its type's name.

    Library errors can span pages (botocore, protobuf); one line is what a log, an HTTP
    error or a GUI cell can hold.
    """
    lines = str(error).strip().splitlines()
    return (lines[0] if lines else type(error).__name__)[:limit]
