"""Layout primitives shared by every document kind (notice, revocation, review conclusion): a cursor
over A4 pages, text runs per font, Chinese line breaking, bordered tables, the QR code, and the parts
every document has (header with the QR code, signature block with the seal's place, footers).

Text is drawn with ``FPDF.text`` per font run: characters the primary font lacks are drawn with the
fallback font. Line breaking follows the usual Chinese rule that a line does not start with a closing
punctuation mark (避头) nor end with an opening one (避尾)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import TextMode

from adapters.notice.fonts import FontSet, MissingGlyphError, NoticePDF, default_font_paths
from adapters.notice.qr import qr_matrix

NO_VALUE = "无"

_NO_LINE_START = set("，。、；：？！）》」』”’…—·%,.;:?!)]}")
_NO_LINE_END = set("（《「『“‘([{")

PT = 25.4 / 72  # mm per point
PAGE_H = 297.0
SEAL_DIAMETER = 38.0  # mm: a unit's round special-purpose seal (专用章)


@dataclass(frozen=True)
class SealPlacement:
    """Where the seal (the visible signature) goes: page index from 0, and the square box in PDF
    points (origin bottom left), as the signer needs it."""

    page: int
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class Style:
    size: float
    bold: bool = False
    color: tuple[int, int, int] = (0, 0, 0)


BODY = Style(10)
SMALL = Style(8.5, color=(60, 60, 60))
LABEL = Style(9.5, color=(40, 40, 40))
VALUE = Style(10)
HEADING = Style(11, bold=True)
TITLE_STYLE = Style(18.5, bold=True)
UNIT_STYLE = Style(13)

Cell = tuple[str, float, Style, str]  # text, width (mm), style, align "L" | "C"


class Doc:
    """One document being laid out: a cursor, text runs per font, wrapping, tables."""

    LEFT = 18.0
    RIGHT = 192.0
    TOP = 14.0
    BOTTOM = 280.0

    def __init__(self, fonts: FontSet, pdf: FPDF, created_at: datetime):
        self.fonts = fonts
        self.pdf = pdf
        self.seal: SealPlacement | None = None
        pdf.set_auto_page_break(False)
        pdf.set_margins(self.LEFT, self.TOP, 210 - self.RIGHT)
        pdf.set_creation_date(created_at)
        self.y = self.TOP
        self.pdf.add_page()

    # -- text primitives --------------------------------------------------------------------------

    def _runs(self, text: str) -> list[tuple[int, str, int]]:
        """Split ``text`` into (font index, substring, width in 1/1000 em) runs."""
        advance = self.fonts.advance
        runs: list[tuple[int, str, int]] = []
        current = -1
        start = 0
        units = 0
        for pos, ch in enumerate(text):
            font, w = advance(ch)
            if font != current:
                if pos:
                    runs.append((current, text[start:pos], units))
                current, start, units = font, pos, 0
            units += w
        if text:
            runs.append((current, text[start:], units))
        return runs

    def width(self, text: str, style: Style) -> float:
        advance = self.fonts.advance
        return sum(advance(ch)[1] for ch in text) * style.size * PT / 1000

    def draw(self, x: float, baseline: float, text: str, style: Style) -> float:
        """Draw ``text`` with its baseline at ``baseline``; return the width drawn."""
        pdf = self.pdf
        # fpdf2 only emits the text colour when it differs from the fill colour: keep both equal
        pdf.set_fill_color(*style.color)
        pdf.set_text_color(*style.color)
        if style.bold:  # faux bold: fill and stroke the outlines (the fonts ship one weight)
            pdf.set_draw_color(*style.color)
            pdf.set_line_width(style.size * 0.025 * PT)
            pdf.text_mode = TextMode.FILL_STROKE
        start = x
        scale = style.size * PT / 1000
        for font, run, units in self._runs(text):
            self.fonts.set_font(pdf, font, style.size)
            pdf.text(x, baseline, run)
            x += units * scale
        if style.bold:
            # fpdf2 emits Tr only for non-fill modes; the mode persists after ET, so reset it here
            pdf.text_mode = TextMode.FILL
            pdf._out("0 Tr")
        return x - start

    def wrap(self, text: str, max_width: float, style: Style) -> list[str]:
        """Break ``text`` into lines no wider than ``max_width``: anywhere between CJK characters,
        not inside Latin words or numbers; a closing punctuation mark never starts a line (it hangs
        at the end of the previous one) and an opening one never ends a line."""
        limit = max_width * 1000 / (style.size * PT) + 1e-6  # in 1/1000 em
        advance = self.fonts.advance
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line: list[str] = []
            line_w = 0
            for tok in tokens(paragraph):
                w = sum(advance(ch)[1] for ch in tok)
                if line and line_w + w > limit:
                    if tok[0] in _NO_LINE_START:
                        line.append(tok)
                        lines.append("".join(line))
                        line, line_w = [], 0
                        continue
                    carry: list[str] = []
                    if line[-1][-1] in _NO_LINE_END and len(line) > 1:
                        carry = [line.pop()]
                    lines.append("".join(line))
                    line = carry
                    line_w = sum(advance(ch)[1] for t in carry for ch in t)
                    if not line:
                        tok = tok.lstrip(" ")
                        w = sum(advance(ch)[1] for ch in tok)
                line.append(tok)
                line_w += w
            lines.append("".join(line))
        return lines

    # -- layout ---------------------------------------------------------------------------------

    def line_height(self, style: Style, factor: float = 1.45) -> float:
        return style.size * PT * factor

    def ensure(self, height: float) -> None:
        if self.y + height > self.BOTTOM:
            self.pdf.add_page()
            self.y = self.TOP + 4

    def paragraph(
        self, text: str, style: Style = BODY, indent: float = 0.0, first_indent: bool = True
    ) -> None:
        lh = self.line_height(style)
        x0 = self.LEFT + indent
        width = self.RIGHT - x0
        prefix = "\u3000\u3000" if first_indent else ""
        for line in self.wrap(prefix + text, width, style):
            self.ensure(lh)
            self.draw(x0, self.y + style.size * PT * 1.05, line, style)
            self.y += lh

    def heading(self, text: str) -> None:
        self.ensure(self.line_height(HEADING) * 2.5)
        self.y += 1.0
        self.pdf.set_fill_color(150, 20, 20)
        self.pdf.rect(self.LEFT, self.y + 0.7, 1.2, HEADING.size * PT * 1.05, style="F")
        self.draw(self.LEFT + 3, self.y + HEADING.size * PT * 1.05, text, HEADING)
        self.y += self.line_height(HEADING, 1.42)

    def labelled(self, label: str, value: str, label2: str = "", value2: str = "") -> None:
        """``label：value`` (and ``label2：value2`` on the same line when both fit, else below)."""
        lh = self.line_height(BODY)
        label_style = Style(BODY.size, bold=True, color=(40, 40, 40))
        full = self.RIGHT - self.LEFT
        pairs = [(label, value or NO_VALUE)]
        if label2:
            pairs.append((label2, value2 or NO_VALUE))
        widths = [self.width(k + "：" + v, BODY) for k, v in pairs]
        if len(pairs) == 2 and sum(widths) + 10 < full:
            self.ensure(lh)
            baseline = self.y + BODY.size * PT * 1.05
            x = self.LEFT
            for (k, v), w in zip(pairs, widths, strict=True):
                self.draw(x, baseline, k + "：", label_style)
                self.draw(x + self.width(k + "：", BODY), baseline, v, BODY)
                x = max(x + w + 10, self.LEFT + full * 0.4)
            self.y += lh
            return
        for k, v in pairs:
            label_w = self.width(k + "：", BODY)
            lines = self.wrap(v, full - label_w, BODY)
            self.ensure(lh * min(len(lines), 2))
            self.draw(self.LEFT, self.y + BODY.size * PT * 1.05, k + "：", label_style)
            for line in lines:
                self.ensure(lh)
                self.draw(self.LEFT + label_w, self.y + BODY.size * PT * 1.05, line, BODY)
                self.y += lh

    def table(self, rows: list[list[Cell]], side: tuple[str, float, Style] | None = None) -> None:
        """Draw a bordered table. Cells are (text, width, style, align 'L'|'C'); text wraps, and a
        value that is a little too wide for one line is first shrunk (down to 8 pt). ``side`` is a
        cell spanning all rows on the left (its text is split on newlines). The block is kept on one
        page."""
        pad = 1.4
        laid: list[list[tuple[list[str], Style]]] = []
        heights: list[float] = []
        for row in rows:
            cells = []
            height = 5.6
            for text, width, style, _align in row:
                inner = width - 2 * pad
                while self.width(text, style) > inner and style.size > 8.0:
                    style = Style(style.size - 0.5, style.bold, style.color)
                lines = self.wrap(text, inner, style)
                cells.append((lines, style))
                height = max(height, len(lines) * self.line_height(style, 1.32) + 2 * pad)
            laid.append(cells)
            heights.append(height)
        self.ensure(sum(heights))
        pdf = self.pdf
        pdf.set_draw_color(70, 70, 70)
        pdf.set_line_width(0.25)
        x0 = self.LEFT
        if side is not None:
            text, width, style = side
            total = sum(heights)
            pdf.rect(x0, self.y, width, total)
            lines = text.split("\n")
            lh = self.line_height(style, 1.3)
            ty = self.y + (total - len(lines) * lh) / 2
            for line in lines:
                self.draw(
                    x0 + (width - self.width(line, style)) / 2, ty + style.size * PT * 1.02, line, style
                )
                ty += lh
            x0 += width
        for row, cells, height in zip(rows, laid, heights, strict=True):
            x = x0
            for (_text, width, _style, align), (lines, style) in zip(row, cells, strict=True):
                pdf.set_draw_color(70, 70, 70)  # (faux bold text changes the stroke colour and width)
                pdf.set_line_width(0.25)
                pdf.rect(x, self.y, width, height)
                lh = self.line_height(style, 1.32)
                ty = self.y + (height - len(lines) * lh) / 2
                for line in lines:
                    lx = x + (width - self.width(line, style)) / 2 if align == "C" else x + pad
                    self.draw(lx, ty + style.size * PT * 1.02, line, style)
                    ty += lh
                x += width
            self.y += height

    def qr(self, url: str, x: float, y: float, size: float) -> None:
        matrix = qr_matrix(url)
        n = len(matrix)
        module = size / n
        pdf = self.pdf
        pdf.set_fill_color(255, 255, 255)
        quiet = module * 2
        pdf.rect(x - quiet, y - quiet, size + 2 * quiet, size + 2 * quiet, style="F")
        pdf.set_fill_color(0, 0, 0)
        k = pdf.k
        h = pdf.h
        ops = []
        for r, row in enumerate(matrix):
            c = 0
            while c < n:
                if row[c]:
                    start = c
                    while c < n and row[c]:
                        c += 1
                    ops.append(
                        f"{(x + start * module) * k:.2f} {(h - y - (r + 1) * module) * k:.2f} "
                        f"{(c - start) * module * k:.2f} {module * k:.2f} re"
                    )
                else:
                    c += 1
        pdf._out("0 g " + " ".join(ops) + " f")


def tokens(text: str) -> list[str]:
    """Split into breakable units: a CJK character each, Latin/digit runs kept whole."""
    tokens: list[str] = []
    word = ""
    for ch in text:
        if ch.isascii() and (ch.isalnum() or ch in "-_./:@+#"):
            word += ch
            continue
        if word:
            tokens.append(word)
            word = ""
        tokens.append(ch)
    if word:
        tokens.append(word)
    return tokens


# -- parts every document has ---------------------------------------------------------------------


class Dates:
    """Chinese date and time texts in the documents' time zone."""

    def __init__(self, timezone: str = "Asia/Shanghai"):
        self.tz = ZoneInfo(timezone)

    def dt(self, value: datetime) -> str:
        local = value.astimezone(self.tz)
        return f"{local.year}年{local.month}月{local.day}日{local.hour:02d}时{local.minute:02d}分"

    def date(self, value: datetime | date) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        return f"{value.year}年{value.month}月{value.day}日"


