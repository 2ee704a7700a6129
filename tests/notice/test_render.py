"""The rendered notice: every Art. 24 field and the rare name characters are in the PDF's text, the
QR code decodes to the verification URL, missing glyphs are an error, the PDF stays small."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.notice.fonts import MissingGlyphError
from adapters.notice.render import NoticeRenderer, get_font_set, verify_url
from adapters.notice.sample import sample_content, sample_revocation
from domain.models import NoticeKind
from tests.notice.conftest import decode_qr, needs_poppler, needs_zbar, pdf_text, squash

RARE = ("张喆", "李堃", "𠮷祥")  # 喆 堃 in Noto Sans SC; 𠮷 (U+20BB7) only in the Noto Sans JP fallback
RARE_OFFICER = "赵犇龑"  # 犇 龑, and 昇 in the sample decision's officer name


def test_fonts_cover_the_rare_name_characters():
    fonts = get_font_set()
    for ch in "喆堃昇犇龑䶮":
        assert ord(ch) in fonts.primary.cmap, ch
    assert ord("𠮷") not in fonts.primary.cmap  # why the fallback exists
    assert any(ord("𠮷") in f.cmap for f in fonts.fallbacks)
    # the whole font stays usable: the full cmap, not a pre-made subset
    assert len(fonts.primary.cmap) > 30000


@needs_poppler
def test_every_field_is_printed(issued, content):
    record, path = issued
    text = squash(pdf_text(path))
    expected = [
        "道路交通事故认定书（简易程序）",
        f"第{content.notice_number}号",
        content.case_number,
        "2026年3月5日09时12分",  # accident time, Asia/Shanghai
        content.location.address,
        content.location.district,
        f"天气{content.weather}",
        content.accident_form,
        *content.impact_points,
        content.facts,
        content.legal_basis,
        content.mediation_result,
        content.officer_name,
        content.badge_number,
        content.unit,
        "2026年3月5日",  # date of issue
        # review notice: the right, the unit, and the actual deadline once served
        "可以自本认定书送达之日起三个工作日内",
        f"向{content.review_unit}书面申请复核",
        "2026年3月5日10时57分送达",
        "申请复核的期限至2026年3月10日24时止",
        record.short_code[:5],
        record.short_code[5:],
        "电子签名",
    ]
    for party in content.parties:
        expected += [
            party.name,
            party.id_or_licence_number,
            party.phone,
            party.vehicle_type,
            party.plate,
            party.liability_label,
        ]
        if party.insurer_name:
            expected += [party.insurer_name, party.policy_number]
    for needle in expected:
        assert squash(needle) in text, needle
    for name in RARE:
        assert name in text
    assert "王昇" in text


@needs_poppler
def test_rare_characters_everywhere(service, tmp_path):
    content = sample_content(names=("赵犇", "龑", "𠮷祥"), officer="王昇")
    _record, path = service.issue_notice(content)
    text = squash(pdf_text(path))
    for name in ("赵犇", "龑", "𠮷祥", "王昇"):
        assert name in text


@needs_poppler
def test_unserved_notice_states_the_rule_without_a_date(tmp_path):
    content = sample_content(served=False)
    pdf = NoticeRenderer().render(content, "ABCDEFGHJK", "https://x.example/notices/1/verify?code=ABCDEFGHJK")
    out = tmp_path / "n.pdf"
    out.write_bytes(pdf)
    text = squash(pdf_text(out))
    assert "可以自本认定书送达之日起三个工作日内" in text
    assert "申请复核的期限至" not in text
    assert "送达时间以当事人确认阅读本认定书的时间为准" in text


@needs_poppler
def test_no_mediation_reason_is_printed(tmp_path):
    content = sample_content().model_copy(
        update={"mediation_result": "", "no_mediation_reason": "乙方对责任认定有异议"}
    )
    out = tmp_path / "n.pdf"
    out.write_bytes(NoticeRenderer().render(content, "ABCDEFGHJK", "https://x.example/v"))
    text = squash(pdf_text(out))
    assert "未达成调解协议。原因：乙方对责任认定有异议" in text


@needs_zbar
def test_qr_code_decodes_to_the_verify_url(issued, tmp_path):
    record, path = issued
    url = verify_url("https://kuaichu.example.cn", record.notice_number, record.short_code)
    assert url == f"https://kuaichu.example.cn/notices/{record.notice_number}/verify?code={record.short_code}"
    assert decode_qr(path, tmp_path) == [url]


@pytest.mark.parametrize("bad", ["𪚥", "\ue000"])  # U+2A6A5 (Ext-B, in no bundled font), a private-use point
def test_a_character_no_font_has_raises(bad, service):
    fonts = get_font_set()
    assert not any(ord(bad) in f.cmap for f in fonts.fonts())
    content = sample_content(names=("张喆", f"王{bad}", "𠮷祥"))
    with pytest.raises(MissingGlyphError) as err:
        service.issue_notice(content)
    assert err.value.chars == [bad]
    assert "P2" in err.value.field
    assert not any(service.store.root.rglob("*.pdf"))  # nothing half-issued


def test_missing_glyph_is_also_caught_at_output():
    """Belt and braces: text drawn past the field check still fails at output, never a blank."""
    from adapters.notice.fonts import NoticePDF

    fonts = get_font_set()
    pdf = NoticePDF()
    fonts.install(pdf)
    pdf.add_page()
    pdf.set_font(fonts.family, size=12)
    pdf.text(20, 20, "王𪚥")
    with pytest.raises(MissingGlyphError):
        pdf.output()


def test_pdf_size_is_at_most_100_kb(issued):
    _, path = issued
    assert path.stat().st_size <= 100 * 1024


def test_same_content_same_bytes(content):
    renderer = NoticeRenderer()
    url = "https://x.example/notices/1/verify?code=ABCDEFGHJK"
    assert renderer.render(content, "ABCDEFGHJK", url) == renderer.render(content, "ABCDEFGHJK", url)


def test_documents_do_not_share_subset_state(content):
    """Rendering one notice must not leak glyphs into the next (fonts are shared per process)."""
    renderer = NoticeRenderer()
    url = "https://x.example/v"
    small = sample_content(names=("甲", "乙", "丙"), officer="丁")
    first = renderer.render(small, "ABCDEFGHJK", url)
    renderer.render(content, "ABCDEFGHJK", url)
    again = renderer.render(small, "ABCDEFGHJK", url)
    assert first == again


@needs_poppler
def test_revocation_notice(service, content, tmp_path):
    record, _ = service.issue_notice(content)
    revocation = sample_revocation(content, new_number="LZ2026031900007")
    assert revocation.kind == NoticeKind.REVOCATION
    rev_record, path, updated = service.issue_revocation(revocation, record)
    text = squash(pdf_text(path))
    for needle in (
        "撤销道路交通事故认定书",
        f"第{revocation.notice_number}号",
        f"第{content.notice_number}号《道路交通事故认定书（简易程序）》",
        revocation.revokes.reason,
        "现予撤销",
        "第LZ2026031900007号",
        *RARE,
    ):
        assert squash(needle) in text, needle
    assert rev_record.kind == NoticeKind.REVOCATION
    assert rev_record.revokes_notice_number == content.notice_number
    assert updated.revoked_by_notice_number == revocation.notice_number
    assert updated.revoked_at == revocation.issued_at


def test_review_deadline_without_service_time_is_printed(tmp_path):
    content = sample_content().model_copy(update={"review_deadline": date(2026, 3, 10)})
    renderer = NoticeRenderer()
    assert "2026年3月10日24时止" in renderer._review_text(content)


def test_concurrent_renders_match_sequential_ones():
    """The parsed fonts are shared by threads (activities may run in a thread pool)."""
    from concurrent.futures import ThreadPoolExecutor

    renderer = NoticeRenderer()
    names = [("张喆", "李堃", "赵犇"), ("龑", "王昇", "𠮷祥"), ("刘䶮", "周堃", "吴犇"), ("甲", "乙", "丙")]
    jobs = [
        (sample_content(notice_number=f"N{i}", names=n), f"CODE{i:06d}", f"https://x/{i}")
        for i, n in enumerate(names)
    ]
    sequential = [renderer.render(*job) for job in jobs]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            assert list(pool.map(lambda job: renderer.render(*job), jobs)) == sequential
