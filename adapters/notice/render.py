"""The A4 PDF of a notice: 道路交通事故认定书（简易程序） and 撤销道路交通事故认定书.

Layout is done here (own line breaking with the usual Chinese rule that a line does not start with a
closing punctuation mark, own table drawing) and text is drawn with ``FPDF.text`` per font run:
characters the primary font lacks are drawn with the fallback font; characters no font has raise
:class:`MissingGlyphError` before anything is drawn. Fonts are parsed once per process
(:func:`get_font_set`); a renderer can be reused from many threads, each ``render`` builds its own
document."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import qrcode
from fpdf import FPDF
from fpdf.enums import TextMode
from qrcode.constants import ERROR_CORRECT_L

from adapters.notice.content import NO_VALUE, NoticeContent, NoticeParty
from adapters.notice.fonts import FontSet, MissingGlyphError, NoticePDF, default_font_paths
from domain.models import Liability, NoticeKind

__all__ = ["MissingGlyphError", "NoticeRenderer", "get_font_set", "verify_url"]

TITLE = "道路交通事故认定书（简易程序）"
REVOCATION_TITLE = "撤销道路交通事故认定书"

# Characters that must not start a line (避头) and must not end one (避尾)
_NO_LINE_START = set("，。、；：？！）》」』”’…—·%,.;:?!)]}")
_NO_LINE_END = set("（《「『“‘([{")

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


def verify_url(base_url: str, notice_number: str, short_code: str) -> str:
    """The public verification URL encoded in the QR code."""
    return f"{base_url.rstrip('/')}/notices/{quote(notice_number, safe='')}/verify?code={short_code}"


def format_short_code(code: str) -> str:
    """ABCDEFGHJK -> ABCDE-FGHJK, easier to read out and type."""
    half = (len(code) + 1) // 2
    return f"{code[:half]}-{code[half:]}" if len(code) > 6 else code


@dataclass(frozen=True)
class _Style:
    size: float
    bold: bool = False
    color: tuple[int, int, int] = (0, 0, 0)


BODY = _Style(10)
SMALL = _Style(8.5, color=(60, 60, 60))
LABEL = _Style(9.5, color=(40, 40, 40))
VALUE = _Style(10)
HEADING = _Style(11, bold=True)
TITLE_STYLE = _Style(18.5, bold=True)
UNIT_STYLE = _Style(13)

PT = 25.4 / 72  # mm per point
Cell = tuple[str, float, _Style, str]  # text, width (mm), style, align "L" | "C"


class _Doc:
    """One document being laid out: a cursor, text runs per font, wrapping, tables."""

    LEFT = 18.0
    RIGHT = 192.0
    TOP = 14.0
    BOTTOM = 280.0

    def __init__(self, fonts: FontSet, content: NoticeContent, pdf: FPDF):
        self.fonts = fonts
        self.pdf = pdf
        pdf.set_auto_page_break(False)
        pdf.set_margins(self.LEFT, self.TOP, 210 - self.RIGHT)
        pdf.set_creation_date(content.issued_at)
        self._families = [f.family for f in fonts.fonts()]
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

    def width(self, text: str, style: _Style) -> float:
        advance = self.fonts.advance
        return sum(advance(ch)[1] for ch in text) * style.size * PT / 1000

    def draw(self, x: float, baseline: float, text: str, style: _Style) -> float:
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
            pdf.set_font(self._families[font], size=style.size)
            pdf.text(x, baseline, run)
            x += units * scale
        if style.bold:
            # fpdf2 emits Tr only for non-fill modes; the mode persists after ET, so reset it here
            pdf.text_mode = TextMode.FILL
            pdf._out("0 Tr")
        return x - start

    def wrap(self, text: str, max_width: float, style: _Style) -> list[str]:
        """Break ``text`` into lines no wider than ``max_width``: anywhere between CJK characters,
        not inside Latin words or numbers; a closing punctuation mark never starts a line (it hangs
        at the end of the previous one) and an opening one never ends a line."""
        limit = max_width * 1000 / (style.size * PT) + 1e-6  # in 1/1000 em
        advance = self.fonts.advance
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line: list[str] = []
            line_w = 0
            for tok in _tokens(paragraph):
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

    def line_height(self, style: _Style, factor: float = 1.5) -> float:
        return style.size * PT * factor

    def ensure(self, height: float) -> None:
        if self.y + height > self.BOTTOM:
            self.pdf.add_page()
            self.y = self.TOP + 4

    def paragraph(
        self, text: str, style: _Style = BODY, indent: float = 0.0, first_indent: bool = True
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
        self.y += 1.6
        self.pdf.set_fill_color(150, 20, 20)
        self.pdf.rect(self.LEFT, self.y + 0.7, 1.2, HEADING.size * PT * 1.05, style="F")
        self.draw(self.LEFT + 3, self.y + HEADING.size * PT * 1.05, text, HEADING)
        self.y += self.line_height(HEADING, 1.55)

    def labelled(self, label: str, value: str, label2: str = "", value2: str = "") -> None:
        """``label：value`` (and ``label2：value2`` on the same line when both fit, else below)."""
        lh = self.line_height(BODY)
        label_style = _Style(BODY.size, bold=True, color=(40, 40, 40))
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

    def table(self, rows: list[list[Cell]], side: tuple[str, float, _Style] | None = None) -> None:
        """Draw a bordered table. Cells are (text, width, style, align 'L'|'C'); text wraps, and a
        value that is a little too wide for one line is first shrunk (down to 8 pt). ``side`` is a
        cell spanning all rows on the left (its text is split on newlines). The block is kept on one
        page."""
        pad = 1.4
        laid: list[list[tuple[list[str], _Style]]] = []
        heights: list[float] = []
        for row in rows:
            cells = []
            height = 6.0
            for text, width, style, _align in row:
                inner = width - 2 * pad
                while self.width(text, style) > inner and style.size > 8.0:
                    style = _Style(style.size - 0.5, style.bold, style.color)
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
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_L, border=0, box_size=1)
        code.add_data(url)
        code.make(fit=True)
        matrix = code.get_matrix()
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


def _tokens(text: str) -> list[str]:
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


class NoticeRenderer:
    """Renders notices to PDF bytes. Cheap to create; the fonts are shared per process."""

    doc_class: type[_Doc] = _Doc

    def __init__(self, fonts: FontSet | None = None, timezone: str = "Asia/Shanghai"):
        self.fonts = fonts or get_font_set()
        self.tz = ZoneInfo(timezone)

    def warm_up(self) -> None:
        """Pre-compute the glyphs of the fixed texts so that the first notice is fast too."""
        self.fonts.warm(_FIXED_TEXT)

    def render(self, content: NoticeContent, short_code: str, verify_url: str) -> bytes:
        """The PDF bytes of ``content`` (a determination or a revocation). Raises
        :class:`MissingGlyphError` (naming the field) if a character cannot be printed."""
        missing: list[str] = []
        fields: list[str] = []
        for field, text in content.texts().items():
            absent = self.fonts.missing(text)
            if absent:
                missing += absent
                fields.append(field)
        if missing:
            raise MissingGlyphError(missing, ", ".join(fields))
        doc = self.doc_class(self.fonts, content, self._new_pdf())
        title = REVOCATION_TITLE if content.kind == NoticeKind.REVOCATION else TITLE
        doc.pdf.set_title(f"{title} 第{content.notice_number}号")
        doc.pdf.set_author(content.unit)
        doc.pdf.set_subject(f"案件编号 {content.case_number}")
        self._header(doc, content, title, short_code, verify_url)
        if content.kind == NoticeKind.REVOCATION:
            self._revocation_body(doc, content)
        else:
            self._determination_body(doc, content)
        self._signature_block(doc, content)
        self._footers(doc, content, short_code, verify_url)
        return bytes(doc.pdf.output())

    def _new_pdf(self) -> FPDF:
        """A fresh A4 document with this renderer's fonts (per-document clones of the parsed fonts)."""
        pdf = NoticePDF(orientation="P", unit="mm", format="A4")
        self.fonts.install(pdf)
        return pdf

    # -- parts ------------------------------------------------------------------------------------

    def _dt(self, value: datetime) -> str:
        local = value.astimezone(self.tz)
        return f"{local.year}年{local.month}月{local.day}日{local.hour:02d}时{local.minute:02d}分"

    def _date(self, value: datetime | date) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        return f"{value.year}年{value.month}月{value.day}日"

    def _header(self, doc: _Doc, content: NoticeContent, title: str, code: str, url: str) -> None:
        qr_size = 34.0
        qr_x = doc.RIGHT - qr_size
        qr_y = 7.5
        doc.qr(url, qr_x, qr_y, qr_size)
        code_style = _Style(8.5, bold=True)
        code_text = f"验证码 {format_short_code(code)}"
        doc.draw(
            qr_x + (qr_size - doc.width(code_text, code_style)) / 2,
            qr_y + qr_size + 3.6,
            code_text,
            code_style,
        )
        label = "扫码核验真伪"
        doc.draw(qr_x + (qr_size - doc.width(label, SMALL)) / 2, qr_y + qr_size + 6.8, label, SMALL)

        centre = 105.0
        doc.draw(centre - doc.width(content.unit, UNIT_STYLE) / 2, 17.0, content.unit, UNIT_STYLE)
        doc.draw(centre - doc.width(title, TITLE_STYLE) / 2, 28.0, title, TITLE_STYLE)
        number = f"第 {content.notice_number} 号"
        number_style = _Style(11)
        doc.draw(centre - doc.width(number, number_style) / 2, 35.5, number, number_style)
        case = f"案件编号：{content.case_number}"
        doc.draw(centre - doc.width(case, SMALL) / 2, 40.5, case, SMALL)
        doc.y = 50.5
        pdf = doc.pdf
        pdf.set_draw_color(150, 20, 20)
        pdf.set_line_width(0.7)
        pdf.line(doc.LEFT, doc.y, doc.RIGHT, doc.y)
        pdf.set_line_width(0.2)
        pdf.line(doc.LEFT, doc.y + 1.0, doc.RIGHT, doc.y + 1.0)
        doc.y += 2.5

    def _basic_table(self, doc: _Doc, content: NoticeContent) -> None:
        place = content.location.address
        if content.location.district and content.location.district not in place:
            place = f"{content.location.district} {place}"
        w_total = doc.RIGHT - doc.LEFT
        doc.table(
            [
                [
                    ("事故时间", 22.0, LABEL, "C"),
                    (self._dt(content.accident_time), 48.0, VALUE, "L"),
                    ("天  气", 16.0, LABEL, "C"),
                    (content.weather or NO_VALUE, 20.0, VALUE, "C"),
                    ("所属辖区", 22.0, LABEL, "C"),
                    (content.location.district or NO_VALUE, w_total - 128.0, VALUE, "L"),
                ],
                [("事故地点", 22.0, LABEL, "C"), (place, w_total - 22.0, VALUE, "L")],
            ]
        )

    def _party_table(self, doc: _Doc, party: NoticeParty) -> None:
        w_side, w_k1, w_v1, w_k2, w_v2, w_k3 = 11.0, 16.0, 30.0, 16.0, 30.0, 27.0
        w_v3 = doc.RIGHT - doc.LEFT - w_side - w_k1 - w_v1 - w_k2 - w_v2 - w_k3
        name_style = _Style(VALUE.size + 0.5, bold=True)
        liability_style = _Style(VALUE.size, bold=True, color=(150, 20, 20))
        rows: list[list[Cell]] = [
            [
                ("姓    名", w_k1, LABEL, "C"),
                (party.name, w_v1, name_style, "L"),
                ("联系电话", w_k2, LABEL, "C"),
                (party.phone, w_v2, VALUE, "L"),
                ("身份证或驾驶证号", w_k3, LABEL, "C"),
                (party.id_or_licence_number, w_v3, VALUE, "L"),
            ],
            [
                ("交通方式", w_k1, LABEL, "C"),
                (party.vehicle_type or NO_VALUE, w_v1, VALUE, "L"),
                ("号牌号码", w_k2, LABEL, "C"),
                (party.plate or NO_VALUE, w_v2, VALUE, "L"),
                ("事故责任", w_k3, LABEL, "C"),
                (party.liability_label, w_v3, liability_style, "L"),
            ],
            [
                ("保险公司", w_k1, LABEL, "C"),
                (party.insurer_name or NO_VALUE, w_v1 + w_k2 + w_v2, VALUE, "L"),
                ("保险凭证号", w_k3, LABEL, "C"),
                (party.policy_number or NO_VALUE, w_v3, VALUE, "L"),
            ],
        ]
        doc.table(rows, side=("当\n事\n人\n" + party.label, w_side, _Style(9.5, bold=True)))

    def _determination_body(self, doc: _Doc, content: NoticeContent) -> None:
        doc.heading("一、事故基本情况")
        self._basic_table(doc, content)
        doc.heading("二、当事人情况")
        for i, party in enumerate(content.parties):
            if i:
                doc.y += 1.2
            self._party_table(doc, party)
        doc.heading("三、交通事故事实")
        doc.labelled("事故形态", content.accident_form, "碰撞部位", "、".join(content.impact_points))
        doc.paragraph(content.facts or NO_VALUE)
        doc.heading("四、当事人责任")
        shares = "；".join(_share(p) for p in content.parties)
        doc.paragraph(
            f"{content.legal_basis}，认定：{shares}。" if content.legal_basis else f"认定：{shares}。"
        )
        doc.heading("五、损害赔偿调解结果")
        if content.mediation_result:
            doc.paragraph(f"经当事人共同申请调解，达成协议如下：{content.mediation_result}")
        else:
            doc.paragraph(f"未达成调解协议。原因：{content.no_mediation_reason or NO_VALUE}")
        doc.heading("六、复核告知")
        doc.paragraph(self._review_text(content), _Style(9.8))

    def _review_text(self, content: NoticeContent) -> str:
        text = (
            f"当事人对本认定有异议的，可以自本认定书送达之日起三个工作日内，向{content.review_unit}"
            "书面申请复核。复核申请应当载明复核请求及其理由和主要证据。同一事故的复核以一次为限。"
        )
        if content.served_at and content.review_deadline:
            text += (
                f"本认定书于{self._dt(content.served_at)}送达，申请复核的期限至"
                f"{self._date(content.review_deadline)}24时止（法定节假日顺延）。"
            )
        elif content.review_deadline:
            text += f"申请复核的期限至{self._date(content.review_deadline)}24时止。"
        else:
            text += "送达时间以当事人确认阅读本认定书的时间为准，申请期限自送达次日起计算，法定节假日不计入。"
        return text

    def _revocation_body(self, doc: _Doc, content: NoticeContent) -> None:
        rev = content.revokes
        assert rev is not None
        names = "、".join(p.name for p in content.parties)
        doc.y += 2
        doc.draw(doc.LEFT, doc.y + BODY.size * PT * 1.05, f"{names}：", BODY)
        doc.y += doc.line_height(BODY) + 1
        issued = f"于{self._date(rev.revoked_issued_at)}" if rev.revoked_issued_at else ""
        doc.paragraph(
            f"本机关{issued}作出的第 {rev.revoked_notice_number} 号《道路交通事故认定书（简易程序）》"
            f"（事故时间：{self._dt(content.accident_time)}，事故地点：{content.location.address}），"
            f"因{rev.reason}，现予撤销。"
        )
        if rev.new_notice_number:
            doc.paragraph(
                f"本机关已重新作出第 {rev.new_notice_number} 号《道路交通事故认定书（简易程序）》，"
                "请以重新作出的认定书为准。"
            )
        doc.heading("事故基本情况")
        self._basic_table(doc, content)
        doc.heading("当事人")
        w = doc.RIGHT - doc.LEFT
        rows = [
            [
                ("当事人", 16, LABEL, "C"),
                ("姓名", 30, LABEL, "C"),
                ("身份证或驾驶证号", 50, LABEL, "C"),
                ("号牌号码", 32, LABEL, "C"),
                ("联系电话", w - 128, LABEL, "C"),
            ]
        ]
        for p in content.parties:
            rows.append(
                [
                    (p.label, 16, VALUE, "C"),
                    (p.name, 30, VALUE, "C"),
                    (p.id_or_licence_number, 50, VALUE, "C"),
                    (p.plate or NO_VALUE, 32, VALUE, "C"),
                    (p.phone, w - 128, VALUE, "C"),
                ]
            )
        doc.table(rows)

    def _signature_block(self, doc: _Doc, content: NoticeContent) -> None:
        lh = doc.line_height(BODY, 1.55)
        doc.ensure(3 * lh + 1)
        doc.y += 1
        lines = [
            f"交通警察：{content.officer_name}　　警号：{content.badge_number}",
            content.unit,
            self._date(content.issued_at),
        ]
        right = doc.RIGHT - 4
        block_w = max(doc.width(line, BODY) for line in lines)
        for i, line in enumerate(lines):
            doc.draw(right - block_w + (block_w - doc.width(line, BODY)) / 2, doc.y + 4 + i * lh, line, BODY)
        doc.y += 3 * lh

    def _footers(self, doc: _Doc, content: NoticeContent, code: str, url: str) -> None:
        """On every page: the electronic-signature statement with the verification URL and code, and
        the page number."""
        pdf = doc.pdf
        total = pdf.pages_count
        statement = doc.wrap(
            f"本认定书为电子文书，由{content.unit}电子签名（Ed25519）。核验真伪：扫描首页二维码，"
            f"或访问 {url} 核对验证码 {format_short_code(code)}。",
            doc.RIGHT - doc.LEFT,
            SMALL,
        )
        for n in range(1, total + 1):
            pdf.page = n
            pdf.current_font_is_set_on_page = False
            pdf.set_draw_color(170, 170, 170)
            pdf.set_line_width(0.2)
            pdf.line(doc.LEFT, doc.BOTTOM + 1, doc.RIGHT, doc.BOTTOM + 1)
            y = doc.BOTTOM + 4.6
            for line in statement:
                doc.draw(doc.LEFT, y, line, SMALL)
                y += doc.line_height(SMALL, 1.35)
            text = f"第 {content.notice_number} 号    第 {n} 页 共 {total} 页"
            doc.draw(105 - doc.width(text, SMALL) / 2, 293.5, text, SMALL)
        pdf.page = total


def _share(p: NoticeParty) -> str:
    """当事人甲（张喆）承担事故全部责任 / 当事人乙（李堃）无责任."""
    who = f"当事人{p.label}（{p.name}）"
    return (
        f"{who}{p.liability_label}" if p.liability == Liability.NONE else f"{who}承担事故{p.liability_label}"
    )


_FIXED_TEXT = (
    TITLE
    + REVOCATION_TITLE
    + "第号一二三四五六、事故基本情况当事人交通事实责任损害赔偿调解结果复核告知时间天气地点所属辖区案件编号"
    "姓名身份证或驾驶证号联系电话方式（车型）号牌码保险公司凭证形态碰撞部位认定承担的全部主要同等次要无"
    "经共同申请达成协议如下：未原因。对本有异议可以自送之日起个工作内向书面复应载明请求及其理由和证据"
    "一次为限于止法定节假顺延警察电子文签署与纸具效力核验扫描右上角二维访问码对页共年月日时分；，"
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-:/.?=_ "
)
