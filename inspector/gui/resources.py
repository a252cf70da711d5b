"""Where the app icon and the sample documents live: inside the installed package.

They sit in ``inspector/resources/`` (pyproject ships ``resources/**/*`` as package data),
so ``make run`` from a checkout and an installed wheel find them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QIcon

RESOURCE_DIR = Path(__file__).resolve().parent.parent / "resources"
ICON_PATH = RESOURCE_DIR / "icon.svg"
ICONS_DIR = RESOURCE_DIR / "icons"  # PNG sizes rendered by packaging/render_icons.py
SAMPLES_DIR = RESOURCE_DIR / "samples"


@dataclass(frozen=True)
class Sample:
    """A sample document shipped with the app, and the config it needs (if any)."""

    title: str
    description: str
    path: Path
    config: Path | None = None


def samples() -> list[Sample]:
    """The samples that exist in this installation, the plainest first."""
    listed = [
        Sample(
            "Payloads",
            "a Payloads document as the Python SDK encodes a few values",
            SAMPLES_DIR / "payloads.json",
        ),
        Sample(
            "Workflow history",
            "an exported history: inputs, signal, update, activity failure, result",
            SAMPLES_DIR / "history.json",
        ),
        Sample(
            "History with external storage",
            "gzip payloads, a large result in a filesystem store; opens with its own config",
            SAMPLES_DIR / "history-external-storage.json",
            SAMPLES_DIR / "config.toml",
        ),
        Sample(
            "Protobuf messages",
            "binary and JSON protobuf payloads read by field name; opens with its own config",
            SAMPLES_DIR / "protobuf.json",
            SAMPLES_DIR / "protobuf.toml",
        ),
    ]
    return [s for s in listed if s.path.is_file()]


def app_icon() -> QIcon:
    """The window/About icon: its rendered PNG sizes (16-32 px are a simplified drawing
    that stays legible in a panel), else the SVG; PNGs need no SVG plugin at run time."""
    icon = QIcon()
    for png in sorted(ICONS_DIR.glob("payload-inspector-*.png")):
        icon.addFile(str(png))
    if icon.isNull():
        icon.addFile(str(ICON_PATH))
    return icon
