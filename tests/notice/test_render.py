"""The rendered documents, read back with pdftotext: every field of every branch (determination with
three parties, a non-motor party and rare characters; a legacy decision without mediation; the new
determination after a review; the revocation; both review conclusions), no internal id anywhere in
a PDF, the QR code, missing glyphs, size. Page images of each kind are written as artefacts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from adapters.notice.content import build_notice_content
from adapters.notice.fonts import FontSet, MissingGlyphError, default_font_paths
from adapters.notice.render import NoticeRenderer, get_font_set, verify_url
from adapters.notice.review_conclusion import ReviewOutcome
from adapters.notice.sample import (
    sample_content,
    sample_decision,
    sample_location,
    sample_parties,
    sample_review_conclusion,
    sample_revocation,
)
from adapters.notice.summary import attached_content
from domain.models import Liability, NoticeKind
from tests.notice.conftest import decode_qr, needs_poppler, needs_zbar, pdf_text, squash, write_page_images

RARE = ("张喆", "李堃", "𠮷祥")  # 喆 堃 in Noto Sans SC; 𠮷 (U+20BB7) only in the Noto Sans JP fallback
PARTY_ID = re.compile(r"(?<![0-9A-Za-z])P[0-9]{1,6}(?![0-9A-Za-z])")


def assert_no_internal_id(pdf_path) -> None:
    """Neither the printed text nor the attached content JSON carries a case-internal party id."""
    assert not PARTY_ID.findall(pdf_text(pdf_path)), "party id printed"
    attached = attached_content(pdf_path.read_bytes())
    assert attached is not None
    assert not PARTY_ID.findall(attached.decode("utf-8")), "party id in the attached content"


def party_fields(content) -> list[str]:
    out: list[str] = []
    for party in content.parties:
        out += [party.label, party.name, party.id_or_licence_number, party.phone, party.plate]
    return out


def assert_printed(text: str, needles) -> None:
    for needle in needles:
        assert squash(needle) in text, needle


def test_fonts_cover_the_rare_name_characters():
    fonts = get_font_set()
    for ch in "喆堃昇犇龑䶮":
        assert ord(ch) in fonts.primary.cmap, ch
    assert ord("𠮷") not in fonts.primary.cmap  # why the fallback exists
    assert any(ord("𠮷") in f.cmap for f in fonts.fallbacks)
    assert len(fonts.primary.cmap) > 30000  # the whole font stays usable, not a pre-made subset


def test_the_fallback_is_parsed_for_the_first_character_the_primary_lacks():
    """Noto Sans JP costs 19 MB parsed: a process parses it only when a notice needs it, and a
    notice's bytes do not depend on when that happened."""
    primary, fallbacks = default_font_paths()
    fonts = FontSet.load(primary, fallbacks)
    renderer = NoticeRenderer(fonts)
    url = "https://x.example/v"
    plain = renderer.render(sample_content(names=("张喆", "李堃", "王昇")), "ABCDEFGHJK", url)
    assert fonts._fallbacks is None
    assert plain.count(b"/FontFile3") == 1
    rare = renderer.render(sample_content(), "ABCDEFGHJK", url)  # 𠮷祥
    assert fonts._fallbacks is not None
    assert rare.count(b"/FontFile3") == 2
    parsed_first = FontSet.load(primary, fallbacks)
    assert parsed_first.fallbacks
    assert NoticeRenderer(parsed_first).render(sample_content(), "ABCDEFGHJK", url) == rare


@needs_poppler
def test_determination_three_parties_every_field(issued, content):
    record, path = issued
    text = squash(pdf_text(path))
    assert_printed(
        text,
        [
            "道路交通事故认定书（简易程序）",
            f"第{content.notice_number}号",
            content.case_number,
            "事故时间2026年3月5日09时12分",  # the accident's time, Asia/Shanghai
            content.location.address,
            "所属辖区江阳区",
            "天气阴",  # as recorded (code 2)
            "路面状况干燥",
            "事故形态：尾随相撞",  # GA 16.2 code 13, printed by name
            "碰撞部位：甲车前部、乙车尾部、乙车右前部、丙车左侧",  # coded P1:01 ...
            content.facts,
            # the liability sentence as a notice phrases it
            "根据《中华人民共和国道路交通安全法》第四十三条、《中华人民共和国道路交通安全法实施条例》第九十一条"
            "及《道路交通事故处理程序规定》第六十条第一款第一项之规定，认定：当事人甲（张喆）承担事故全部责任；"
            "当事人乙（李堃）无责任；当事人丙（𠮷祥）无责任。",
            "经当事人共同申请调解，达成协议如下：" + content.mediation_result,
            "交通警察：王昇",
            "警号：051234",
            content.unit,
            "2026年3月5日",
            "可以自本认定书送达之日起三个工作日内",
            f"向{content.review_unit}书面申请复核",
            "本认定书于2026年3月5日10时57分送达，申请复核的期限至2026年3月10日24时止（法定节假日顺延）。",
            record.short_code[:5],
            record.short_code[5:],
            "电子印章并经其数字签名（PAdES）",
            *party_fields(content),
            *(p.liability_label for p in content.parties),
            *(p.insurer_name for p in content.parties if p.insurer_name),
            *(p.policy_number for p in content.parties if p.policy_number),
            "电动自行车",  # the non-motor party, without insurance
        ],
    )
    assert "晴" not in text  # never a default weather
    for name in RARE:
        assert name in text
    assert "。。" not in text and "，，" not in text
    assert_no_internal_id(path)
    write_page_images(path, "determination")