def format_short_code(code: str) -> str:
    """ABCDEFGHJK -> ABCDE-FGHJK, easier to read out and type."""
    half = (len(code) + 1) // 2
    return f"{code[:half]}-{code[half:]}" if len(code) > 6 else code


def header(doc: Doc, unit: str, title: str, number: str, case_number: str, code: str, url: str) -> None:
    """Unit, title, number and case number centred; the QR code with the short code on the right;
    a double rule in red below."""
    qr_size = 30.0
    qr_x = doc.RIGHT - qr_size
    qr_y = 7.0
    doc.qr(url, qr_x, qr_y, qr_size)
    code_style = Style(8.5, bold=True)
    code_text = f"验证码 {format_short_code(code)}"
    doc.draw(
        qr_x + (qr_size - doc.width(code_text, code_style)) / 2, qr_y + qr_size + 3.4, code_text, code_style
    )
    label = "扫码核验真伪"
    doc.draw(qr_x + (qr_size - doc.width(label, SMALL)) / 2, qr_y + qr_size + 6.4, label, SMALL)

    centre = 100.0  # a little left of the page centre, clear of the QR code
    doc.draw(centre - doc.width(unit, UNIT_STYLE) / 2, 16.0, unit, UNIT_STYLE)
    doc.draw(centre - doc.width(title, TITLE_STYLE) / 2, 26.5, title, TITLE_STYLE)
    number_text = f"第 {number} 号"
    number_style = Style(11)
    doc.draw(centre - doc.width(number_text, number_style) / 2, 33.5, number_text, number_style)
    case = f"案件编号：{case_number}"
    doc.draw(centre - doc.width(case, SMALL) / 2, 38.5, case, SMALL)
    doc.y = 46.5
    pdf = doc.pdf
    pdf.set_draw_color(150, 20, 20)
    pdf.set_line_width(0.7)
    pdf.line(doc.LEFT, doc.y, doc.RIGHT, doc.y)
    pdf.set_line_width(0.2)
    pdf.line(doc.LEFT, doc.y + 1.0, doc.RIGHT, doc.y + 1.0)
    doc.y += 2.5


