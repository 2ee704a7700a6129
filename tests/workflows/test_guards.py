"""The update guards as pure functions, without a Temporal server: each refuses with its code in
the situations the workflow must refuse, and lets the step through otherwise."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.messages import (
    AcceptCall,
    Actor,
    AddEvidence,
    Cancel,
    CaseInput,
    CheckStatus,
    ClaimResult,
    CompleteCollection,
    ConcludeReview,
    ConcurReview,
    ConfirmReceipt,
    CorrectCase,
    Decide,
    FileClaim,
    HandOff,
    HandOffReason,
    NoticeRef,
    Outcome,
    PartyVerification,
    RecordParties,
    RecordScene,
    RecordService,
    ReviewerIdentity,
    ReviewOutcome,
    ReviewRequest,
    Role,
    SafetyChecklist,
    VideoTokenRequest,
)
from domain.models import (
    AccidentCategory,
    Alert,
    CaseStatus,
    DeclaredFacts,
    EvidenceKind,
    Liability,
    Location,
    Party,
    PartyKind,
    Refusal,
)
from tests import case_factory
from workflows import guards
from workflows.case_state import CaseState, HandOffOrder

ROOT = Path(__file__).resolve().parents[2]
NOW = case_factory.WORKING_MORNING + timedelta(hours=1)
SEAT = Actor(role=Role.SEAT, id="seat-1")
OFFICER = Actor(role=Role.OFFICER, id="officer-7")
REVIEWER = Actor(role=Role.REVIEWER, id="reviewer-1")
SIGNED = {"name": "钱复核", "badge_number": "050001"}  # the concluding reviewer's signature


def citizen(party_id: str) -> Actor:
    return Actor(role=Role.CITIZEN, id=party_id)


def code(refusal: Refusal | None) -> str | None:
    return refusal.code if refusal is not None else None


def new_case(consent: bool = True) -> CaseState:
    parties = [case_factory.motor_party("P1", "ok_picc"), case_factory.motor_party("P2", "ok_cpic")]
    alert = Alert(
        reported_at=case_factory.WORKING_MORNING,
        location=Location(lat=28.87, lon=105.44, address="南城街道示例路100号", district="江阳区"),
        facts=DeclaredFacts(category=AccidentCategory.MOTOR_VS_MOTOR, description="追尾"),
        parties=parties,
        reporter_phone=parties[0].phone,
        consent_electronic_service=consent,
    )
    return CaseState(CaseInput(case_number="LZ-1", alert=alert))


def queued() -> CaseState:
    case = new_case()
    case.eligible = True
    return case


def in_video() -> CaseState:
    case = queued()
    case.seat_id = SEAT.id
    case.set_status(CaseStatus.IN_VIDEO)
    return case


def collected(case: CaseState) -> CaseState:
    for ref in case_factory.shot_list(case.case_number, vehicles=2):
        case.collection.evidence.append(ref)
    case.collection.safety = SafetyChecklist(
        actor=SEAT, hazard_lights=True, warning_triangle=True, people_off_carriageway=True
    )
    case.collection.weather, case.collection.road_surface = "1", "1"  # 晴, 干燥
    return case


def awaiting_decision() -> CaseState:
    case = collected(in_video())
    case.collection.complete = True
    case.set_status(CaseStatus.AWAITING_DECISION)
    return case


def noticed(consent: bool = True) -> CaseState:
    """The first notice issued, nobody served yet."""
    case = awaiting_decision()
    case.inp.alert.consent_electronic_service = consent
    case.officer_id = OFFICER.id
    case.determination.take(case_factory.decision(["P1", "P2"]))
    case.determination.notices.append(
        NoticeRef(notice_number="LZ-1-1", short_code="ABC", sha256="0" * 64, pdf_path="n.pdf")
    )
    case.determination.issued_version = 1
    case.set_status(CaseStatus.NOTICE_SENT)
    return case


def served(case: CaseState, party_id: str, deadline: datetime = NOW + timedelta(days=3)) -> CaseState:
    service = case.parties[party_id].service
    service.served_at, service.review_deadline, service.method = NOW, deadline, "electronic"
    return case


def under_review() -> CaseState:
    case = served(noticed(), "P2")
    case.review.open(ReviewRequest(actor=citizen("P2"), reason_code="LIABILITY"), NOW)
    case.set_status(CaseStatus.UNDER_REVIEW)
    return case


def verified(case: CaseState, party_id: str, insurer: str = "PICC") -> CaseState:
    case.parties[party_id].verification = PartyVerification(
        party_id=party_id, insurance=CheckStatus.VALID, insurer_code=insurer, insurer_name="中国人保"
    )
    return case


# ---------------------------------------------------------------------- queue and video


def test_accept_call_only_a_seat_only_once_only_when_eligible():
    assert code(guards.accept_call(queued(), AcceptCall(actor=citizen("P1")))) == "FORBIDDEN_ROLE"
    assert code(guards.accept_call(in_video(), AcceptCall(actor=SEAT))) == "CALL_ALREADY_TAKEN"
    assert code(guards.accept_call(new_case(), AcceptCall(actor=SEAT))) == "NOT_YET_ACCEPTED"
    assert guards.accept_call(queued(), AcceptCall(actor=SEAT)) is None


def test_video_token_for_a_party_or_the_seat_while_the_video_is_open():
    case = in_video()
    assert guards.issue_video_token(case, VideoTokenRequest(actor=citizen("P1"))) is None
    assert guards.issue_video_token(case, VideoTokenRequest(actor=SEAT)) is None
    assert code(guards.issue_video_token(case, VideoTokenRequest(actor=citizen("P9")))) == "NOT_A_PARTY"
    other_seat = Actor(role=Role.SEAT, id="seat-2")
    assert code(guards.issue_video_token(case, VideoTokenRequest(actor=other_seat))) == "NOT_THE_SEAT"
    assert code(guards.issue_video_token(case, VideoTokenRequest(actor=OFFICER))) == "FORBIDDEN_ROLE"
    case.handoff = HandOffOrder(HandOffReason.SEAT_DECIDED, "有人受伤", SEAT)
    assert (
        code(guards.issue_video_token(case, VideoTokenRequest(actor=citizen("P1")))) == "VIDEO_NOT_AVAILABLE"
    )
    assert (
        code(guards.issue_video_token(awaiting_decision(), VideoTokenRequest(actor=citizen("P1"))))
        == "VIDEO_NOT_AVAILABLE"
    )


def test_cancel_by_a_party_until_the_call_is_over():
    assert guards.cancel(queued(), Cancel(actor=citizen("P1"))) is None
    assert guards.cancel(in_video(), Cancel(actor=citizen("P2"))) is None
    assert code(guards.cancel(queued(), Cancel(actor=SEAT))) == "NOT_A_PARTY"
    assert code(guards.cancel(awaiting_decision(), Cancel(actor=citizen("P1")))) == "TOO_LATE_TO_CANCEL"
    cancelled = queued()
    cancelled.cancel = Cancel(actor=citizen("P1"))
    assert code(guards.cancel(cancelled, Cancel(actor=citizen("P2")))) == "TOO_LATE_TO_CANCEL"


def test_hand_off_by_the_seat_while_collecting_or_the_officer_before_deciding():
    assert code(guards.hand_off(in_video(), HandOff(actor=SEAT, reason="  "))) == "REASON_REQUIRED"
    assert guards.hand_off(in_video(), HandOff(actor=SEAT, reason="有人受伤")) is None
    assert code(guards.hand_off(awaiting_decision(), HandOff(actor=SEAT, reason="x"))) == "NOT_COLLECTING"
    assert guards.hand_off(awaiting_decision(), HandOff(actor=OFFICER, reason="需现场勘查")) is None
    assert code(guards.hand_off(in_video(), HandOff(actor=OFFICER, reason="x"))) == "WRONG_STATE"
    decided = awaiting_decision()
    decided.determination.take(case_factory.decision(["P1", "P2"]))
    assert code(guards.hand_off(decided, HandOff(actor=OFFICER, reason="x"))) == "WRONG_STATE"
    assert code(guards.hand_off(in_video(), HandOff(actor=citizen("P1"), reason="x"))) == "FORBIDDEN_ROLE"


# ---------------------------------------------------------------------- collection


def test_collection_steps_only_by_the_seat_while_collecting():
    evidence = case_factory.shot_list("LZ-1", 1)[0]
    steps = [
        lambda case, actor: guards.add_evidence(case, AddEvidence(actor=actor, evidence=evidence)),
        lambda case, actor: guards.tick_safety(case, SafetyChecklist(actor=actor)),
        lambda case, actor: guards.record_parties(
            case, RecordParties(actor=actor, parties=[case_factory.motor_party("P1", "ok_picc")]), NOW
        ),
    ]
    for step in steps:
        assert step(in_video(), SEAT) is None
        assert code(step(in_video(), Actor(role=Role.SEAT, id="seat-2"))) == "NOT_THE_SEAT"
        assert code(step(queued(), SEAT)) == "NOT_THE_SEAT"  # nobody has taken the call
        assert code(step(awaiting_decision(), SEAT)) == "NOT_COLLECTING"


def test_record_parties_refuses_duplicates_too_many_vehicles_and_bad_data():
    case = in_video()
    p1 = case_factory.motor_party("P1", "ok_picc")
    # the API refuses an empty list at the door (domain.models.Parties); the guard still does
    # for a payload that bypassed it
    empty = RecordParties.model_construct(actor=SEAT, parties=[])
    assert code(guards.record_parties(case, empty, NOW)) == "PARTIES_INVALID"
    assert (
        code(guards.record_parties(case, RecordParties(actor=SEAT, parties=[p1, p1]), NOW))
        == "PARTIES_INVALID"
    )
    four = [case_factory.motor_party(f"P{i}", "ok_picc") for i in range(1, 5)]
    refusal = guards.record_parties(case, RecordParties(actor=SEAT, parties=four), NOW)
    assert code(refusal) == "TOO_MANY_VEHICLES" and refusal is not None and "3" in refusal.reason
    bad = [p1.model_copy(update={"phone": "12345", "id_number": "123"})]
    refusal = guards.record_parties(case, RecordParties(actor=SEAT, parties=bad), NOW)
    assert refusal is not None and "；" in refusal.reason  # every problem's reason, the first one's code


def test_record_parties_refuses_a_shared_phone_and_dropping_the_reporter():
    case = in_video()
    p1, p2 = case_factory.motor_party("P1", "ok_picc"), case_factory.motor_party("P2", "ok_cpic")
    shared = p2.model_copy(update={"phone": "+86 " + p1.phone})
    refusal = guards.record_parties(case, RecordParties(actor=SEAT, parties=[p1, shared]), NOW)
    assert code(refusal) == "DUPLICATE_PARTY_PHONE" and refusal is not None and refusal.field == "P2.phone"
    # the reporter (P1's mobile) replaced by someone else: the reporter would lose the case
    other = p1.model_copy(update={"phone": "13900000099"})
    refusal = guards.record_parties(case, RecordParties(actor=SEAT, parties=[other, p2]), NOW)
    assert code(refusal) == "REPORTER_DROPPED"
    assert (
        code(guards.record_parties(case, RecordParties(actor=SEAT, parties=[p2]), NOW)) == "REPORTER_DROPPED"
    )
    assert guards.record_parties(case, RecordParties(actor=SEAT, parties=[p1, p2]), NOW) is None


def test_correct_case_by_the_seat_while_collecting_or_an_officer_before_deciding():
    def fix(actor: Actor, **content: str) -> CorrectCase:
        return CorrectCase(
            actor=actor, **({"address": "南城街道示例路120号", "reason": "定位偏差"} | content)
        )

    assert guards.correct_case(in_video(), fix(SEAT)) is None
    assert code(guards.correct_case(in_video(), fix(Actor(role=Role.SEAT, id="seat-2")))) == "NOT_THE_SEAT"
    assert code(guards.correct_case(awaiting_decision(), fix(SEAT))) == "NOT_COLLECTING"
    assert guards.correct_case(awaiting_decision(), fix(OFFICER)) is None
    assert code(guards.correct_case(in_video(), fix(OFFICER))) == "NOT_CORRECTABLE"
    assert code(guards.correct_case(noticed(), fix(OFFICER))) == "NOT_CORRECTABLE"
    assert code(guards.correct_case(awaiting_decision(), fix(citizen("P1")))) == "FORBIDDEN_ROLE"
    assert code(guards.correct_case(in_video(), fix(SEAT, address=" "))) == "CORRECTION_EMPTY"
    assert code(guards.correct_case(in_video(), fix(SEAT, reason=""))) == "REASON_REQUIRED"


def test_add_evidence_refuses_a_duplicate_and_an_unknown_party():
    case = in_video()
    first = case_factory.shot_list("LZ-1", 1)[0]
    case.collection.evidence.append(first)
    assert code(guards.add_evidence(case, AddEvidence(actor=SEAT, evidence=first))) == "EVIDENCE_DUPLICATE"
    stranger = first.model_copy(update={"evidence_id": "E99", "party_id": "P9"})
    assert code(guards.add_evidence(case, AddEvidence(actor=SEAT, evidence=stranger))) == "UNKNOWN_PARTY"
    own = stranger.model_copy(update={"party_id": "P2"})
    assert guards.add_evidence(case, AddEvidence(actor=SEAT, evidence=own)) is None


def test_complete_collection_needs_the_checklist_the_shot_list_and_complete_motor_parties():
    complete = CompleteCollection(actor=SEAT)
    assert code(guards.complete_collection(in_video(), complete)) == "SAFETY_CHECKLIST_INCOMPLETE"
    case = collected(in_video())
    assert guards.complete_collection(case, complete) is None
    case.collection.evidence = [e for e in case.collection.evidence if e.kind != EvidenceKind.PLATE][:-1]
    refusal = guards.complete_collection(case, complete)
    assert code(refusal) == "SHOT_LIST_INCOMPLETE"
    assert refusal is not None and "group_photo" in refusal.reason and "plate×2" in refusal.reason
    case = collected(in_video())
    no_licence = case.parties["P2"].party.model_copy(update={"licence_number": ""})
    case.parties.replace([case.parties["P1"].party, no_licence])
    assert code(guards.complete_collection(case, complete)) == "PARTY_INCOMPLETE"


# ---------------------------------------------------------------------- decision and service


def test_decide_by_an_officer_who_is_not_the_seat_once_per_determination():
    decision = case_factory.decision(["P1", "P2"])
    assert guards.decide(awaiting_decision(), Decide(actor=OFFICER, decision=decision)) is None
    assert code(guards.decide(awaiting_decision(), Decide(actor=SEAT, decision=decision))) == "FORBIDDEN_ROLE"
    assert (
        code(guards.decide(in_video(), Decide(actor=OFFICER, decision=decision))) == "NOT_AWAITING_DECISION"
    )
    pending = awaiting_decision()
    pending.determination.take(decision)
    assert code(guards.decide(pending, Decide(actor=OFFICER, decision=decision))) == "ALREADY_DECIDED"
    seat_as_officer = Actor(role=Role.OFFICER, id=SEAT.id)
    assert (
        code(guards.decide(awaiting_decision(), Decide(actor=seat_as_officer, decision=decision)))
        == "SEAT_CANNOT_DECIDE"
    )
    unfit = case_factory.decision(["P1", "P2"], shares=[Liability.FULL, Liability.MINOR])
    assert guards.decide(awaiting_decision(), Decide(actor=OFFICER, decision=unfit)) is not None
    redetermining = awaiting_decision()
    redetermining.set_status(CaseStatus.AWAITING_REDETERMINATION)
    assert guards.decide(redetermining, Decide(actor=OFFICER, decision=decision)) is None


def test_a_decision_needs_the_weather_recorded_and_codes_from_the_lists():
    decision = case_factory.decision(["P1", "P2"])
    unrecorded = awaiting_decision()
    unrecorded.collection.weather = ""
    refusal = guards.decide(unrecorded, Decide(actor=OFFICER, decision=decision))
    assert code(refusal) == "MISSING_WEATHER" and refusal is not None and "天气" in refusal.reason
    free_text = decision.model_copy(update={"accident_form": "追尾碰撞", "impact_points": ["甲车前部"]})
    refusal = guards.decide(awaiting_decision(), Decide(actor=OFFICER, decision=free_text))
    assert code(refusal) == "UNKNOWN_ACCIDENT_FORM" and refusal is not None and "碰撞部位" in refusal.reason
    stray_id = decision.model_copy(update={"facts": "P1追尾P3"})
    assert code(guards.decide(awaiting_decision(), Decide(actor=OFFICER, decision=stray_id))) == (
        "UNKNOWN_PARTY_REFERENCE"
    )


def test_record_scene_by_the_seat_until_the_decision_with_codes_and_a_plausible_time():
    reported = case_factory.WORKING_MORNING
    ok = RecordScene(actor=SEAT, weather="3", road_surface="2")
    assert guards.record_scene(in_video(), ok) is None
    assert guards.record_scene(awaiting_decision(), ok) is None  # recorded late: not stuck
    assert code(guards.record_scene(in_video(), ok.model_copy(update={"actor": OFFICER}))) == "FORBIDDEN_ROLE"
    assert code(guards.record_scene(queued(), ok)) == "NOT_THE_SEAT"  # nobody took the call yet
    closed = awaiting_decision()
    closed.set_status(CaseStatus.CLOSED)
    assert code(guards.record_scene(closed, ok)) == "NOT_COLLECTING"
    decided = awaiting_decision()
    decided.determination.take(case_factory.decision(["P1", "P2"]))
    assert code(guards.record_scene(decided, ok)) == "SCENE_LOCKED"
    assert code(guards.record_scene(in_video(), RecordScene(actor=SEAT))) == "SCENE_EMPTY"
    assert code(guards.record_scene(in_video(), RecordScene(actor=SEAT, weather="晴"))) == "UNKNOWN_WEATHER"
    assert code(guards.record_scene(in_video(), RecordScene(actor=SEAT, road_surface="0"))) == (
        "UNKNOWN_ROAD_SURFACE"
    )
    earlier = RecordScene(actor=SEAT, accident_time=reported - timedelta(minutes=20))
    assert guards.record_scene(in_video(), earlier) is None
    for wrong in (reported + timedelta(minutes=1), reported - timedelta(hours=25)):
        refusal = guards.record_scene(in_video(), RecordScene(actor=SEAT, accident_time=wrong))
        assert code(refusal) == "INVALID_ACCIDENT_TIME"


def test_the_accident_time_is_the_corrected_then_the_declared_then_the_report_time():
    case = in_video()
    reported = case.inp.alert.reported_at
    assert case.accident_time == reported
    case.inp.alert.accident_time = reported - timedelta(minutes=10)
    assert case.accident_time == reported - timedelta(minutes=10)
    case.collection.record_scene(RecordScene(actor=SEAT, accident_time=reported - timedelta(minutes=30)))
    case.collection.record_scene(RecordScene(actor=SEAT, weather="2"))  # empty fields stay as they were
    snapshot = case.snapshot("wf")
    assert snapshot.accident_time == reported - timedelta(minutes=30) and snapshot.reported_at == reported
    assert (snapshot.weather, snapshot.road_surface) == ("2", "")


def test_confirm_receipt_by_a_party_once_a_notice_is_out_with_consent_to_e_service():
    assert guards.confirm_receipt(noticed(), ConfirmReceipt(actor=citizen("P1"))) is None
    assert code(guards.confirm_receipt(noticed(), ConfirmReceipt(actor=citizen("P9")))) == "NOT_A_PARTY"
    assert (
        code(guards.confirm_receipt(awaiting_decision(), ConfirmReceipt(actor=citizen("P1")))) == "NO_NOTICE"
    )
    assert (
        code(guards.confirm_receipt(noticed(consent=False), ConfirmReceipt(actor=citizen("P1"))))
        == "NO_ELECTRONIC_SERVICE_CONSENT"
    )
    revoked = noticed()  # a review concluded "redetermine": the notice out will be replaced
    revoked.set_status(CaseStatus.AWAITING_REDETERMINATION)
    assert (
        code(guards.confirm_receipt(revoked, ConfirmReceipt(actor=citizen("P1")))) == "NOTICE_BEING_REPLACED"
    )


def test_record_service_by_an_officer_for_an_unserved_party_in_the_past():
    def service(**changes: object) -> RecordService:
        base = RecordService(
            actor=OFFICER, party_id="P1", served_at=NOW - timedelta(hours=1), method="当面送达"
        )
        return base.model_copy(update=changes)

    assert guards.record_service(noticed(), service(), NOW) is None
    assert code(guards.record_service(noticed(), service(actor=SEAT), NOW)) == "FORBIDDEN_ROLE"
    assert code(guards.record_service(awaiting_decision(), service(), NOW)) == "NO_NOTICE"
    assert code(guards.record_service(noticed(), service(party_id="P9"), NOW)) == "UNKNOWN_PARTY"
    assert code(guards.record_service(served(noticed(), "P1"), service(), NOW)) == "ALREADY_SERVED"
    assert code(guards.record_service(noticed(), service(served_at=NOW + timedelta(minutes=1)), NOW)) == (
        "SERVICE_INVALID"
    )
    assert code(guards.record_service(noticed(), service(method=" "), NOW)) == "SERVICE_INVALID"


def test_record_service_refuses_a_time_before_the_notice_or_impossible():
    def service(served_at: datetime) -> RecordService:
        return RecordService(actor=OFFICER, party_id="P1", served_at=served_at, method="当面送达")

    case = noticed()
    issued = NOW - timedelta(hours=2)
    case.determination.notices[-1].issued_at = issued
    assert guards.record_service(case, service(issued + timedelta(minutes=5)), NOW) is None
    # stated to the minute: the minute the notice was issued in is not "before" it
    case.determination.notices[-1].issued_at = issued.replace(second=30)
    assert guards.record_service(case, service(issued.replace(second=0)), NOW) is None
    for when in (issued - timedelta(minutes=2), datetime(1, 1, 1, tzinfo=UTC)):
        assert code(guards.record_service(case, service(when), NOW)) == "SERVICE_BEFORE_NOTICE"
    # a notice without its time (older histories): the alert is the earliest possible service
    old = noticed()
    before_alert = old.inp.alert.reported_at - timedelta(days=1)
    assert code(guards.record_service(old, service(before_alert), NOW)) == "SERVICE_BEFORE_NOTICE"


# ---------------------------------------------------------------------- review


def test_request_review_by_a_served_party_within_its_window_once():
    review = ReviewRequest(actor=citizen("P2"), reason_code="LIABILITY")
    assert guards.request_review(served(noticed(), "P2"), review, NOW) is None
    assert code(guards.request_review(noticed(), review, NOW)) == "NOT_SERVED"
    assert code(guards.request_review(served(noticed(), "P2"), review, NOW + timedelta(days=3))) == (
        "REVIEW_WINDOW_CLOSED"
    )
    assert code(guards.request_review(under_review(), review, NOW)) == "REVIEW_ALREADY_REQUESTED"
    closed = served(noticed(), "P2")
    closed.review.window_closed = True
    assert code(guards.request_review(closed, review, NOW)) == "REVIEW_WINDOW_CLOSED"
    second_notice = served(noticed(), "P2")
    second_notice.determination.issued_version = 2
    assert code(guards.request_review(second_notice, review, NOW)) == "REVIEW_NOT_OPEN"
    no_reason = review.model_copy(update={"reason_code": " "})
    assert code(guards.request_review(served(noticed(), "P2"), no_reason, NOW)) == "REASON_REQUIRED"


def test_concur_review_by_an_independent_reviewer_while_under_review():
    concur = ConcurReview(actor=Actor(role=Role.REVIEWER, id="reviewer-2"), outcome=ReviewOutcome.UPHOLD)
    assert guards.concur_review(under_review(), concur) is None
    assert code(guards.concur_review(noticed(), concur)) == "NOT_UNDER_REVIEW"
    assert code(guards.concur_review(under_review(), concur.model_copy(update={"actor": OFFICER}))) == (
        "FORBIDDEN_ROLE"
    )
    the_officer = Actor(role=Role.REVIEWER, id=OFFICER.id)
    assert code(guards.concur_review(under_review(), concur.model_copy(update={"actor": the_officer}))) == (
        "REVIEWER_NOT_INDEPENDENT"
    )


def test_conclude_review_needs_two_independent_reviewers_who_each_concurred_and_a_reason():
    conclude = ConcludeReview(
        actor=REVIEWER, **SIGNED, outcome=ReviewOutcome.UPHOLD, reviewers=["reviewer-2"], reason="维持"
    )
    case = under_review()
    refusal = guards.conclude_review(case, conclude)
    assert (
        code(refusal) == "CO_REVIEWER_NOT_CONCURRED"
        and refusal is not None
        and "reviewer-2" in refusal.reason
    )
    co_signed = ReviewerIdentity(name="赵复核", badge_number="050002")
    case.review.concur("reviewer-2", ReviewOutcome.REDETERMINE, co_signed)  # agreed to another outcome
    assert code(guards.conclude_review(case, conclude)) == "CO_REVIEWER_NOT_CONCURRED"
    case.review.concur("reviewer-2", ReviewOutcome.UPHOLD, ReviewerIdentity())  # signed nothing
    refusal = guards.conclude_review(case, conclude)
    assert (
        code(refusal) == "REVIEWER_IDENTITY_MISSING"
        and refusal is not None
        and "reviewer-2" in refusal.reason
    )
    case.review.concur("reviewer-2", ReviewOutcome.UPHOLD, co_signed)
    unsigned_own = conclude.model_copy(update={"badge_number": " "})
    assert code(guards.conclude_review(case, unsigned_own)) == "REVIEWER_IDENTITY_MISSING"
    assert guards.conclude_review(case, conclude) is None
    assert code(guards.conclude_review(case, conclude.model_copy(update={"reviewers": []}))) == (
        "TOO_FEW_REVIEWERS"
    )
    assert code(guards.conclude_review(case, conclude.model_copy(update={"reviewers": [OFFICER.id]}))) == (
        "REVIEWER_NOT_INDEPENDENT"
    )
    assert code(guards.conclude_review(case, conclude.model_copy(update={"reason": ""}))) == "REASON_REQUIRED"
    case.review.conclusion = conclude
    assert code(guards.conclude_review(case, conclude)) == "NOT_UNDER_REVIEW"


# ---------------------------------------------------------------------- claim


def test_file_claim_once_by_a_served_verified_motor_party_while_the_case_is_open():
    claim = FileClaim(actor=citizen("P1"))
    case = verified(served(noticed(), "P1"), "P1")
    assert guards.file_claim(case, claim) is None
    assert code(guards.file_claim(verified(noticed(), "P1"), claim)) == "NOT_SERVED"
    assert code(guards.file_claim(served(noticed(), "P1"), claim)) == "NO_INSURANCE_ON_RECORD"
    case.parties["P1"].claim.in_flight = True
    assert code(guards.file_claim(case, claim)) == "CLAIM_ALREADY_FILED"
    case.parties["P1"].claim.in_flight = False
    case.parties["P1"].claim.result = ClaimResult(
        party_id="P1", insurer_code="PICC", insurer_name="人保", filed=True
    )
    assert code(guards.file_claim(case, claim)) == "CLAIM_ALREADY_FILED"
    closed = verified(served(noticed(), "P1"), "P1")
    closed.outcome = Outcome.CLOSED
    assert code(guards.file_claim(closed, claim)) == "CASE_CLOSED"


def test_a_non_motor_party_has_no_claim():
    case = noticed()
    rider = Party(party_id="P3", kind=PartyKind.NON_MOTOR, name="王骑手", phone="13900000002")
    case.parties.replace([*(ps.party for ps in case.parties), rider])
    served(case, "P3")
    case.parties["P3"].verification = PartyVerification(party_id="P3", insurer_code="PICC")
    assert code(guards.file_claim(case, FileClaim(actor=citizen("P3")))) == "NO_INSURANCE_ON_RECORD"


@pytest.mark.parametrize("status", [CaseStatus.QUEUED, CaseStatus.AWAITING_DECISION])
def test_nothing_is_served_before_a_notice(status: CaseStatus):
    case = queued()
    case.set_status(status)
    assert code(guards.confirm_receipt(case, ConfirmReceipt(actor=citizen("P1")))) == "NO_NOTICE"


def test_the_guards_take_time_as_an_argument_not_from_a_clock():
    # the same state and command, two moments: a review window judged by the moment passed in
    review = ReviewRequest(actor=citizen("P2"), reason_code="LIABILITY")
    case = served(noticed(), "P2", deadline=datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    assert guards.request_review(case, review, datetime(2026, 11, 30, 15, 59, tzinfo=UTC)) is None
    assert code(guards.request_review(case, review, datetime(2026, 11, 30, 16, 0, tzinfo=UTC))) == (
        "REVIEW_WINDOW_CLOSED"
    )


def test_the_guards_and_the_state_they_read_import_nothing_of_temporal():
    """Pure rules over pure state: importable (and testable) without the SDK or a server."""
    probe = (
        "import sys, workflows.guards; print(sorted(m for m in sys.modules if m.startswith('temporalio')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