@needs_poppler
def test_legacy_decision_without_weather_or_mediation(service):
    """An older decision: free-text form and impact points with party ids, ids in the facts, no
    mediation, nothing recorded for weather and road surface, not yet served."""
    decision = sample_decision().model_copy(
        update={
            "liabilities": {"P1": Liability.MAJOR, "P2": Liability.MINOR},
            "accident_form": "追尾碰撞",
            "impact_points": ["P1车前部", "P2车尾部"],
            "facts": "P1未与前车保持安全距离，追尾P2。",
            "legal_basis": "依据《中华人民共和国道路交通安全法》第四十三条的规定。",
            "mediation_result": "",
            "no_mediation_reason": "乙方对责任认定有异议",
        }
    )
    content = build_notice_content(
        "C-LEGACY",
        "LZ-LEGACY-1",
        1,
        decision,
        sample_parties()[:2],
        sample_location(),
        datetime(2026, 3, 5, 1, 12, tzinfo=UTC),
        datetime(2026, 3, 5, 2, 40, tzinfo=UTC),
        review_unit="泸州市公安局交通警察支队",
    )
    _record, path = service.issue_notice(content)
    text = squash(pdf_text(path))
    assert_printed(
        text,
        [
            "天气未记录",
            "路面状况未记录",
            "事故形态：追尾碰撞",
            "碰撞部位：甲车前部、乙车尾部",
            "甲未与前车保持安全距离，追尾乙。",
            "根据《中华人民共和国道路交通安全法》第四十三条之规定，认定：当事人甲（张喆）承担事故主要责任；"
            "当事人乙（李堃）承担事故次要责任。",
            "本次事故未进行损害赔偿调解。原因：乙方对责任认定有异议。",
            "送达时间以当事人确认阅读本认定书的时间为准",
        ],
    )
    assert "晴" not in text and "申请复核的期限至" not in text and "𠮷祥" not in text
    assert_no_internal_id(path)


@needs_poppler
def test_revocation_and_redetermination(service, content):
    record, _ = service.issue_notice(content)
    revocation = sample_revocation(content, new_number="LZ2026031900007")
    assert revocation.kind == NoticeKind.REVOCATION
    rev_record, path, updated = service.issue_revocation(revocation, record)
    text = squash(pdf_text(path))
    assert_printed(
        text,
        [
            "撤销道路交通事故认定书",
            f"第{revocation.notice_number}号",
            "张喆、李堃、𠮷祥：",
            f"本机关于2026年3月5日作出的第{content.notice_number}号《道路交通事故认定书（简易程序）》"
            "（事故时间：2026年3月5日09时12分，事故地点：四川省泸州市江阳区大山坪路与华阳路交叉口北侧50米），"
            f"{revocation.revokes.reason}，现予撤销。",
            "本机关已重新作出第LZ2026031900007号《道路交通事故认定书（简易程序）》，请以重新作出的认定书为准。",
            "天气阴",
            *party_fields(content),
            "2026年3月19日",
            "本撤销决定为电子文书",
        ],
    )
    assert "。，" not in text and "，，" not in text
    assert rev_record.kind == NoticeKind.REVOCATION
    assert rev_record.revokes_notice_number == content.notice_number
    assert updated.revoked_by_notice_number == revocation.notice_number
    assert updated.revoked_at == revocation.issued_at
    assert_no_internal_id(path)
    write_page_images(path, "revocation")

    # the new determination that replaces it: version 2, other shares
    decision = sample_decision().model_copy(
        update={"liabilities": {"P1": Liability.MAJOR, "P2": Liability.NONE, "P3": Liability.MINOR}}
    )
    redetermined = build_notice_content(
        content.case_number,
        "LZ2026031900007",
        2,
        decision,
        sample_parties(),
        sample_location(),
        content.accident_time,
        datetime(2026, 3, 19, 3, 0, tzinfo=UTC),
        review_unit=content.review_unit,
        weather="阴",
        road_surface="2",
    )
    _, path2 = service.issue_notice(redetermined)
    text2 = squash(pdf_text(path2))
    assert_printed(
        text2,
        [
            "第LZ2026031900007号",
            "当事人甲（张喆）承担事故主要责任",
            "当事人丙（𠮷祥）承担事故次要责任",
            "路面状况潮湿",
        ],
    )
    assert_no_internal_id(path2)


