"""The electronic liability notice 道路交通事故认定书（简易程序）, its revocation and the review
conclusion 道路交通事故认定复核结论: content, PDF, seal and PAdES signature, storage and public
verification. Pure functions and small classes; the Temporal activity wrapper lives elsewhere."""

from adapters.notice.content import (
    NoticeContent,
    NoticeLocation,
    NoticeParty,
    Revocation,
    build_notice_content,
    build_revocation_content,
)
from adapters.notice.fonts import MissingGlyphError
from adapters.notice.render import NoticeRenderer, get_font_set, verify_url
from adapters.notice.review_conclusion import (
    ReviewConclusionContent,
    Reviewer,
    ReviewOutcome,
    build_review_conclusion_content,
)
from adapters.notice.service import (
    NoticeService,
    issue_notice,
    issue_review_conclusion,
    issue_revocation,
    mark_served,
)
from adapters.notice.signing import (
    load_or_create_signing_key,
    public_key_from_settings,
    public_key_pem,
    signing_key_from_b64,
    signing_key_from_settings,
)
from adapters.notice.store import NoticeStore, NoticeStoreError, StoredPdf
from adapters.notice.verification import (
    NoticeRecord,
    VerificationResult,
    VerificationStatus,
    verify_notice,
)
from domain.models import NoticeKind

__all__ = [
    "MissingGlyphError",
    "NoticeContent",
    "NoticeKind",
    "NoticeLocation",
    "NoticeParty",
    "NoticeRecord",
    "NoticeRenderer",
    "NoticeService",
    "NoticeStore",
    "NoticeStoreError",
    "ReviewConclusionContent",
    "ReviewOutcome",
    "Reviewer",
    "Revocation",
    "StoredPdf",
    "VerificationResult",
    "VerificationStatus",
    "build_notice_content",
    "build_review_conclusion_content",
    "build_revocation_content",
    "get_font_set",
    "issue_notice",
    "issue_review_conclusion",
    "issue_revocation",
    "load_or_create_signing_key",
    "mark_served",
    "public_key_from_settings",
    "public_key_pem",
    "signing_key_from_b64",
    "signing_key_from_settings",
    "verify_notice",
    "verify_url",
]
