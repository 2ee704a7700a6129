"""Benchmark: milliseconds per three-party liability notice, three ways, in one run.

  (a) naive fpdf2   new FPDF + add_font(Noto Sans SC .otf) for every document; fpdf2's own
                    fontTools subsetting at output
  (b) reportlab     the same layout drawn on a reportlab canvas with an embedded TrueType font
                    (Noto Sans SC converted once from CFF to glyf outlines with fontTools cu2qu,
                    cached under var/cache/; registered once per process, as reportlab is used)
  (c) ours          NoticeRenderer: fonts parsed once per process, per-document CFF subset
  (d) ours signed   (c) plus what issuing adds: the Ed25519 content signature and short code,
                    and the PAdES signature with the unit's vector seal (pyHanko, RSA 2048); the
                    signing share of (d) is printed separately

All run the same layout code (adapters.notice.render) on the same notices, so the difference
between (a), (b) and (c) is the PDF/font back end. Each document has different party names (rare characters
喆 堃 犇 龑 昇 ... all in Noto Sans SC, so the naive and reportlab variants need no fallback font)
and its own number and short code. Run: python bench/notice_bench.py [--n 20]

    python bench/notice_bench.py --qr [--n 200]   # the QR code alone: qrcode vs adapters/notice/qr.py,
                                                  # alternated, CPU ms per code; RESULT line
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fpdf import FPDF  # noqa: E402

from adapters.notice.fonts import default_font_paths  # noqa: E402
from adapters.notice.layout import Doc  # noqa: E402
from adapters.notice.pades import PadesSealer  # noqa: E402
from adapters.notice.render import NoticeRenderer, verify_url  # noqa: E402
from adapters.notice.sample import sample_content  # noqa: E402
from adapters.notice.signing import short_code_for, sign_content  # noqa: E402
from adapters.notice.unit_cert import issue_local  # noqa: E402

NAMES = ["张喆", "李堃", "赵犇", "龑", "王昇", "刘䶮", "陈喆昇", "周堃", "吴犇", "郑龑", "孙昇", "钱喆"]
PT_PER_MM = 72 / 25.4


def contents(n: int):
    out = []
    for i in range(n):
        names = (NAMES[i % 12], NAMES[(i + 5) % 12], NAMES[(i + 7) % 12])
        content = sample_content(
            notice_number=f"LZ2026030500{i:03d}", names=names, officer=NAMES[(i + 3) % 12]
        )
        code = f"BENCH{i:05d}".replace("0", "A").replace("1", "B")[:10]
        out.append((content, code, verify_url("https://kuaichu.example.cn", content.notice_number, code)))
    return out


# -- (a) naive fpdf2 ------------------------------------------------------------------------------


class NaiveRenderer(NoticeRenderer):
    """The same layout, but fonts as fpdf2 is commonly used: parsed for every document."""

    def new_doc(self, created_at, title, author, subject) -> Doc:
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.add_font(self.fonts.primary.family, fname=str(self.fonts.primary.path))
        return self.doc_class(self.fonts, pdf, created_at)

    def finish(self, doc, content_json, created_at):
        from adapters.notice.layout import Rendered

        return Rendered(bytes(doc.pdf.output()), doc.seal)


# -- (b) reportlab --------------------------------------------------------------------------------


def ttf_from_otf(otf: Path, ttf: Path) -> Path:
    """Convert a CFF-outline OpenType font to TrueType (glyf) outlines, once (cached)."""
    if ttf.exists():
        return ttf
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    started = time.perf_counter()
    font = TTFont(otf)
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    for tag in ("CFF ", "VORG", "GSUB", "GPOS", "GDEF", "BASE", "DSIG"):
        if tag in font:
            del font[tag]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0  # no glyph names
    font.sfntVersion = "\x00\x01\x00\x00"
    ttf.parent.mkdir(parents=True, exist_ok=True)
    tmp = ttf.with_suffix(".tmp")
    font.save(tmp)
    tmp.replace(ttf)
    print(f"(converted {otf.name} to TrueType once in {time.perf_counter() - started:.1f} s -> {ttf})")
    return ttf


class ReportlabPDF:
    """Just the part of the FPDF API the notice layout uses, drawn on a reportlab canvas."""

    def __init__(self, family: str):
        from reportlab.pdfgen.canvas import Canvas

        self.buffer = io.BytesIO()
        self.canvas = Canvas(self.buffer, pagesize=(210 * PT_PER_MM, 297 * PT_PER_MM), invariant=1)
        self.family = family
        self.k = PT_PER_MM
        self.h = 297.0
        self.pages_count = 0
        self.page = 0
        self.text_mode = 0
        self.current_font_is_set_on_page = False
        self._size = 10.0
        self._line_width = 0.2

    # page and metadata
    def set_auto_page_break(self, *_a, **_k):
        pass

    def set_margins(self, *_a, **_k):
        pass

    def set_creation_date(self, *_a, **_k):
        pass

    def embed_file(self, *_a, **_k):
        pass

    def set_title(self, title):
        self.canvas.setTitle(title)

    def set_author(self, author):
        self.canvas.setAuthor(author)

    def set_subject(self, subject):
        self.canvas.setSubject(subject)

    def add_page(self):
        if self.pages_count:
            self.canvas.showPage()
        self.pages_count += 1
        self.page = self.pages_count

    # graphics state
    def set_font(self, _family, size):
        self._size = size

    def set_text_color(self, r, g, b):
        self._text = (r / 255, g / 255, b / 255)

    def set_fill_color(self, r, g, b):
        self.canvas.setFillColorRGB(r / 255, g / 255, b / 255)

    def set_draw_color(self, r, g, b):
        self.canvas.setStrokeColorRGB(r / 255, g / 255, b / 255)

    def set_line_width(self, w):
        self._line_width = w
        self.canvas.setLineWidth(w * self.k)

    def _out(self, _op):
        pass

    # drawing
    def line(self, x1, y1, x2, y2):
        self.canvas.line(x1 * self.k, (self.h - y1) * self.k, x2 * self.k, (self.h - y2) * self.k)

    def rect(self, x, y, w, h, style=None):
        fill = style == "F"
        self.canvas.rect(
            x * self.k, (self.h - y - h) * self.k, w * self.k, h * self.k, stroke=not fill, fill=fill
        )

    def text(self, x, y, txt):
        c = self.canvas
        t = c.beginText(x * self.k, (self.h - y) * self.k)
        t.setFont(self.family, self._size)
        t.setFillColorRGB(*self._text)
        if self.text_mode:
            t.setTextRenderMode(2)
        t.textOut(txt)
        if self.text_mode:
            t.setTextRenderMode(0)  # Tr persists after ET
        c.drawText(t)

    def output(self):
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()


class ReportlabDoc(Doc):
    def qr(self, url, x, y, size):
        import qrcode
        from qrcode.constants import ERROR_CORRECT_L

        code = qrcode.QRCode(error_correction=ERROR_CORRECT_L, border=0, box_size=1)
        code.add_data(url)
        code.make(fit=True)
        matrix = code.get_matrix()
        module = size / len(matrix)
        self.pdf.set_fill_color(0, 0, 0)
        for r, row in enumerate(matrix):
            c = 0
            while c < len(row):
                if row[c]:
                    start = c
                    while c < len(row) and row[c]:
                        c += 1
                    self.pdf.rect(x + start * module, y + r * module, (c - start) * module, module, style="F")
                else:
                    c += 1


class ReportlabRenderer(NoticeRenderer):
    doc_class = ReportlabDoc
    family = "NotoSansSC-TT"

    def __init__(self, ttf: Path):
        super().__init__()
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        pdfmetrics.registerFont(TTFont(self.family, str(ttf)))

    def new_doc(self, created_at, title, author, subject) -> Doc:
        return self.doc_class(self.fonts, ReportlabPDF(self.family), created_at)

    def finish(self, doc, content_json, created_at):
        from adapters.notice.layout import Rendered

        return Rendered(doc.pdf.output(), doc.seal)


# -- measuring ------------------------------------------------------------------------------------


def measure(render, docs) -> tuple[list[float], int]:
    times = []
    size = 0
    for content, code, url in docs:
        started = time.perf_counter()
        pdf = render(content, code, url)
        times.append((time.perf_counter() - started) * 1000)
        size = len(pdf)
    return times, size


class SignedIssuer:
    """What issuing adds to rendering, timed separately: content signature + PAdES seal."""

    def __init__(self, renderer: NoticeRenderer):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        self.renderer = renderer
        self.key = Ed25519PrivateKey.generate()
        self.sealer = PadesSealer(issue_local("泸州市公安局交通警察支队"), renderer.fonts)
        self.signing_ms: list[float] = []

    def issue(self, content, _code, _url) -> bytes:
        started = time.perf_counter()
        code = short_code_for(sign_content(self.key, content))
        signing = time.perf_counter() - started
        rendered = self.renderer.render_document(
            content, code, verify_url("https://kuaichu.example.cn", content.notice_number, code)
        )
        started = time.perf_counter()
        pdf = self.sealer.seal(rendered.pdf, rendered.seal, content.unit, reason="道路交通事故认定书")
        self.signing_ms.append((signing + time.perf_counter() - started) * 1000)
        return pdf


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def qr_bench(n: int) -> None:
    """CPU ms per QR code of a notice link: the qrcode package (as layout.py drew it before) and
    adapters/notice/qr.py, alternated in 4 rounds; the matrices are checked equal."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_L

    from adapters.notice.qr import qr_matrix

    def plain(url: str) -> list[list[bool]]:
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_L, border=0, box_size=1)
        code.add_data(url)
        code.make(fit=True)
        return code.get_matrix()

    links = [f"http://127.0.0.1:8000/verify/LZ20261125-{i:06d}-1?c={i * 7919 % 10**8:08d}" for i in range(n)]
    times: dict[str, list[float]] = {"qrcode": [], "ours": []}
    for _ in range(4):
        for name, draw in (("qrcode", plain), ("ours", qr_matrix)):
            started = time.process_time()
            for url in links:
                draw(url)
            times[name].append((time.process_time() - started) * 1000 / n)
    assert all(plain(u) == qr_matrix(u) for u in links[:20])
    for name, ms in times.items():
        print(f"{name:8} " + " ".join(f"{m:5.2f}" for m in ms) + f"  ms CPU per QR code ({n} links)")
    a, b = statistics.median(times["qrcode"]), statistics.median(times["ours"])
    print(f"RESULT qrcode_ms={a:.2f} ours_ms={b:.2f} ratio={a / b:.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--n", type=int, default=20, help="notices per variant (default 20; naive ~0.4 s each)"
    )
    parser.add_argument("--n-ours", type=int, default=0, help="notices for ours (default 5 x --n)")
    parser.add_argument(
        "--cache", type=Path, default=ROOT / "var" / "cache", help="where the TTF conversion goes"
    )
    parser.add_argument("--qr", action="store_true", help="time the QR code alone (qrcode vs ours)")
    args = parser.parse_args(argv)
    if args.qr:
        qr_bench(args.n)
        return
    n_ours = args.n_ours or 5 * args.n

    primary, _ = default_font_paths()
    ttf = ttf_from_otf(primary, args.cache / "NotoSansSC-Regular.glyf.ttf")

    started = time.perf_counter()
    ours = NoticeRenderer()
    ours.render(*contents(1)[0])  # parse the fonts once per process (reported separately)
    first_doc = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    reportlab = ReportlabRenderer(ttf)
    reportlab_setup = (time.perf_counter() - started) * 1000
    naive = NaiveRenderer(fonts=ours.fonts)

    docs = contents(max(args.n, n_ours) + 1)[1:]
    results = {}
    results["naive fpdf2"] = measure(naive.render, docs[: args.n])
    results["reportlab TTF"] = measure(reportlab.render, docs[: args.n])
    results["ours"] = measure(ours.render, docs[:n_ours])
    signed = SignedIssuer(ours)
    signed.issue(*docs[0])  # the unit's seal is drawn once per process (cached)
    signed.signing_ms.clear()
    results["ours signed"] = measure(signed.issue, docs[:n_ours])

    print(f"three-party notice, A4, {args.n} documents each ({n_ours} for ours); one process, 2-core machine")
    print("(a)-(c) unsigned; 'ours signed' is a notice as issued: signed, sealed, PAdES")
    print(f"{'variant':<16}{'median ms':>11}{'p95 ms':>10}{'PDF bytes':>11}{'docs':>6}")
    for name, (times, size) in results.items():
        print(f"{name:<16}{statistics.median(times):>11.1f}{p95(times):>10.1f}{size:>11,}{len(times):>6}")
    total = statistics.median(results["ours signed"][0])
    share = statistics.median(signed.signing_ms)
    print(
        f"signing share of 'ours signed': median {share:.1f} ms of {total:.1f} ms ({100 * share / total:.0f} %), "
        f"p95 {p95(signed.signing_ms):.1f} ms (Ed25519 content signature + PAdES seal and signature)"
    )
    ours_median = statistics.median(results["ours"][0])
    print(f"ratio naive/ours     {statistics.median(results['naive fpdf2'][0]) / ours_median:6.1f}x")
    print(f"ratio reportlab/ours {statistics.median(results['reportlab TTF'][0]) / ours_median:6.1f}x")
    print(
        f"one-off per process: ours font parse + first notice {first_doc:.0f} ms; "
        f"reportlab font registration {reportlab_setup:.0f} ms"
    )


if __name__ == "__main__":
    main()
