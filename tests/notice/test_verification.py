"""Signing and public verification: genuine / unknown / wrong code / altered / revoked, and the
essentials the page shows."""

from __future__ import annotations

import base64
import os
import stat
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.notice.review_conclusion import ReviewOutcome
from adapters.notice.sample import sample_review_conclusion, sample_revocation
from adapters.notice.signing import (
    load_or_create_signing_key,
    load_public_key,
    normalise_code,
    public_key_pem,
    signing_key_from_b64,
)
from adapters.notice.verification import VerificationStatus, verify_notice
from domain.models import NoticeKind


def check(service, record, code=None, pdf=None, number=None, key=None, **kw):
    return verify_notice(
        number or record.notice_number,
        record.short_code if code is None else code,
        service.read_pdf(record) if pdf is None else pdf,
        record,
        key or service.public_key,
        **kw,
    )


def test_genuine(service, issued, content):
    record, _path = issued
    result = check(service, record, content=content)
    assert result.status == VerificationStatus.GENUINE and result.ok
    assert record.notice_number in result.message and "未被篡改" in result.message
    # as typed by a person: lower case, with the printed dash, 0 for O
    typed = (record.short_code[:5] + "-" + record.short_code[5:]).lower().replace("o", "0")
    assert check(service, record, code=typed).ok
    # the record alone (no PDF at hand) also verifies
    assert verify_notice(record.notice_number, record.short_code, None, record, service.public_key).ok


def test_unknown_notice(service, issued):
    record, _ = issued
    result = verify_notice("LZ0000", record.short_code, None, None, service.public_key)
    assert result.status == VerificationStatus.UNKNOWN_NOTICE
    assert "未查询到" in result.message
    assert check(service, record, number="LZ0000").status == VerificationStatus.UNKNOWN_NOTICE


def test_wrong_code_is_refused(service, issued):
    record, _ = issued
    wrong = "A" * len(record.short_code) if record.short_code != "A" * 10 else "B" * 10
    result = check(service, record, code=wrong)
    assert result.status == VerificationStatus.WRONG_CODE
    assert "验证码不正确" in result.message
    assert check(service, record, code="").status == VerificationStatus.WRONG_CODE