def signature_block(doc: Doc, left_lines: list[str], unit: str, when: str) -> None:
    """The officers on the left; the unit and the date on the right, where the seal goes (centred on
    them, as a seal is put over the unit's name and the date). Records the seal's place on ``doc``."""
    lh = doc.line_height(BODY, 1.55)
    radius = SEAL_DIAMETER / 2
    doc.ensure(SEAL_DIAMETER + 3)
    cy = doc.y + 3 + radius  # the seal's centre: between the unit's line and the date's
    for i, line in enumerate(left_lines):
        doc.draw(doc.LEFT + 2, cy - 1 + i * lh, line, BODY)
    block_w = max(doc.width(unit, BODY), doc.width(when, BODY))
    cx = doc.RIGHT - 6 - block_w / 2
    for i, line in enumerate((unit, when)):
        doc.draw(cx - doc.width(line, BODY) / 2, cy - 1 + i * lh, line, BODY)
    k = 72 / 25.4
    box = ((cx - radius) * k, (PAGE_H - cy - radius) * k, (cx + radius) * k, (PAGE_H - cy + radius) * k)
    doc.seal = SealPlacement(page=doc.pdf.page - 1, box=tuple(round(v, 2) for v in box))  # type: ignore[arg-type]
    doc.y = cy + radius


