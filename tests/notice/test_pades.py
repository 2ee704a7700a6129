"""The PAdES signature inside the PDF: pdfsig finds it valid and covering the whole document on every
kind; a byte changed after signing makes it invalid; the seal is the signature's appearance and is
red on the page; the signed file extends the unsigned bytes, so a retry keeps the first file."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.reader import PdfFileReader

from adapters.notice.pades import FIELD_NAME
from adapters.notice.review_conclusion import ReviewOutcome
from adapters.notice.sample import sample_review_conclusion, sample_revocation
from adapters.notice.unit_cert import UnitCredentials, credentials_from_settings, load_or_create_embedded
from settings import Settings
from tests.notice.conftest import needs_pdfsig, needs_poppler, page_pixels, pdf_text, pdfsig


def _issue_all(service, content) -> dict[str, Path]:
    record, notice = service.issue_notice(content)
    _, revocation, _ = service.issue_revocation(sample_revocation(content), record)
    _, conclusion = service.issue_review_conclusion(
        sample_review_conclusion(content, ReviewOutcome.REDETERMINE)
    )
    return {"notice": notice, "revocation": revocation, "review_conclusion": conclusion}


@needs_pdfsig
def test_pdfsig_valid_and_whole_document_on_every_kind(service, content):
    for kind, path in _issue_all(service, content).items():
        report = pdfsig(path)
        assert "Signature is Valid." in report, (kind, report)
        assert "Total document signed" in report, (kind, report)
        assert "Signer Certificate Common Name: 泸州市公安局交通警察支队" in report
        assert "ETSI.CAdES.detached" in report  # PAdES, not the older adbe.pkcs7 form


@needs_pdfsig
def test_a_byte_changed_after_signing_is_invalid(service, content, tmp_path):
    _, path = service.issue_notice(content)
    data = bytearray(path.read_bytes())
    # a byte inside the first signed range, within a compressed stream (the file still parses)
    position = data.index(b"stream\n", len(data) // 4) + 200
    data[position] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    report = pdfsig(tampered)
    assert "Signature is Valid." not in report
    assert "Invalid" in report or "Digest Mismatch" in report, report


def test_the_seal_is_the_signature_appearance(service, content):
    _, path = service.issue_notice(content)
    reader = PdfFileReader(io.BytesIO(path.read_bytes()))
    fields = reader.root["/AcroForm"]["/Fields"]
    [field] = [f.get_object() for f in fields]
    assert field["/FT"] == "/Sig" and field["/T"] == FIELD_NAME
    widget = field  # pyHanko merges the field and its widget
    appearance = widget["/AP"]["/N"].get_object()
    assert len(appearance.data) > 5000  # ring, star and the glyph outlines of the unit's name
    assert b"0.84 0.05 0.07 rg" in appearance.data  # seal red
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    assert abs((x2 - x1) - 38 * 72 / 25.4) < 0.5 and abs((y2 - y1) - (x2 - x1)) < 0.01


@needs_poppler
def test_the_seal_is_red_on_the_page_and_not_text(service, content, tmp_path):
    _, path = service.issue_notice(content)
    rendered = service.renderer.render_document(content, "ABCDEFGHJK", "https://x/v")
    unsigned = tmp_path / "unsigned.pdf"
    unsigned.write_bytes(rendered.pdf)
    dpi = 30
    x1, y1, x2, y2 = (v * dpi / 72 for v in rendered.seal.box)

    def red_pixels_in_seal_box(pdf: Path) -> int:
        width, height, data = page_pixels(pdf, dpi)
        count = 0
        for row in range(int(height - y2), int(height - y1)):
            for col in range(int(x1), int(x2)):
                i = 3 * (row * width + col)
                count += data[i] > 150 and data[i + 1] < 90 and data[i + 2] < 90
        return count

    assert red_pixels_in_seal_box(path) > 150
    assert red_pixels_in_seal_box(unsigned) == 0
    assert "交通事故处理专用章" not in pdf_text(path)  # vectors: the seal is not copyable text


def test_a_retry_keeps_the_first_signed_file(service, content):
    first, path = service.issue_notice(content)
    stored = path.read_bytes()
    again, _ = service.issue_notice(content)  # the PAdES signing time would differ: the store keeps the first
    assert again == first
    assert path.read_bytes() == stored
    unsigned = service.renderer.render_document(
        content,
        first.short_code,
        f"https://kuaichu.example.cn/notices/{first.notice_number}/verify?code={first.short_code}",
    ).pdf
    assert stored.startswith(unsigned)


def test_unit_credentials_from_pkcs12_and_pem(tmp_path, keys_dir):
    embedded = load_or_create_embedded(keys_dir, "泸州市公安局交通警察支队")
    assert load_or_create_embedded(keys_dir, "ignored").certificate == embedded.certificate  # created once
    assert (keys_dir / "notice-unit.pem").stat().st_mode & 0o777 == 0o600
    p12 = pkcs12.serialize_key_and_certificates(
        b"unit",
        embedded.key,
        embedded.certificate,
        list(embedded.chain),
        serialization.BestAvailableEncryption(b"s3cret"),
    )
    (tmp_path / "unit.p12").write_bytes(p12)
    settings = Settings(
        var_dir=tmp_path, notice_unit_p12_path=tmp_path / "unit.p12", notice_unit_p12_password="s3cret"
    )
    loaded = credentials_from_settings(settings)
    assert loaded.certificate == embedded.certificate and loaded.subject == "泸州市公安局交通警察支队"
    pem = tmp_path / "unit.pem"
    shutil.copy(keys_dir / "notice-unit.pem", pem)
    from_pem = credentials_from_settings(
        Settings(var_dir=tmp_path, notice_unit_key_path=pem, notice_unit_cert_path=pem)
    )
    assert from_pem.chain == embedded.chain
    assert isinstance(from_pem, UnitCredentials)


def test_production_needs_the_units_certificate(tmp_path):
    settings = Settings.model_construct(
        env="production",
        var_dir=tmp_path,
        notice_unit_p12_path=None,
        notice_unit_key_path=None,
        notice_unit_cert_path=None,
    )
    with pytest.raises(ValueError, match="KUAICHU_NOTICE_UNIT_P12_PATH"):
        credentials_from_settings(settings)
    assert not (tmp_path / "keys").exists()  # nothing generated in production