@needs_poppler
@pytest.mark.parametrize("outcome", list(ReviewOutcome))
def test_review_conclusion(service, content, outcome):
    conclusion = sample_review_conclusion(content, outcome, number=f"LZFH-{outcome.value}")
    record, path = service.issue_review_conclusion(conclusion)
    assert record.kind == NoticeKind.REVIEW_CONCLUSION
    text = squash(pdf_text(path))
    common = [
        "泸州市公安局交通警察支队",
        "道路交通事故认定复核结论",
        f"第{conclusion.notice_number}号",
        content.case_number,
        "申请人",
        "51050219900101123X",  # the applicant's ID
        "申请人张喆不服泸州市公安局交通警察支队江阳区大队于2026年3月5日作出的第LZ2026030500123号"
        "《道路交通事故认定书（简易程序）》",
        "于2026年3月9日向本机关提出书面复核申请。",
        "原认定：当事人甲（张喆）承担事故全部责任；当事人乙（李堃）无责任；当事人丙（𠮷祥）无责任。",
        "请求撤销原认定，重新认定责任。理由：前车在绿灯亮起后突然制动，甲来不及避让，不应承担全部责任。",
        "本机关由交通警察陈犇（警号：050101）、周龑（警号：050117）对原道路交通事故认定的事实",
        "根据《道路交通事故处理程序规定》第七十四条、第七十六条之规定，本机关作出如下复核结论：",
        "本复核结论送达：当事人甲张喆、当事人乙李堃、当事人丙𠮷祥。",
        "复核人员：",
        "2026年3月17日",
        "本复核结论为电子文书",
    ]
    if outcome == ReviewOutcome.UPHOLD:
        specific = [
            "经审查：现场视频、截图及当事人陈述证实，甲驾驶车辆未与前车保持",
            "维持泸州市公安局交通警察支队江阳区大队作出的第LZ2026030500123号《道路交通事故认定书（简易程序）》。",
            "同一事故的复核以一次为限，本复核结论为最终复核结论。",
        ]
    else:
        specific = [
            "经审查：丙车辆当时是否驶出非机动车道",
            "责令泸州市公安局交通警察支队江阳区大队重新调查、认定。",
            "并撤销第LZ2026030500123号《道路交通事故认定书（简易程序）》。",
            "重新作出的道路交通事故认定书将送达各方当事人。",
        ]
    assert_printed(text, common + specific)
    assert "。。" not in text and "。，" not in text
    assert_no_internal_id(path)
    write_page_images(path, f"review-{outcome.value}")


@needs_poppler
def test_rare_characters_everywhere(service):
    content = sample_content(names=("赵犇", "龑", "𠮷祥"), officer="王昇")
    _record, path = service.issue_notice(content)
    text = squash(pdf_text(path))
    for name in ("赵犇", "龑", "𠮷祥", "王昇"):
        assert name in text


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
    # the domain refuses such a name where it enters (domain/text.py): this is the renderer's own
    # net, for text that reached it some other way
    content = sample_content()
    parties = [
        p.model_copy(update={"name": f"王{bad}"}) if p.party_id == "P2" else p for p in content.parties
    ]
    content = content.model_copy(update={"parties": parties})
    with pytest.raises(MissingGlyphError) as err:
        service.issue_notice(content)
    assert err.value.chars == [bad]
    assert "P2" in err.value.field  # names the field for the operator; never printed
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


def test_signed_pdf_is_at_most_120_kb_and_fits_one_page(issued):
    _, path = issued
    assert path.stat().st_size <= 120 * 1024
    assert set(re.findall(rb"/Count (\d+)", path.read_bytes())) == {b"1"}  # the page tree, each revision


def test_same_content_same_unsigned_bytes(content):
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


def test_review_deadline_without_service_time_is_printed():
    content = sample_content().model_copy(update={"review_deadline": date(2026, 3, 10)})
    assert "2026年3月10日24时止" in NoticeRenderer()._review_text(content)


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