def identity_table(doc: Doc, parties: Iterable, widths: tuple[float, float, float, float]) -> None:
    """当事人 / 姓名 / 身份证或驾驶证号 / 号牌号码 / 联系电话, one row a party (``widths`` of the first
    four columns; the phone takes the rest)."""
    heads = ("当事人", "姓名", "身份证或驾驶证号", "号牌号码", "联系电话")
    cols = [*widths, doc.RIGHT - doc.LEFT - sum(widths)]
    rows: list[list[Cell]] = [[(h, w, LABEL, "C") for h, w in zip(heads, cols, strict=True)]]
    for p in parties:
        values = (p.label, p.name, p.id_or_licence_number, p.plate or NO_VALUE, p.phone)
        rows.append([(v, w, VALUE, "C") for v, w in zip(values, cols, strict=True)])
    doc.table(rows)


def footers(doc: Doc, statement: str, number: str) -> None:
    """On every page: the electronic-document statement and the page number."""
    pdf = doc.pdf
    total = pdf.pages_count
    lines = doc.wrap(statement, doc.RIGHT - doc.LEFT, SMALL)
    for n in range(1, total + 1):
        pdf.page = n
        pdf.current_font_is_set_on_page = False
        pdf.set_draw_color(170, 170, 170)
        pdf.set_line_width(0.2)
        pdf.line(doc.LEFT, doc.BOTTOM + 1, doc.RIGHT, doc.BOTTOM + 1)
        y = doc.BOTTOM + 4.6
        step = doc.line_height(SMALL, 1.35)
        for line in lines:
            doc.draw(doc.LEFT, y, line, SMALL)
            y += step
        # the page number: right-aligned on the statement's last line where it fits beside it
        # (a long verification URL wraps to a third line), else on a line of its own
        text = f"第 {number} 号    第 {n} 页 共 {total} 页"
        width = doc.width(text, SMALL)
        last = doc.width(lines[-1], SMALL) if lines else 0.0
        if lines and last + 6 + width <= doc.RIGHT - doc.LEFT:
            doc.draw(doc.RIGHT - width, y - step, text, SMALL)
        else:
            doc.draw(105 - width / 2, max(y, 293.5), text, SMALL)
    pdf.page = total


