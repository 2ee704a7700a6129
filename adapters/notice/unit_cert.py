"""The unit's signing certificate for the PAdES signature inside the PDF.

Production loads the unit's key and certificate issued by its CA, as PKCS#12
(``KUAICHU_NOTICE_UNIT_P12_PATH`` + ``_PASSWORD``) or PEM (``KUAICHU_NOTICE_UNIT_KEY_PATH`` and
``KUAICHU_NOTICE_UNIT_CERT_PATH``, the certificate followed by its chain). The embedded run creates a
local CA and a unit certificate at first use under var/keys/, like its other keys: the CA's private
key is used once and never stored, so nothing else can be issued under it; a PDF reader says that
CA is unknown, which is the truth for an embedded run."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

EMBEDDED_CA_NAME = "快处嵌入式运行本地CA（非正式）"
EMBEDDED_FILE = "notice-unit.pem"  # key, unit certificate, local CA certificate; 0600


@dataclass(frozen=True)
class UnitCredentials:
    key: SigningKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def subject(self) -> str:
        names = self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else self.certificate.subject.rfc4514_string()

    @classmethod
    def from_pkcs12(cls, data: bytes, password: str = "") -> UnitCredentials:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password.encode() or None)
        if key is None or cert is None:
            raise ValueError("the PKCS#12 file holds no key and certificate")
        return cls(_signing_key(key), cert, tuple(extra or ()))

    @classmethod
    def from_pem(cls, key_pem: bytes, certs_pem: bytes, password: str = "") -> UnitCredentials:
        key = serialization.load_pem_private_key(key_pem, password.encode() or None)
        certs = x509.load_pem_x509_certificates(certs_pem)
        return cls(_signing_key(key), certs[0], tuple(certs[1:]))


def _signing_key(key: object) -> SigningKey:
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError("the unit's signing key must be RSA or ECDSA (what PDF readers verify)")
    return key


def credentials_from_settings(settings=None) -> UnitCredentials:
    """PKCS#12, else PEM, else the embedded run's generated certificate under var/keys/."""
    if settings is None:
        from settings import get_settings

        settings = get_settings()
    if settings.notice_unit_p12_path:
        return UnitCredentials.from_pkcs12(
            Path(settings.notice_unit_p12_path).read_bytes(), settings.notice_unit_p12_password
        )
    if settings.notice_unit_key_path and settings.notice_unit_cert_path:
        return UnitCredentials.from_pem(
            Path(settings.notice_unit_key_path).read_bytes(),
            Path(settings.notice_unit_cert_path).read_bytes(),
            settings.notice_unit_key_password,
        )
    if settings.env == "production":
        raise ValueError(
            "production needs the unit's certificate: set KUAICHU_NOTICE_UNIT_P12_PATH, or "
            "KUAICHU_NOTICE_UNIT_KEY_PATH and KUAICHU_NOTICE_UNIT_CERT_PATH"
        )
    return load_or_create_embedded(Path(settings.var_dir) / "keys", settings.notice_review_unit)


def load_or_create_embedded(keys_dir: Path, unit: str) -> UnitCredentials:
    """The embedded run's unit key and certificate, created on first use. One file, published
    atomically (link of a complete temporary file): an API and a worker starting together end up
    with the same certificate."""
    path = keys_dir / EMBEDDED_FILE
    if not path.exists():
        keys_dir.mkdir(parents=True, exist_ok=True)
        credentials = issue_local(unit)
        key_pem = credentials.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        certs = b"".join(
            c.public_bytes(serialization.Encoding.PEM) for c in (credentials.certificate, *credentials.chain)
        )
        fd, tmp = tempfile.mkstemp(dir=keys_dir, prefix=".tmp-unit-")  # created 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(key_pem + certs)
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process was first: use its certificate
        finally:
            os.unlink(tmp)
    data = path.read_bytes()
    return UnitCredentials.from_pem(data, data)


def issue_local(unit: str, now: datetime | None = None) -> UnitCredentials:
    """A throw-away CA and a unit certificate (RSA 2048, SHA-256: what every PDF reader verifies)
    signed by it. The CA key is not returned."""
    now = now or datetime.now(UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.COMMON_NAME, EMBEDDED_CA_NAME),
        ]
    )
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, unit),
            x509.NameAttribute(NameOID.COMMON_NAME, unit),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return UnitCredentials(key, cert, (ca,))


def _key_usage(cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign,  # non-repudiation: the unit stands by what it signed
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )
