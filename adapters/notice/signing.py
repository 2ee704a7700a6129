"""Ed25519 signatures for notices.

Two signatures, because the short code printed on the notice cannot depend on the PDF that prints it:

1. ``content_signature`` = Sign(canonical JSON of the content fields). Ed25519 is deterministic, so
   the same content always gives the same signature, hence the same **short code** =
   the first 10 base32 characters of SHA-256(content_signature) (50 bits, A-Z and 2-7: easy to
   type; no 0/1/8/9, and the verifier reads a typed 0/1/8 as O/I/B).
2. ``signature`` = Sign(canonical JSON of {notice number, case number, version, kind, revoked notice,
   issued_at, content digest, short code, PDF SHA-256}): binds the stored record to the exact PDF.

Keys: ``load_or_create_signing_key(path)`` for the embedded run (a PKCS#8 PEM created with 0600
permissions under var/, with the public key beside it in ``<name>.pub.pem``); production passes the
key in ``KUAICHU_NOTICE_SIGNING_KEY_B64`` (base64 of the PEM, or of the raw 32-byte private key) —
see :func:`signing_key_from_settings`. The public verification page needs only the public key
(:func:`public_key_from_settings`): ``KUAICHU_NOTICE_PUBLIC_KEY_B64``, or the ``.pub.pem`` file the
issuing side writes; it never loads, let alone creates, the private key."""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel

from adapters.notice.content import canonical_json

SCHEME = "kuaichu-notice/1"
SHORT_CODE_LENGTH = 10


def public_key_path(private_key_path: Path | str) -> Path:
    """Where the public key of the key file at ``private_key_path`` is published."""
    path = Path(private_key_path)
    return path.with_name(path.name.removesuffix(".pem") + ".pub.pem")


def load_or_create_signing_key(path: Path | str) -> Ed25519PrivateKey:
    """The private key stored at ``path`` (PKCS#8 PEM); generated with 0600 permissions if absent.
    Its public key is written beside it (for the verification page) if it is not there yet."""
    path = Path(path)
    if path.exists():
        key = _load_private_key(path.read_bytes())
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, pem)
        finally:
            os.close(fd)
    public = public_key_path(path)
    if not public.exists():
        tmp = public.with_name(f".{public.name}.{os.getpid()}")
        tmp.write_text(public_key_pem(key), encoding="ascii")
        os.replace(tmp, public)
    return key


def public_key_from_settings(settings=None) -> Ed25519PublicKey | None:
    """The public key for verification: ``notice_public_key_b64`` (base64 of the PEM or of the raw
    32 bytes), else the published ``.pub.pem`` beside the key file; None if neither exists yet (no
    notice has been issued)."""
    if settings is None:
        from settings import get_settings

        settings = get_settings()
    if settings.notice_public_key_b64:
        raw = base64.b64decode(settings.notice_public_key_b64.strip())
        return Ed25519PublicKey.from_public_bytes(raw) if len(raw) == 32 else load_public_key(raw)
    path = public_key_path(settings.effective_notice_signing_key_path)
    return load_public_key(path.read_bytes()) if path.exists() else None


def signing_key_from_b64(value: str) -> Ed25519PrivateKey:
    """A key from base64 text: of a PEM (PKCS#8) or of the raw 32-byte Ed25519 private key."""
    raw = base64.b64decode(value.strip())
    if len(raw) == 32:
        return Ed25519PrivateKey.from_private_bytes(raw)
    return _load_private_key(raw)


def signing_key_from_settings(settings=None) -> Ed25519PrivateKey:
    """Production: ``notice_signing_key_b64``; otherwise the key file (created for the embedded run)."""
    if settings is None:
        from settings import get_settings

        settings = get_settings()
    if settings.notice_signing_key_b64:
        return signing_key_from_b64(settings.notice_signing_key_b64)
    return load_or_create_signing_key(settings.effective_notice_signing_key_path)


def _load_private_key(data: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the notice signing key must be an Ed25519 key")
    return key


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The public key to publish (SubjectPublicKeyInfo PEM)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """A short fingerprint of the public key (first 16 hex of SHA-256 of the raw key)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- content signature and short code ------------------------------------------------------------


def sign_content(key: Ed25519PrivateKey, content: BaseModel) -> bytes:
    """Sign a document's content (a notice, a revocation or a review conclusion)."""
    return key.sign(_content_message(content))


def _content_message(content: BaseModel) -> bytes:
    return canonical_json({"scheme": SCHEME, "part": "content", "content": content.model_dump(mode="json")})


def short_code_for(content_signature: bytes) -> str:
    return base64.b32encode(hashlib.sha256(content_signature).digest()).decode("ascii")[:SHORT_CODE_LENGTH]


def normalise_code(code: str) -> str:
    """What a person typed -> the canonical short code: upper case, without spaces or dashes, with
    the digits that look like letters read as those letters (0->O, 1->I, 8->B)."""
    cleaned = "".join(ch for ch in code.upper() if ch not in " -_\t")
    return cleaned.translate(str.maketrans({"0": "O", "1": "I", "8": "B"}))


# -- record signature ----------------------------------------------------------------------------


def record_message(
    *,
    notice_number: str,
    case_number: str,
    version: int,
    kind: str,
    revokes_notice_number: str,
    issued_at: datetime,
    content_digest: str,
    short_code: str,
    pdf_sha256: str,
) -> bytes:
    """The canonical message of the record signature."""
    return canonical_json(
        {
            "scheme": SCHEME,
            "part": "record",
            "notice_number": notice_number,
            "case_number": case_number,
            "version": version,
            "kind": kind,
            "revokes_notice_number": revokes_notice_number,
            "issued_at": issued_at.astimezone(UTC).isoformat(),
            "content_digest": content_digest,
            "short_code": short_code,
            "pdf_sha256": pdf_sha256,
        }
    )


def verify_signature(public_key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True