def electronic_statement(unit: str, url: str, code: str, noun: str = "本文书") -> str:
    return (
        f"{noun}为电子文书，加盖{unit}电子印章并经其数字签名（PAdES），可用PDF阅读器查验签名。"
        f"核验真伪：扫描首页二维码，或访问 {url} 核对验证码 {format_short_code(code)}。"
    )


# -- the renderer base ----------------------------------------------------------------------------

_font_set: FontSet | None = None
_font_lock = threading.Lock()


def get_font_set() -> FontSet:
    """The process-wide font set (Noto Sans SC + Noto Sans JP fallback), parsed on first use."""
    global _font_set
    if _font_set is None:
        with _font_lock:
            if _font_set is None:
                primary, fallbacks = default_font_paths()
                _font_set = FontSet.load(primary, fallbacks)
    return _font_set


@dataclass(frozen=True)
class Rendered:
    """An unsigned document and the place of its seal."""

    pdf: bytes
    seal: SealPlacement


CONTENT_ATTACHMENT = "content.json"


class BaseRenderer:
    """What every document renderer does: glyph check first, a fresh A4 document with the shared
    fonts, the signed content attached as JSON (so that the PDF alone is machine-readable and the
    verification page can show its essentials), output."""

    doc_class: type[Doc] = Doc

    def __init__(self, fonts: FontSet | None = None, timezone: str = "Asia/Shanghai"):
        self.fonts = fonts or get_font_set()
        self.dates = Dates(timezone)

    def check_glyphs(self, texts: dict[str, str]) -> None:
        """Raise :class:`MissingGlyphError` naming every field with a character no font has, before
        anything is drawn: a name on a legal document must never silently lose a character."""
        missing: list[str] = []
        fields: list[str] = []
        for field, text in texts.items():
            absent = self.fonts.missing(text)
            if absent:
                missing += absent
                fields.append(field)
        if missing:
            raise MissingGlyphError(missing, ", ".join(fields))

    def new_doc(self, created_at: datetime, title: str, author: str, subject: str) -> Doc:
        pdf = NoticePDF(orientation="P", unit="mm", format="A4")
        self.fonts.install(pdf)
        doc = self.doc_class(self.fonts, pdf, created_at)
        pdf.set_title(title)
        pdf.set_author(author)
        pdf.set_subject(subject)
        return doc

    def finish(self, doc: Doc, content_json: bytes, created_at: datetime) -> Rendered:
        if doc.seal is None:
            raise RuntimeError("the document has no signature block")
        doc.pdf.embed_file(
            bytes=content_json,
            basename=CONTENT_ATTACHMENT,
            modification_date=created_at,
            mime_type="application/json",
            desc="签名内容（JSON）",
        )
        return Rendered(bytes(doc.pdf.output()), doc.seal)
