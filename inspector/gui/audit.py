"""Audit screenshots: a PNG of what the window shows, with a caption strip that says what.

The caption names the app and version, the view, the profile, the source (name and sha256
of its bytes), the payload's location and the UTC time, and, when redaction rules are on,
how many values they hid and the sha256 of the rules. It is also stored as PNG text
chunks (``Caption``, ``Software``), so tools can read it without OCR. It never holds a key,
a token or any other credential: only names the app shows anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QWidget

from inspector import __version__, atomic_write
from inspector.errors import InspectorError

APP_NAME = "Payload Inspector"
PADDING = 10


@dataclass(frozen=True)
class AuditCaption:
    """What an audit screenshot says about itself."""

    view: str
    profile: str
    source: str
    sha256: str
    location: str
    time_utc: str
    app: str = f"{APP_NAME} {__version__}"
    left_encoded: str = ""  # "2 payloads left encoded: no codec of profile 'x' decodes …"
    redaction: str | None = None  # ``Redaction.caption``: "redacted: N values by K rules …"

    def lines(self) -> list[str]:
        lines = [
            f"{self.app}  ·  view: {self.view}  ·  profile: {self.profile}  ·  {self.time_utc}",
            f"source: {self.source}  ·  sha256: {self.sha256}",
            f"payload: {self.location}",
        ]
        if self.left_encoded:
            lines.append(f"warning: {self.left_encoded}")
        if self.redaction is not None:
            lines.append(self.redaction)
        return lines

    def text(self) -> str:
        return "\n".join(self.lines())


def utc_now() -> str:
    """``2026-05-01T12:34:56Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ScreenshotError(InspectorError):
    """The PNG could not be written (one line, names the file)."""


def _caption_font(scale: float) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    size = font.pointSizeF() if font.pointSizeF() > 0 else 9.0
    font.setPointSizeF(size * scale)
    return font


def compose(shot: QImage, caption: AuditCaption) -> QImage:
    """The screenshot with the caption strip below it (long lines wrap, never clip)."""
    shot = shot.convertToFormat(QImage.Format.Format_ARGB32)
    ratio = shot.devicePixelRatio() or 1.0
    shot.setDevicePixelRatio(1.0)
    width = shot.width()
    font = _caption_font(ratio)
    metrics = QFontMetrics(font)
    pad = int(PADDING * ratio)
    text_rect = QRect(pad, 0, width - 2 * pad, 100_000)
    flags = int(Qt.TextFlag.TextWrapAnywhere | Qt.AlignmentFlag.AlignLeft)
    heights = [metrics.boundingRect(text_rect, flags, line).height() for line in caption.lines()]
    strip = sum(heights) + pad * 2 + int(4 * ratio) * (len(heights) - 1)
    out = QImage(width, shot.height() + strip, QImage.Format.Format_ARGB32)
    out.fill(QColor("#1d2130"))
    painter = QPainter(out)
    painter.drawImage(0, 0, shot)
    painter.fillRect(0, shot.height(), width, int(3 * ratio), QColor("#5b5ff0"))
    painter.setFont(font)
    y = shot.height() + pad
    for i, (line, height) in enumerate(zip(caption.lines(), heights, strict=True)):
        painter.setPen(QColor("#ffffff" if i == 0 else "#c9cedb"))
        painter.drawText(QRect(pad, y, width - 2 * pad, height), flags, line)
        y += height + int(4 * ratio)
    painter.end()
    out.setText("Caption", caption.text())
    out.setText("Software", caption.app)
    out.setText("Creation Time", caption.time_utc)
    return out


def render(widget: QWidget, caption: AuditCaption) -> QImage:
    """Grab the widget as it is painted now and add the caption."""
    return compose(widget.grab().toImage(), caption)


def save_png(image: QImage, path: str | Path) -> Path:
    """Write atomically with the usual file permissions (``inspector.atomic_write``): a
    screenshot is for sharing, and a failed one leaves the old file; ``ScreenshotError``."""
    target = Path(path).expanduser()
    if not target.parent.is_dir():
        raise ScreenshotError(f"{target}: no such directory: {target.parent}")
    try:
        with atomic_write.replacing(target) as tmp:
            # PySide6 wants the format as str at run time; its stub says bytes
            if not image.save(str(tmp), "PNG"):  # type: ignore[call-overload]
                raise ScreenshotError(f"{target}: cannot write the PNG")
    except OSError as e:
        raise ScreenshotError(f"{target}: cannot write: {e.strerror or e}") from None
    return target
