"""The round red seal of the issuing unit, drawn as vectors: a ring, the unit's name along the upper
arc (characters upright towards the rim), a five-pointed star in the centre and the seal's purpose
(交通事故处理专用章) in a line below it.

The glyphs are font outlines turned into PDF paths, so the appearance needs no font resource and
looks the same in every viewer. The result is a PDF content stream in a square box of the seal's
diameter (origin bottom left); :mod:`adapters.notice.pades` makes it the signature's appearance.
Streams are cached per (unit, purpose, diameter): a unit's seal is computed once per process."""

from __future__ import annotations

import math

from fontTools.misc.transform import Transform
from fontTools.pens.basePen import BasePen
from fontTools.pens.transformPen import TransformPen

from adapters.notice.fonts import FontSet

SEAL_RED = (0.84, 0.05, 0.07)
DEFAULT_PURPOSE = "交通事故处理专用章"
MM = 72 / 25.4


class _PdfPathPen(BasePen):
    """Collects a glyph outline as PDF path operators."""

    def __init__(self) -> None:
        super().__init__(glyphSet=None)
        self.ops: list[str] = []

    def _moveTo(self, pt: tuple[float, float]) -> None:
        self.ops.append(f"{pt[0]:.2f} {pt[1]:.2f} m")

    def _lineTo(self, pt: tuple[float, float]) -> None:
        self.ops.append(f"{pt[0]:.2f} {pt[1]:.2f} l")

    def _curveToOne(self, p1, p2, p3) -> None:  # type: ignore[no-untyped-def]
        self.ops.append(f"{p1[0]:.2f} {p1[1]:.2f} {p2[0]:.2f} {p2[1]:.2f} {p3[0]:.2f} {p3[1]:.2f} c")

    def _closePath(self) -> None:
        self.ops.append("h")


def _glyph(fonts: FontSet, ch: str, transform: Transform, pen: _PdfPathPen) -> None:
    fonts.draw_char(ch, TransformPen(pen, transform))


def _star(cx: float, cy: float, outer: float) -> str:
    inner = outer * math.sin(math.radians(18)) / math.sin(math.radians(54))  # a regular pentagram
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        a = math.radians(90 + i * 36)
        points.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    first, *rest = points
    return " ".join([f"{first[0]:.2f} {first[1]:.2f} m", *(f"{x:.2f} {y:.2f} l" for x, y in rest), "h f"])


_cache: dict[tuple[int, str, str, float], bytes] = {}


def seal_stream(
    fonts: FontSet, unit: str, purpose: str = DEFAULT_PURPOSE, diameter_mm: float = 40.0
) -> bytes:
    """The seal's content stream (cached per font set, unit, purpose and size). Raises
    MissingGlyphError for a character no font has."""
    key = (id(fonts), unit.strip(), purpose.strip(), round(diameter_mm, 2))
    stream = _cache.get(key)
    if stream is None:
        if len(_cache) > 256:  # a handful of units per deployment; never grow without bound
            _cache.clear()
        stream = _cache[key] = _draw_seal(fonts, *key[1:])
    return stream


def _draw_seal(fonts: FontSet, unit: str, purpose: str, diameter_mm: float) -> bytes:
    d = diameter_mm * MM
    c = d / 2
    ring_w = d * 0.03  # about 1.2 mm on a 40 mm seal
    ring_r = c - ring_w / 2 - 0.6
    inner_r = ring_r - ring_w / 2
    ops = [f"q {SEAL_RED[0]} {SEAL_RED[1]} {SEAL_RED[2]} rg {SEAL_RED[0]} {SEAL_RED[1]} {SEAL_RED[2]} RG"]
    # the ring: a circle from four Bezier arcs
    kappa = 0.5523 * ring_r
    ops.append(
        f"{ring_w:.2f} w {c + ring_r:.2f} {c:.2f} m "
        f"{c + ring_r:.2f} {c + kappa:.2f} {c + kappa:.2f} {c + ring_r:.2f} {c:.2f} {c + ring_r:.2f} c "
        f"{c - kappa:.2f} {c + ring_r:.2f} {c - ring_r:.2f} {c + kappa:.2f} {c - ring_r:.2f} {c:.2f} c "
        f"{c - ring_r:.2f} {c - kappa:.2f} {c - kappa:.2f} {c - ring_r:.2f} {c:.2f} {c - ring_r:.2f} c "
        f"{c + kappa:.2f} {c - ring_r:.2f} {c + ring_r:.2f} {c - kappa:.2f} {c + ring_r:.2f} {c:.2f} c S"
    )
    ops.append(_star(c, c, d * 0.165))
    pen = _PdfPathPen()
    _arc_text(fonts, unit, c, inner_r, d, pen)
    _line_text(fonts, purpose, c, c - d * 0.31, d * 0.064, pen)
    ops.append(" ".join(pen.ops) + " f")
    ops.append("Q")
    return " ".join(ops).encode("ascii")


def _arc_text(fonts: FontSet, text: str, c: float, inner_r: float, d: float, pen: _PdfPathPen) -> None:
    """``text`` along the upper arc, centred on the top, each character upright towards the rim.
    Long names get a wider arc (up to 235 degrees) and narrower characters, as seal makers do."""
    n = len(text)
    if not n:
        return
    span = math.radians(min(235.0, max(120.0, 19.0 * n)))
    squeeze = 1.0 if n <= 10 else max(0.62, 1.0 - (n - 10) * 0.035)
    size = d * 0.15
    gap = d * 0.025
    for _ in range(3):  # the baseline radius depends on the size, the size on the arc length
        baseline_r = inner_r - gap - size * 0.88
        size = min(d * 0.15, baseline_r * span / n / (squeeze * 1.04))
    baseline_r = inner_r - gap - size * 0.88
    step = span / n
    scale = size / 1000
    for i, ch in enumerate(text):
        theta = math.pi / 2 + span / 2 - (i + 0.5) * step
        advance = fonts.advance(ch)[1]
        t = (
            Transform()
            .translate(c + baseline_r * math.cos(theta), c + baseline_r * math.sin(theta))
            .rotate(theta - math.pi / 2)
            .scale(scale * squeeze, scale)
            .translate(-advance / 2, 0)
        )
        _glyph(fonts, ch, t, pen)


def _line_text(fonts: FontSet, text: str, cx: float, baseline: float, size: float, pen: _PdfPathPen) -> None:
    scale = size / 1000
    total = sum(fonts.advance(ch)[1] for ch in text) * scale
    x = cx - total / 2
    for ch in text:
        _glyph(fonts, ch, Transform().translate(x, baseline).scale(scale), pen)
        x += fonts.advance(ch)[1] * scale
