"""The A4 PDF of a notice: 道路交通事故认定书（简易程序） and 撤销道路交通事故认定书.

The layout primitives are in :mod:`adapters.notice.layout`, the sentences in
:mod:`adapters.notice.wording`. Fonts are parsed once per process (:func:`get_font_set`); a renderer
can be reused from many threads, each ``render`` builds its own document. The output is unsigned:
:mod:`adapters.notice.pades` seals and signs it at :attr:`Rendered.seal`."""

from __future__ import annotations

from urllib.parse import quote

from adapters.notice.content import NO_VALUE, NoticeContent, NoticeParty
from adapters.notice.fonts import MissingGlyphError
from adapters.notice.layout import (
    BODY,
    LABEL,
    PT,
    VALUE,
    BaseRenderer,
    Cell,
    Doc,
    Rendered,
    Style,
    electronic_statement,
    footers,
    get_font_set,
    header,
    identity_table,
    signature_block,
)
from adapters.notice.wording import (
    liability_sentence,
    liability_share,
    mediation_sentence,
    revocation_sentence,
    sentence,
)
from domain.models import NoticeKind

__all__ = ["MissingGlyphError", "NoticeRenderer", "Rendered", "get_font_set", "verify_url"]

TITLE = "道路交通事故认定书（简易程序）"
REVOCATION_TITLE = "撤销道路交通事故认定书"


def verify_url(base_url: str, notice_number: str, short_code: str) -> str:
    """The public verification URL encoded in the QR code."""
    return f"{base_url.rstrip('/')}/notices/{quote(notice_number, safe='')}/verify?code={short_code}"


