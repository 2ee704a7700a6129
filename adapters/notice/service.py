"""One facade for the workflow's activity wrapper: sign the content, render, seal and sign the PDF,
store, and return the record to persist.

The same pipeline issues the three document kinds: ``issue_notice`` (a determination, or with
``revokes`` set a revocation), ``issue_revocation`` (also returns the revoked notice's updated
record) and ``issue_review_conclusion``. A retried activity is harmless: the content signature and
the unsigned PDF are deterministic (Ed25519, PDF creation date = ``issued_at``), and when the store
already holds a signed PDF of the same unsigned bytes that one is kept (the PAdES signing time makes
a second signature differ), so the record is the same. An attempt that comes with a later issue
time (its workflow task was lost after the PDF was stored) gets the stored document too."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from adapters.notice.content import NoticeContent
from adapters.notice.layout import Rendered
from adapters.notice.pades import PadesSealer
from adapters.notice.render import NoticeRenderer, verify_url
from adapters.notice.review_conclusion import ReviewConclusionContent
from adapters.notice.review_render import ReviewConclusionRenderer
from adapters.notice.signing import key_id, short_code_for, sign_content, signing_key_from_settings
from adapters.notice.store import NoticeStore
from adapters.notice.summary import attached_content
from adapters.notice.unit_cert import credentials_from_settings, load_or_create_embedded
from adapters.notice.verification import NoticeRecord
from adapters.storage import ObjectStore
from domain.models import NoticeKind

Content = NoticeContent | ReviewConclusionContent

_REASONS = {
    NoticeKind.DETERMINATION: "道路交通事故认定书（简易程序）",
    NoticeKind.REVOCATION: "撤销道路交通事故认定书",
    NoticeKind.REVIEW_CONCLUSION: "道路交通事故认定复核结论",
}


class NoticeService:
    def __init__(
        self,
        renderer: NoticeRenderer,
        store: NoticeStore,
        signing_key: Ed25519PrivateKey,
        verify_base_url: str,
        sealer: PadesSealer,
        review_renderer: ReviewConclusionRenderer | None = None,
    ):
        self.renderer = renderer
        self.review_renderer = review_renderer or ReviewConclusionRenderer(renderer.fonts)
        self.store = store
        self.signing_key = signing_key
        self.verify_base_url = verify_base_url
        self.sealer = sealer

    @classmethod
    def from_settings(cls, settings=None, notices: ObjectStore | None = None) -> NoticeService:
        """``notices``: the object store of the PDFs (default: the one settings select)."""
        if settings is None:
            from settings import get_settings

            settings = get_settings()
        if notices is None:
            from adapters.storage import storage_from_settings

            notices = storage_from_settings(settings).notices
        renderer = NoticeRenderer(timezone=settings.timezone)
        return cls(
            renderer,
            NoticeStore(notices),
            signing_key_from_settings(settings),
            settings.notice_verify_base_url,
            PadesSealer(credentials_from_settings(settings), renderer.fonts),
            ReviewConclusionRenderer(renderer.fonts, timezone=settings.timezone),
        )

    @classmethod
    def embedded(
        cls,
        root: Path,
        verify_base_url: str = "http://127.0.0.1:8000",
        certificate_unit: str = "泸州市公安局交通警察支队",
    ) -> NoticeService:
        """Everything under ``root`` (PDFs, a generated Ed25519 key, a local CA and unit
        certificate): samples and tests."""
        from adapters.notice.signing import load_or_create_signing_key

        renderer = NoticeRenderer()
        return cls(
            renderer,
            NoticeStore(root),
            load_or_create_signing_key(root / "keys" / "notice-ed25519.pem"),
            verify_base_url,
            PadesSealer(load_or_create_embedded(root / "keys", certificate_unit), renderer.fonts),
        )

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.signing_key.public_key()

    def issue_notice(self, content: NoticeContent) -> tuple[NoticeRecord, Path | None]:
        """Issue ``content`` (a determination or, with ``revokes`` set, a revocation). Raises
        MissingGlyphError if a character cannot be printed."""
        return self._issue(content, self.renderer.render_document)

    def issue_review_conclusion(self, content: ReviewConclusionContent) -> tuple[NoticeRecord, Path | None]:
        """Issue a review conclusion (uphold or redetermine), served and verified like a notice."""
        return self._issue(content, self.review_renderer.render_document)

    def _issue(
        self, content: Content, render: Callable[[Content, str, str], Rendered]
    ) -> tuple[NoticeRecord, Path | None]:
        key = NoticeStore.key_for(content.case_number, content.notice_number, content.version)
        existing = self.store.existing(key)
        if existing is not None:
            content = _as_issued_before(content, existing)
        content_signature = sign_content(self.signing_key, content)
        code = short_code_for(content_signature)
        rendered = render(content, code, verify_url(self.verify_base_url, content.notice_number, code))
        stored = None if existing is None else self.store.find_signed(key, rendered.pdf, existing)
        if stored is None:
            signed = self.sealer.seal(
                rendered.pdf,
                rendered.seal,
                content.unit,
                reason=_REASONS[content.kind],
                location=content.unit,
            )
            stored = self.store.save(key, signed, unsigned=rendered.pdf)
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
    ) -> tuple[NoticeRecord, Path | None, NoticeRecord]:
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
        return self.store.read(record.pdf_path)  # unchecked: verify_notice tells "altered"


def _as_issued_before(content: Content, existing: bytes) -> Content:
    """``content`` with the issue time of the document already stored under its number.

    The workflow stamps a notice with the time of the workflow task that issues it. When that task
    is lost after the PDF was stored (it timed out on a starved worker, the worker was killed),
    the next attempt asks for the same notice with a later time: the stored document stands (it
    may have been read already), so the same content at its time is rendered again and matched
    byte for byte. Any other difference is a different notice, which the store still refuses."""
    raw = attached_content(existing)
    if raw is None:
        return content
    try:
        issued_at = datetime.fromisoformat(json.loads(raw)["issued_at"])
    except (ValueError, KeyError, TypeError):
        return content
    return content if issued_at == content.issued_at else content.model_copy(update={"issued_at": issued_at})


_default: NoticeService | None = None


def default_service() -> NoticeService:
    global _default
    if _default is None:
        _default = NoticeService.from_settings()
    return _default


def issue_notice(
    content: NoticeContent, service: NoticeService | None = None
) -> tuple[NoticeRecord, Path | None]:
    """Module-level convenience over :class:`NoticeService` configured from settings."""
    return (service or default_service()).issue_notice(content)


def issue_revocation(
    content: NoticeContent, revoked: NoticeRecord, service: NoticeService | None = None
) -> tuple[NoticeRecord, Path | None, NoticeRecord]:
    return (service or default_service()).issue_revocation(content, revoked)


def issue_review_conclusion(
    content: ReviewConclusionContent, service: NoticeService | None = None
) -> tuple[NoticeRecord, Path | None]:
    """Issue a review conclusion (build it with ``build_review_conclusion_content``); persist the
    record like a notice's (kind ``review_conclusion``) and serve the PDF to every party."""
    return (service or default_service()).issue_review_conclusion(content)


def mark_served(record: NoticeRecord, served_at: datetime) -> NoticeRecord:
    """The record with its service time (the read confirmation); not part of the signature."""
    if served_at.tzinfo is None:
        raise ValueError("served_at must be timezone-aware")
    return record.model_copy(update={"served_at": served_at})
