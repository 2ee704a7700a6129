"""TEMPORARY stand-ins for activities.notice.activity and activities.sandbox_insurer while those
modules are not on this branch yet (activities/wiring.py imports them). Installed into
sys.modules only when the real modules cannot be imported; delete once they are merged."""

from __future__ import annotations

import hashlib
import importlib
import sys
import types

from temporalio import activity

from db import repository
from domain import activity_contracts as act
from domain.messages import NoticeRef


class StubNoticeActivities:
    def __init__(self, settings, sessions) -> None:
        self._settings = settings
        self._sessions = sessions

    @classmethod
    def from_settings(cls, settings, sessions):
        return cls(settings, sessions)

    @activity.defn(name=act.ISSUE_NOTICE)
    async def issue_notice(self, req: act.IssueNoticeRequest) -> NoticeRef:
        prefix = "CX" if req.kind == "revocation" else "RD"
        number = f"{prefix}{req.case_number}-{req.version}"
        pdf = f"%PDF-1.4\n% stub notice {number}\n%%EOF\n".encode()
        rel = f"{req.case_number}/{number}.pdf"
        path = self._settings.var_dir / "notices" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pdf)
        sha = hashlib.sha256(pdf).hexdigest()
        code = sha[:8].upper()
        async with self._sessions.begin() as session:
            await repository.add_notice(
                session,
                notice_number=number,
                case_number=req.case_number,
                version=req.version + (100 if req.kind == "revocation" else 0),
                kind=req.kind,
                issued_at=req.issued_at,
                pdf_path=rel,
                sha256=sha,
                short_code=code,
                revokes_notice_number=req.revokes.notice_number if req.revokes else None,
            )
            if req.revokes is not None:
                await repository.revoke_notice(session, req.revokes.notice_number, req.issued_at)
        return NoticeRef(
            notice_number=number,
            short_code=code,
            sha256=sha,
            pdf_path=rel,
            version=req.version,
            kind=req.kind,
            revokes_notice_number=req.revokes.notice_number if req.revokes else "",
            issued_at=req.issued_at,
        )


class StubSandboxInsurer:
    NAMES = {"PICC": "中国人保", "CPIC": "中国太平洋", "PINGAN": "中国平安"}

    def __init__(self, code: str, sessions) -> None:
        self.code = code
        self.name = self.NAMES.get(code, code)

    async def report_claim(self, report) -> str:
        return f"{self.code}-{hashlib.sha256(report.idempotency_key.encode()).hexdigest()[:10].upper()}"

    async def report_amendment(self, report) -> None:
        return None


def install() -> None:
    try:
        importlib.import_module("activities.notice.activity")
    except ImportError:
        mod = types.ModuleType("activities.notice.activity")
        mod.NoticeActivities = StubNoticeActivities
        sys.modules["activities.notice.activity"] = mod
    try:
        importlib.import_module("activities.sandbox_insurer")
    except ImportError:
        mod = types.ModuleType("activities.sandbox_insurer")
        mod.SandboxInsurer = StubSandboxInsurer
        sys.modules["activities.sandbox_insurer"] = mod