class NoticeRenderer(BaseRenderer):
    """Renders notices to PDF bytes. Cheap to create; the fonts are shared per process."""

    def warm_up(self) -> None:
        """Pre-compute the glyphs of the fixed texts so that the first notice is fast too."""
        self.fonts.warm(_FIXED_TEXT)

    def render(self, content: NoticeContent, short_code: str, verify_url: str) -> bytes:
        """The unsigned PDF bytes of ``content``; see :meth:`render_document`."""
        return self.render_document(content, short_code, verify_url).pdf

    def render_document(self, content: NoticeContent, short_code: str, verify_url: str) -> Rendered:
        """The unsigned PDF of ``content`` (a determination or a revocation) and its seal's place.
        Raises :class:`MissingGlyphError` (naming the field) if a character cannot be printed."""
        self.check_glyphs(content.texts())
        title = REVOCATION_TITLE if content.kind == NoticeKind.REVOCATION else TITLE
        doc = self.new_doc(
            content.issued_at,
            f"{title} 第{content.notice_number}号",
            content.unit,
            f"案件编号 {content.case_number}",
        )
        header(doc, content.unit, title, content.notice_number, content.case_number, short_code, verify_url)
        if content.kind == NoticeKind.REVOCATION:
            self._revocation_body(doc, content)
        else:
            self._determination_body(doc, content)
        signature_block(
            doc,
            [f"交通警察：{content.officer_name}", f"警号：{content.badge_number}"],
            content.unit,
            self.dates.date(content.issued_at),
        )
        noun = "本撤销决定" if content.kind == NoticeKind.REVOCATION else "本认定书"
        footers(doc, electronic_statement(content.unit, verify_url, short_code, noun), content.notice_number)
        return self.finish(doc, content.canonical_json(), content.issued_at)

    # -- parts ------------------------------------------------------------------------------------

    def _basic_table(self, doc: Doc, content: NoticeContent) -> None:
        place = content.location.address
        if content.location.district and content.location.district not in place:
            place = f"{content.location.district} {place}"
        w_total = doc.RIGHT - doc.LEFT
        doc.table(
            [
                [
                    ("事故时间", 22.0, LABEL, "C"),
                    (self.dates.dt(content.accident_time), 48.0, VALUE, "L"),
                    ("天  气", 16.0, LABEL, "C"),
                    (content.weather or NO_VALUE, 20.0, VALUE, "C"),
                    ("路面状况", 22.0, LABEL, "C"),
                    (content.road_surface or NO_VALUE, w_total - 128.0, VALUE, "L"),
                ],
                [
                    ("事故地点", 22.0, LABEL, "C"),
                    (place, w_total - 66.0, VALUE, "L"),
                    ("所属辖区", 22.0, LABEL, "C"),
                    (content.location.district or NO_VALUE, 22.0, VALUE, "C"),
                ],
            ]
        )

    def _party_table(self, doc: Doc, party: NoticeParty) -> None:
        w_side, w_k1, w_v1, w_k2, w_v2, w_k3 = 11.0, 16.0, 30.0, 16.0, 30.0, 27.0
        w_v3 = doc.RIGHT - doc.LEFT - w_side - w_k1 - w_v1 - w_k2 - w_v2 - w_k3
        name_style = Style(VALUE.size + 0.5, bold=True)
        liability_style = Style(VALUE.size, bold=True, color=(150, 20, 20))
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
        doc.table(rows, side=("当\n事\n人\n" + party.label, w_side, Style(9.5, bold=True)))

    def _determination_body(self, doc: Doc, content: NoticeContent) -> None:
        doc.heading("一、事故基本情况")
        self._basic_table(doc, content)
        doc.heading("二、当事人情况")
        for i, party in enumerate(content.parties):
            if i:
                doc.y += 0.8
            self._party_table(doc, party)
        doc.heading("三、交通事故事实")
        doc.labelled("事故形态", content.accident_form, "碰撞部位", "、".join(content.impact_points))
        doc.paragraph(sentence(content.facts) or NO_VALUE)
        doc.heading("四、当事人责任")
        shares = [liability_share(p.label, p.name, p.liability, p.liability_label) for p in content.parties]
        doc.paragraph(liability_sentence(content.legal_basis, shares))
        doc.heading("五、损害赔偿调解结果")
        doc.paragraph(mediation_sentence(content.mediation_result, content.no_mediation_reason, NO_VALUE))
        doc.heading("六、复核告知")
        doc.paragraph(self._review_text(content), Style(9.8))

    def _review_text(self, content: NoticeContent) -> str:
        text = (
            f"当事人对本认定有异议的，可以自本认定书送达之日起三个工作日内，向{content.review_unit}"
            "书面申请复核。复核申请应当载明复核请求及其理由和主要证据。同一事故的复核以一次为限。"
        )
        if content.served_at and content.review_deadline:
            text += (
                f"本认定书于{self.dates.dt(content.served_at)}送达，申请复核的期限至"
                f"{self.dates.date(content.review_deadline)}24时止（法定节假日顺延）。"
            )
        elif content.review_deadline:
            text += f"申请复核的期限至{self.dates.date(content.review_deadline)}24时止。"
        else:
            text += "送达时间以当事人确认阅读本认定书的时间为准，申请期限自送达次日起计算，法定节假日不计入。"
        return text

    def _revocation_body(self, doc: Doc, content: NoticeContent) -> None:
        rev = content.revokes
        assert rev is not None
        names = "、".join(p.name for p in content.parties)
        doc.y += 2
        doc.draw(doc.LEFT, doc.y + BODY.size * PT * 1.05, f"{names}：", BODY)
        doc.y += doc.line_height(BODY) + 1
        doc.paragraph(
            revocation_sentence(
                self.dates.date(rev.revoked_issued_at) if rev.revoked_issued_at else "",
                rev.revoked_notice_number,
                self.dates.dt(content.accident_time),
                content.location.address,
                rev.reason,
            )
        )
        if rev.new_notice_number:
            doc.paragraph(
                f"本机关已重新作出第 {rev.new_notice_number} 号《道路交通事故认定书（简易程序）》，"
                "请以重新作出的认定书为准。"
            )
        doc.heading("事故基本情况")
        self._basic_table(doc, content)
        doc.heading("当事人")
        identity_table(doc, content.parties, (16, 30, 50, 32))
        doc.y += 2


_FIXED_TEXT = (
    TITLE
    + REVOCATION_TITLE
    + "第号一二三四五六、事故基本情况当事人交通事实责任损害赔偿调解结果复核告知时间天气地点所属辖区案件编号"
    "姓名身份证或驾驶证号联系电话方式（车型）号牌码保险公司凭证形态碰撞部位认定承担的全部主要同等次要无"
    "经共同申请达成协议如下：未原因。对本有异议可以自送之日起个工作内向书面复应载明请求及其理由和证据"
    "一次为限于止法定节假顺延警察电子文签署与纸具效力核验扫描右上角二维访问码对页共年月日时分；，"
    "路面状况根据之规定加盖印章并数字名可用阅读器查进行"
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-:/.?=_ "
)
