"""The PAdES signature inside the PDF (pyHanko), with the unit's round seal as its appearance.

A citizen, an insurer or a court holding only the PDF can check it with any PDF reader (or
``pdfsig``): the signature covers the whole file, and one changed byte makes it invalid. The
signature is an incremental update, so the signed file starts with the unsigned bytes; the notice
store relies on that to tell a retried activity from a different document.

Speed (the benchmark's budget is 40 ms per notice, rendering included): the unit's key is loaded
once (pyHanko's SimpleSigner re-parses the key for every signature, ~25 ms for RSA), the room for the
CMS is computed from the certificates (pyHanko otherwise signs twice to measure it), and the seal's
vectors are cached per unit."""

from __future__ import annotations

import io
from dataclasses import dataclass

from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import ResourceType
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.stamp import BaseStamp, BaseStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from adapters.notice.fonts import FontSet
from adapters.notice.layout import SealPlacement, get_font_set
from adapters.notice.seal import DEFAULT_PURPOSE, seal_stream
from adapters.notice.unit_cert import UnitCredentials

FIELD_NAME = "UnitSeal"


class _LoadedKeySigner(signers.Signer):
    """A pyHanko signer over a key already loaded by ``cryptography`` (RSA PKCS#1 v1.5 or ECDSA)."""

    def __init__(self, credentials: UnitCredentials):
        certs = [_asn1(c) for c in (credentials.certificate, *credentials.chain)]
        self._key = credentials.key
        mechanism = "sha256_rsa" if isinstance(credentials.key, rsa.RSAPrivateKey) else "sha256_ecdsa"
        super().__init__(
            signing_cert=certs[0],
            cert_registry=SimpleCertificateStore.from_certs(certs),
            signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": mechanism}),
            embed_roots=True,
        )

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if digest_algorithm != "sha256":
            raise ValueError(f"unsupported digest {digest_algorithm}")
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self._key.sign(data, ec.ECDSA(hashes.SHA256()))


def _asn1(cert) -> asn1_x509.Certificate:  # type: ignore[no-untyped-def]
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@dataclass(frozen=True)
class _SealStyle(BaseStampStyle):
    """A stamp style that draws a ready content stream (the seal) and nothing else."""

    stream: bytes = b""
    border_width: int = 0
    background: None = None
    background_opacity: float = 1.0

    def create_stamp(
        self, writer: BasePdfFileWriter, box: layout.BoxConstraints, text_params: dict
    ) -> BaseStamp:
        return _SealStamp(writer=writer, style=self, box=box)


class _SealStamp(BaseStamp):
    def as_form_xobject(self) -> generic.StreamObject:
        xobject = super().as_form_xobject()
        xobject.compress()  # pyHanko stores it raw: the glyph outlines would add ~20 KB
        return xobject

    def _render_inner_content(self) -> list[bytes]:
        # multiply: the black text under the seal stays readable, as under real seal ink
        self.set_resource(
            category=ResourceType.EXT_G_STATE,
            name=generic.pdf_name("/SealGS"),
            value=generic.DictionaryObject({generic.pdf_name("/BM"): generic.pdf_name("/Multiply")}),
        )
        return [b"/SealGS gs", self.style.stream]


class PadesSealer:
    """Seals and signs PDFs with one unit certificate. Thread-safe; cheap to call."""

    def __init__(self, credentials: UnitCredentials, fonts: FontSet | None = None):
        self.credentials = credentials
        self.fonts = fonts or get_font_set()
        self._signer = _LoadedKeySigner(credentials)
        certs = sum(
            len(c.public_bytes(serialization.Encoding.DER))
            for c in (credentials.certificate, *credentials.chain)
        )
        # CMS = certificates + signature + signed attributes and structure, with a margin; pyHanko
        # counts the room in hex digits (two per byte)
        self._reserved = 2 * (certs + credentials.key.key_size // 8 + 1536)

    def seal(
        self,
        pdf: bytes,
        placement: SealPlacement,
        unit: str,
        *,
        reason: str,
        location: str = "",
        purpose: str = DEFAULT_PURPOSE,
    ) -> bytes:
        """``pdf`` signed by the unit (PAdES B-B, SHA-256) with ``unit``'s seal drawn at
        ``placement`` as the signature's appearance."""
        diameter_mm = (placement.box[2] - placement.box[0]) * 25.4 / 72
        style = _SealStyle(stream=seal_stream(self.fonts, unit, purpose, diameter_mm))
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            subfilter=SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=reason,
            location=location or None,
            name=self.credentials.subject,
        )
        pdf_signer = signers.PdfSigner(
            meta,
            self._signer,
            stamp_style=style,
            new_field_spec=SigFieldSpec(FIELD_NAME, on_page=placement.page, box=placement.box),
        )
        out = io.BytesIO()
        # signing time: now (the PAdES /M); a retry re-signs, and the store keeps the first file
        pdf_signer.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)), bytes_reserved=self._reserved, output=out
        )
        return out.getvalue()
