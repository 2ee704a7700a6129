"""Evidence collection during the video call: the evidence taken, the safety checklist, and
whether the seat has completed it."""

from __future__ import annotations

from domain.messages import SafetyChecklist
from domain.models import EvidenceKind, EvidenceRef

# The shot list that must be complete before collection ends (plates: one per vehicle).
REQUIRED_SHOTS = (
    EvidenceKind.OVERVIEW_FRONT,
    EvidenceKind.OVERVIEW_REAR,
    EvidenceKind.IMPACT_POINT,
    EvidenceKind.GROUP_PHOTO,
)


class Collection:
    def __init__(self) -> None:
        self.evidence: list[EvidenceRef] = []
        self.safety: SafetyChecklist | None = None
        self.complete = False

    def has_evidence(self, evidence_id: str) -> bool:
        return any(e.evidence_id == evidence_id for e in self.evidence)

    @property
    def safe(self) -> bool:
        """Hazard lights on, warning triangle placed, people off the carriageway."""
        s = self.safety
        return s is not None and s.hazard_lights and s.warning_triangle and s.people_off_carriageway

    def missing_shots(self, vehicles: int) -> list[str]:
        kinds = [e.kind for e in self.evidence]
        missing: list[str] = [k.value for k in REQUIRED_SHOTS if k not in kinds]
        plates = kinds.count(EvidenceKind.PLATE)
        if plates < vehicles:
            missing.append(f"plate×{vehicles - plates}")
        return missing
