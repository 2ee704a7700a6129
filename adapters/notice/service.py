"""One facade for the workflow's activity wrapper: render, hash, sign, store.

``issue_notice(content)`` returns the :class:`NoticeRecord` to persist and the PDF's path. The same
content gives the same PDF bytes and the same record (fixed PDF creation date = ``issued_at``,
deterministic Ed25519), so a retried activity is harmless."""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from adapters.notice.content import NoticeContent
from adapters.notice.render import NoticeRenderer, verify_url
from adapters.notice.signing import key_id, short_code_for, sign_content, signing_key_from_settings
from adapters.notice.store import NoticeStore
from adapters.notice.verification import NoticeRecord
from domain.models import NoticeKind


class NoticeService:
    def __init__(
        self,
        renderer: NoticeRenderer,
        store: NoticeStore,
        signing_key: Ed25519PrivateKey,
        verify_base_url: str,
    ):
        self.renderer = renderer
        self.store = store
        self.signing_key = signing_key
        self.verify_base_url = verify_base_url

    @classmethod
    def from_settings(cls, settings=None) -> NoticeService:
        if settings is None:
            from settings import get_settings

            settings = get_settings()
        return cls(
            NoticeRenderer(timezone=settings.timezone),
            NoticeStore(settings.effective_notice_dir),
            signing_key_from_settings(settings),
            settings.notice_verify_base_url,
        )

    @classmethod
    def embedded(cls, root: Path, verify_base_url: str = "http://127.0.0.1:8000") -> NoticeService:
        """Everything under ``root`` (PDFs and a generated key): samples and tests."""
        from adapters.notice.signing import load_or_create_signing_key

        return cls(
            NoticeRenderer(),
            NoticeStore(root),
            load_or_create_signing_key(root / "keys" / "notice-ed25519.pem"),
            verify_base_url,
        )

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.signing_key.public_key()

    def issue_notice(self, content: NoticeContent) -> tuple[NoticeRecord, Path]:
        """Render, hash, sign and store ``content`` (a determination or, with ``revokes`` set, a
        revocation). Raises MissingGlyphError if a character cannot be printed."""
        content_signature = sign_content(self.signing_key, content)
        code = short_code_for(content_signature)
        pdf = self.renderer.render(
            content, code, verify_url(self.verify_base_url, content.notice_number, code)
        )
        stored = self.store.save(
            NoticeStore.key_for(content.case_number, content.notice_number, content.version), pdf
        )
        record = NoticeRecord(
            notice_number=content.notice_number,
            case_number=content.case_number,
            version=content.version,
            kind=content.kind,
            revokes_notice_number=content.revokes.revoked_notice_number if content.revokes else "",
            pdf_path=stored.key,
            sha256=stored.sha256,
            signature="",
            content_signature=base64.b64encode(content_signature).decode("ascii"),
            short_code=code,
            key_id=key_id(self.signing_key),
            content_digest=content.digest(),
            issued_at=content.issued_at,
            served_at=content.served_at,
        )
        record.signature = base64.b64encode(self.signing_key.sign(record.signed_message())).decode("ascii")
        return record, stored.path

    def issue_revocation(
        self, content: NoticeContent, revoked: NoticeRecord
    ) -> tuple[NoticeRecord, Path, NoticeRecord]:
        """Issue the revocation notice ``content`` for the notice ``revoked``. Returns the revocation's
        record and path, and ``revoked`` updated with ``revoked_at`` / ``revoked_by_notice_number``:
        the caller persists both records."""
        if content.kind != NoticeKind.REVOCATION or content.revokes is None:
            raise ValueError("content is not a revocation (build it with build_revocation_content)")
        if content.revokes.revoked_notice_number != revoked.notice_number:
            raise ValueError("the revocation names another notice than the record given")
        if revoked.revoked_by_notice_number and revoked.revoked_by_notice_number != content.notice_number:
            raise ValueError(
                f"{revoked.notice_number} is already revoked by {revoked.revoked_by_notice_number}"
            )
        record, path = self.issue_notice(content)
        updated = revoked.model_copy(
            update={"revoked_at": content.issued_at, "revoked_by_notice_number": content.notice_number}
        )
        return record, path, updated

    def read_pdf(self, record: NoticeRecord) -> bytes:
        return self.store.read(record.pdf_path)


_default: NoticeService | None = None


def default_service() -> NoticeService:
    global _default
    if _default is None:
        _default = NoticeService.from_settings()
    return _default


def issue_notice(content: NoticeContent, service: NoticeService | None = None) -> tuple[NoticeRecord, Path]:
    """Module-level convenience over :class:`NoticeService` configured from settings."""
    return (service or default_service()).issue_notice(content)


def issue_revocation(
    content: NoticeContent, revoked: NoticeRecord, service: NoticeService | None = None
) -> tuple[NoticeRecord, Path, NoticeRecord]:
    return (service or default_service()).issue_revocation(content, revoked)


def mark_served(record: NoticeRecord, served_at: datetime) -> NoticeRecord:
    """The record with its service time (the read confirmation); not part of the signature."""
    if served_at.tzinfo is None:
        raise ValueError("served_at must be timezone-aware")
    return record.model_copy(update={"served_at": served_at})
