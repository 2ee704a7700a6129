"""Evidence collection during the video call: the evidence taken, the safety checklist, the scene
as the seat recorded it (weather, road surface, the corrected accident time), and whether the seat
has completed it."""

from __future__ import annotations

from datetime import datetime

from domain.messages import SafetyChecklist, SceneContent
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
        self.weather = ""  # domain.notice_codes.WEATHER code; "" until the seat recorded it
        self.road_surface = ""
        self.accident_time: datetime | None = None  # the seat's correction of the declared time

    def record_scene(self, scene: SceneContent) -> None:
        """Take what the seat stated; an empty value leaves the recorded one as it was."""
        self.weather = scene.weather or self.weather
        self.road_surface = scene.road_surface or self.road_surface
        self.accident_time = scene.accident_time or self.accident_time

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
