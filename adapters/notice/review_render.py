"""The A4 PDF of a review conclusion (道路交通事故认定复核结论), with the same header, signature block,
seal and footers as the notice (:mod:`adapters.notice.layout`)."""

from __future__ import annotations

from adapters.notice.layout import (
    BaseRenderer,
    Doc,
    Rendered,
    electronic_statement,
    footers,
    header,
    identity_table,
    signature_block,
)
from adapters.notice.review_conclusion import ReviewConclusionContent, ReviewOutcome
from adapters.notice.wording import clause, legal_basis_clause, liability_share, sentence

TITLE = "道路交通事故认定复核结论"
NOTICE_TITLE = "《道路交通事故认定书（简易程序）》"


class ReviewConclusionRenderer(BaseRenderer):
    def render_document(self, content: ReviewConclusionContent, short_code: str, verify_url: str) -> Rendered:
        """The unsigned PDF of ``content`` and its seal's place. Raises MissingGlyphError first if
        a character cannot be printed."""
        self.check_glyphs(content.texts())
        doc = self.new_doc(
            content.issued_at,
            f"{TITLE} 第{content.notice_number}号",
            content.review_unit,
            f"案件编号 {content.case_number}",
        )
        header(
            doc,
            content.review_unit,
            TITLE,
            content.notice_number,
            content.case_number,
            short_code,
            verify_url,
        )
        self._applicants(doc, content)
        for heading, text in self._sections(content):
            doc.heading(heading)
            doc.paragraph(text)
        doc.y += 1
        served = "、".join(f"当事人{p.label} {p.name}" for p in content.parties)
        doc.paragraph(f"本复核结论送达：{served}。", first_indent=False)
        signature_block(
            doc,
            ["复核人员："] + [f"{r.name}（警号：{r.badge_number}）" for r in content.reviewers],
            content.review_unit,
            self.dates.date(content.issued_at),
        )
        footers(
            doc,
            electronic_statement(content.review_unit, verify_url, short_code, "本复核结论"),
            content.notice_number,
        )
        return self.finish(doc, content.canonical_json(), content.issued_at)

    def _applicants(self, doc: Doc, content: ReviewConclusionContent) -> None:
        doc.heading("申请人")
        identity_table(doc, content.applicants, (16, 34, 56, 34))
        doc.y += 1.5

    def _sections(self, c: ReviewConclusionContent) -> list[tuple[str, str]]:
        d = self.dates
        names = "、".join(p.name for p in c.applicants)
        notice = f"第 {c.reviewed_notice_number} 号{NOTICE_TITLE}"
        shares = "；".join(
            liability_share(p.label, p.name, p.liability, p.liability_label) for p in c.parties
        )
        reviewers = "、".join(f"{r.name}（警号：{r.badge_number}）" for r in c.reviewers)
        basis = legal_basis_clause(c.legal_basis)
        if c.outcome == ReviewOutcome.UPHOLD:
            conclusion = f"{basis}，本机关作出如下复核结论：维持{c.original_unit}作出的{notice}。"
            notice_text = (
                "同一事故的复核以一次为限，本复核结论为最终复核结论。对损害赔偿有争议的，"
                "当事人可以依法向人民法院提起民事诉讼。"
            )
        else:
            conclusion = (
                f"{basis}，本机关作出如下复核结论：责令{c.original_unit}重新调查、认定。原办案单位将依法"
                f"重新作出道路交通事故认定，并撤销{notice}。"
            )
            notice_text = (
                "重新作出的道路交通事故认定书将送达各方当事人。对损害赔偿有争议的，当事人可以依法向人民法院"
                "提起民事诉讼。"
            )
        return [
            (
                "一、复核申请",
                f"申请人{names}不服{c.original_unit}于{d.date(c.reviewed_issued_at)}作出的{notice}"
                f"（事故时间：{d.dt(c.accident_time)}，事故地点：{clause(c.location.address)}），"
                f"于{d.date(c.applied_at)}向本机关提出书面复核申请。",
            ),
            ("二、原道路交通事故认定", f"原认定：{shares}。"),
            ("三、复核请求及理由", sentence(c.request)),
            (
                "四、复核审查情况",
                f"本机关由交通警察{reviewers}对原道路交通事故认定的事实、证据、适用法律、责任划分及调查、"
                f"认定程序进行了审查。经审查：{sentence(c.reasons)}",
            ),
            ("五、复核结论", conclusion),
            ("六、告知事项", notice_text),
        ]
