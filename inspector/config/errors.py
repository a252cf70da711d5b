"""The one error a config raises: the message names the file and the key."""

from __future__ import annotations

from inspector.errors import InspectorError


class ConfigError(InspectorError, ValueError):
    """The config is wrong; the message names the file and the key."""
