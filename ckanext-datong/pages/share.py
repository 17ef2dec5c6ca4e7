"""Sharing an entry's page inside the closed network: its address to copy and a QR code to
scan with WeChat, drawn on the server as inline SVG (no external service)."""
from __future__ import annotations

import functools

import segno
from markupsafe import Markup

QR_SCALE = 4
QR_BORDER = 2


@functools.lru_cache(maxsize=512)
def datong_share_qr(url: str, title: str = "") -> Markup:
    """An inline SVG QR code of `url` (medium error correction, scannable from a screen)."""
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(scale=QR_SCALE, border=QR_BORDER, dark="#1b2a30", light="#ffffff",
                          svgclass="datong-qr", title=title or None)
    return Markup(svg)