def test_one_byte_changed_in_the_pdf_is_altered(service, issued):
    record, path = issued
    pdf = bytearray(path.read_bytes())
    pdf[len(pdf) // 2] ^= 0x01
    result = check(service, record, pdf=bytes(pdf))
    assert result.status == VerificationStatus.ALTERED
    assert "篡改" in result.message
    assert result.reason == "PDF SHA-256 mismatch"


def test_record_tampering_is_altered(service, issued, content):
    record, _ = issued
    # someone edits the stored hash to match a forged PDF: the record signature no longer verifies
    forged = record.model_copy(update={"sha256": "0" * 64})
    assert check(service, forged, pdf=b"forged").status == VerificationStatus.ALTERED
    # content that is not the signed content
    other = content.model_copy(update={"facts": "另一事实"})
    assert check(service, record, content=other).status == VerificationStatus.ALTERED


def test_signature_with_a_different_key_fails(service, issued):
    record, _ = issued
    other_key = Ed25519PrivateKey.generate()
    result = check(service, record, key=other_key.public_key())
    assert result.status == VerificationStatus.ALTERED
    assert result.reason == "record signature invalid"
    # and a record re-signed by another key fails against the real public key
    resigned = record.model_copy(
        update={"signature": base64.b64encode(other_key.sign(record.signed_message())).decode()}
    )
    assert check(service, resigned).status == VerificationStatus.ALTERED


def test_revoked_notice(service, issued, content):
    record, _ = issued
    revocation = sample_revocation(content)
    rev_record, _, revoked = service.issue_revocation(revocation, record)
    result = check(service, revoked)
    assert result.status == VerificationStatus.REVOKED
    assert result.revoked_by_notice_number == revocation.notice_number
    assert result.revoked_at == revocation.issued_at
    assert revocation.notice_number in result.message and "2026年3月19日" in result.message
    # the revocation notice itself is genuine
    assert check(service, rev_record).status == VerificationStatus.GENUINE
    # revoking twice with another notice is refused
    other = revocation.model_copy(update={"notice_number": "LZ-OTHER"})
    with pytest.raises(ValueError):
        service.issue_revocation(other, revoked)


def test_short_code_is_deterministic_and_typeable(service, content):
    record1, _ = service.issue_notice(content)
    record2, _ = service.issue_notice(content)  # a retried activity: same bytes, same record
    assert record1 == record2
    assert len(record1.short_code) == 10
    assert set(record1.short_code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert normalise_code(" ab0-18 ") == "ABOIB"


def test_a_later_attempt_at_the_same_notice_gets_the_document_already_stored(service, content):
    """The workflow task that issued a notice was lost after the PDF was stored (timed out on a
    starved worker, killed): the next attempt stamps the same notice with a later time. The stored
    document stands and the record is its own; before, every retry failed with NoticeStoreError
    and the case could not get its notice."""
    from adapters.notice.store import NoticeStoreError

    first, path = service.issue_notice(content)
    stored = path.read_bytes()
    later = content.model_copy(update={"issued_at": content.issued_at + timedelta(seconds=19)})
    again, again_path = service.issue_notice(later)
    assert again == first
    assert again.issued_at == content.issued_at
    assert again_path.read_bytes() == stored
    assert check(service, again).status == VerificationStatus.GENUINE
    # anything else that differs is another notice under the same number: still refused
    other = later.model_copy(update={"facts": content.facts + "。另查明：无。"})
    with pytest.raises(NoticeStoreError):
        service.issue_notice(other)
    assert path.read_bytes() == stored


def test_key_file_is_created_0600_and_reused(tmp_path):
    path = tmp_path / "keys" / "k.pem"
    key = load_or_create_signing_key(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = load_or_create_signing_key(path)
    assert public_key_pem(key) == public_key_pem(again)
    assert load_public_key(public_key_pem(key)).public_bytes_raw() == key.public_key().public_bytes_raw()


def test_key_from_base64_pem_or_raw(tmp_path):
    key = load_or_create_signing_key(tmp_path / "k.pem")
    from_pem = signing_key_from_b64(base64.b64encode((tmp_path / "k.pem").read_bytes()).decode())
    from_raw = signing_key_from_b64(base64.b64encode(key.private_bytes_raw()).decode())
    assert public_key_pem(from_pem) == public_key_pem(key) == public_key_pem(from_raw)


def test_store_never_overwrites(service, issued):
    from adapters.notice.store import NoticeStoreError

    record, path = issued
    with pytest.raises(NoticeStoreError):
        service.store.save(record.pdf_path, b"%PDF-other")
    with pytest.raises(NoticeStoreError):
        service.store.path_for("../../etc/passwd")
    assert service.store.save(record.pdf_path, path.read_bytes()).sha256 == record.sha256


# -- the essentials shown by the verification page ----------------------------------------------


def test_genuine_result_carries_the_masked_essentials(service, issued, content):
    record, _ = issued
    summary = check(service, record).summary
    assert summary is not None
    assert summary.notice_number == content.notice_number and summary.unit == content.unit
    assert summary.issued_on == "2026年3月5日"
    assert [(p.label, p.name, p.liability) for p in summary.parties] == [
        ("甲", "张*", "全部责任"),
        ("乙", "李*", "无责任"),
        ("丙", "𠮷*", "无责任"),
    ]
    # no more personal data than that
    dumped = summary.model_dump_json()
    for party in content.parties:
        for secret in (party.name, party.id_or_licence_number, party.phone, party.plate):
            assert secret not in dumped


def test_essentials_are_not_taken_from_an_unsigned_attachment(service, issued):
    """The attachment counts only when its hash is the signed content digest."""
    from adapters.notice.summary import public_summary

    record, path = issued
    assert public_summary(path.read_bytes(), "0" * 64) is None
    assert public_summary(path.read_bytes(), record.content_digest) is not None


def test_revoked_and_revocation_essentials(service, issued, content):
    record, _ = issued
    revocation = sample_revocation(content)
    rev_record, _, revoked = service.issue_revocation(revocation, record)
    old = check(service, revoked)
    assert old.status == VerificationStatus.REVOKED
    assert old.summary.revoked_by_notice_number == revocation.notice_number
    new = check(service, rev_record)
    assert new.summary.kind == NoticeKind.REVOCATION
    assert new.summary.revokes_notice_number == content.notice_number


def test_review_conclusion_verifies_with_its_outcome(service, content):
    conclusion = sample_review_conclusion(content, ReviewOutcome.REDETERMINE)
    record, _ = service.issue_review_conclusion(conclusion)
    result = check(service, record)
    assert result.ok and "道路交通事故认定复核结论" in result.message
    assert result.summary.kind == NoticeKind.REVIEW_CONCLUSION
    assert result.summary.unit == "泸州市公安局交通警察支队"
    assert result.summary.reviewed_notice_number == content.notice_number
    assert result.summary.outcome == "责令原办案单位重新调查、认定"


def test_public_key_comes_from_the_published_file_or_setting_never_the_private_key(tmp_path):
    from adapters.notice.signing import public_key_from_settings, public_key_path
    from settings import Settings

    settings = Settings(var_dir=tmp_path)
    assert public_key_from_settings(settings) is None  # nothing issued yet: nothing created either
    assert not settings.effective_notice_signing_key_path.exists()
    key = load_or_create_signing_key(settings.effective_notice_signing_key_path)  # the issuing side
    assert public_key_path(settings.effective_notice_signing_key_path).exists()
    settings.effective_notice_signing_key_path.unlink()  # the verifier does not need it
    assert public_key_from_settings(settings).public_bytes_raw() == key.public_key().public_bytes_raw()
    raw = base64.b64encode(key.public_key().public_bytes_raw()).decode()
    other = Settings(var_dir=tmp_path / "elsewhere", notice_public_key_b64=raw)
    assert public_key_from_settings(other).public_bytes_raw() == key.public_key().public_bytes_raw()
