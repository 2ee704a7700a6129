"""The rules of every human step (update), as pure functions (case state, command) → the
refusal, or None when the step may go ahead. The update validators call them; their tests need
no Temporal server. Time comes in as an argument (the validators pass workflow.now())."""

from __future__ import annotations

from datetime import datetime

from domain import refusals as R
from domain.calendar import DEFAULT_TZ, local_date
from domain.liability import validate_decision
from domain.messages import (
    AcceptCall,
    Actor,
    AddEvidence,
    Cancel,
    CompleteCollection,
    ConcludeReview,
    ConcurReview,
    ConfirmReceipt,
    CorrectCase,
    Decide,
    FileClaim,
    HandOff,
    RecordParties,
    RecordScene,
    RecordService,
    ReviewOutcome,
    ReviewRequest,
    Role,
    SafetyChecklist,
    VideoTokenRequest,
)
from domain.models import CaseStatus, Refusal
from domain.notice_codes import validate_scene_codes
from domain.validators import duplicate_phone, has_phone, validate_accident_time, validate_party
from workflows.case_state import NOTICE_OUT, CaseState

MAX_VEHICLES = 3
MIN_REVIEWERS = 2
DECIDING = (CaseStatus.AWAITING_DECISION, CaseStatus.AWAITING_REDETERMINATION)


def combined(problems: list[Refusal]) -> Refusal | None:
    """Several problems at once (party data, a decision): the first one's code, every reason."""
    if not problems:
        return None
    return problems[0].model_copy(update={"reason": "；".join(r.reason for r in problems)})


# ---------------------------------------------------------------------- who may act


def role(actor: Actor, expected: Role) -> Refusal | None:
    return R.FORBIDDEN_ROLE.refusal() if actor.role != expected else None


def party(case: CaseState, actor: Actor) -> Refusal | None:
    """A citizen who is a party of this case."""
    if actor.role != Role.CITIZEN or actor.id not in case.parties:
        return R.NOT_A_PARTY.refusal()
    return None


def seat(case: CaseState, actor: Actor) -> Refusal | None:
    """The seat officer who took this call."""
    if refusal := role(actor, Role.SEAT):
        return refusal
    return R.NOT_THE_SEAT.refusal() if actor.id != case.seat_id else None


def collecting(case: CaseState, actor: Actor) -> Refusal | None:
    """The seat, while the evidence is being collected."""
    if refusal := seat(case, actor):
        return refusal
    return None if case.collecting else R.NOT_COLLECTING.refusal()


def still_open(case: CaseState) -> Refusal | None:
    """Races between updates that end or transform the case: each winner claims the case in its
    handler before its first await (a cancel or hand-off order, a decision, a conclusion), and the
    loser's validator, run after it, refuses here instead of being accepted and silently dropped."""
    if case.ended or case.outcome is not None:
        return R.CASE_ENDING.refusal()
    return None


def notice_out(case: CaseState) -> Refusal | None:
    notice = case.determination.current_notice()
    if notice is not None and case.status == CaseStatus.AWAITING_REDETERMINATION:
        return R.NOTICE_BEING_REPLACED.refusal()  # the review revoked it: a new one will come
    if notice is None or case.status not in NOTICE_OUT:
        return R.NO_NOTICE.refusal()
    conclusion = case.review.conclusion
    if (
        case.status == CaseStatus.UNDER_REVIEW
        and conclusion
        and conclusion.outcome == ReviewOutcome.REDETERMINE
    ):
        return R.NOTICE_BEING_REPLACED.refusal()  # the conclusion won: this notice will be revoked
    return None


# ---------------------------------------------------------------------- queue and video


def accept_call(case: CaseState, cmd: AcceptCall) -> Refusal | None:
    if refusal := role(cmd.actor, Role.SEAT):
        return refusal
    if refusal := still_open(case):  # cancelled while queued: the ending wins
        return refusal
    if case.status != CaseStatus.QUEUED or case.seat_id:  # seat_id: claimed before its first await
        return R.CALL_ALREADY_TAKEN.refusal()
    return None if case.eligible else R.NOT_YET_ACCEPTED.refusal()


def issue_video_token(case: CaseState, cmd: VideoTokenRequest) -> Refusal | None:
    who = party(case, cmd.actor) if cmd.actor.role == Role.CITIZEN else seat(case, cmd.actor)
    if who is not None:
        return who
    return None if case.video_open else R.VIDEO_NOT_AVAILABLE.refusal()


def cancel(case: CaseState, cmd: Cancel) -> Refusal | None:
    if refusal := party(case, cmd.actor):
        return refusal
    if not case.video_open or case.collection.complete:  # completed collection: verification won
        return R.TOO_LATE_TO_CANCEL.refusal()
    return None


def hand_off(case: CaseState, cmd: HandOff) -> Refusal | None:
    if not cmd.reason.strip():
        return R.REASON_REQUIRED.refusal("请填写转现场处理的原因")
    if cmd.actor.role == Role.SEAT:
        return collecting(case, cmd.actor)
    if cmd.actor.role == Role.OFFICER:
        if refusal := still_open(case):
            return refusal
        if case.status != CaseStatus.AWAITING_DECISION or case.determination.pending:
            return R.WRONG_STATE.refusal()
        return None
    return R.FORBIDDEN_ROLE.refusal("只有坐席或民警可以转现场处理")


# ---------------------------------------------------------------------- collection


def record_parties(case: CaseState, cmd: RecordParties, now: datetime) -> Refusal | None:
    if refusal := collecting(case, cmd.actor):
        return refusal
    ids = [p.party_id for p in cmd.parties]
    if not ids or len(set(ids)) != len(ids):
        return R.PARTIES_INVALID.refusal()
    if sum(1 for p in cmd.parties if p.vehicle is not None) > MAX_VEHICLES:
        return R.TOO_MANY_VEHICLES.refusal(f"线上快处最多处理{MAX_VEHICLES}辆机动车")
    today = local_date(now, DEFAULT_TZ)
    if refusal := combined([r for p in cmd.parties for r in validate_party(p, today)]):
        return refusal
    if refusal := duplicate_phone(cmd.parties):
        return refusal
    # the reporter follows the case by its mobile (login, SMS): dropping it loses the case
    if not has_phone(cmd.parties, case.inp.alert.reporter_phone):
        return R.REPORTER_DROPPED.refusal(field="parties")
    return None


def correct_case(case: CaseState, cmd: CorrectCase) -> Refusal | None:
    """The seat while collecting, or an officer before a decision is taken, corrects the address or
    the account (e.g. an address no notice font prints), with a reason."""
    if cmd.actor.role == Role.SEAT:
        if refusal := collecting(case, cmd.actor):
            return refusal
    elif cmd.actor.role == Role.OFFICER:
        if case.status not in DECIDING or case.determination.pending:
            return R.NOT_CORRECTABLE.refusal()
    else:
        return R.FORBIDDEN_ROLE.refusal("只有坐席或民警可以更正案件信息")
    if not cmd.address.strip() and not cmd.description.strip():
        return R.CORRECTION_EMPTY.refusal()
    if not cmd.reason.strip():
        return R.REASON_REQUIRED.refusal("请说明更正的理由")
    return None


def add_evidence(case: CaseState, cmd: AddEvidence) -> Refusal | None:
    if refusal := collecting(case, cmd.actor):
        return refusal
    if case.collection.has_evidence(cmd.evidence.evidence_id):
        return R.EVIDENCE_DUPLICATE.refusal()
    party_id = cmd.evidence.party_id
    if party_id and party_id not in case.parties:
        return R.UNKNOWN_PARTY.refusal(f"案件中没有当事人 {party_id}")
    return None


def tick_safety(case: CaseState, cmd: SafetyChecklist) -> Refusal | None:
    return collecting(case, cmd.actor)


def record_scene(case: CaseState, cmd: RecordScene) -> Refusal | None:
    """The seat of the case, while collecting or until the officer decides (a case collected
    before the seat could record the weather must not be stuck without it)."""
    if refusal := seat(case, cmd.actor):
        return refusal
    if not case.collecting:
        if case.status not in DECIDING or case.ended:
            return R.NOT_COLLECTING.refusal()
        if case.determination.pending:
            return R.SCENE_LOCKED.refusal()
    if not (cmd.weather or cmd.road_surface or cmd.accident_time):
        return R.SCENE_EMPTY.refusal()
    problems = validate_scene_codes(cmd.weather, cmd.road_surface)
    if time_refusal := validate_accident_time(cmd.accident_time, case.inp.alert.reported_at):
        problems.append(time_refusal)
    return combined(problems)


def complete_collection(case: CaseState, cmd: CompleteCollection) -> Refusal | None:
    if refusal := collecting(case, cmd.actor):
        return refusal
    if not case.collection.safe:
        return R.SAFETY_CHECKLIST_INCOMPLETE.refusal()
    if missing := case.collection.missing_shots(case.parties.vehicles()):
        return R.SHOT_LIST_INCOMPLETE.refusal("取证清单未完成：" + "、".join(missing))
    for ps in case.parties:
        if ps.is_motor and (ps.party.vehicle is None or not ps.party.licence_number):
            return R.PARTY_INCOMPLETE.refusal(f"当事人 {ps.party_id} 缺少车辆或驾驶证信息")
    return None


# ---------------------------------------------------------------------- decision and service


def decide(case: CaseState, cmd: Decide) -> Refusal | None:
    if refusal := role(cmd.actor, Role.OFFICER):
        return refusal
    if refusal := still_open(case):  # a hand-off accepted first: the decision is refused, not dropped
        return refusal
    if case.status not in DECIDING:
        return R.NOT_AWAITING_DECISION.refusal()
    if case.determination.pending:
        return R.ALREADY_DECIDED.refusal()
    if cmd.actor.id == case.seat_id:
        return R.SEAT_CANNOT_DECIDE.refusal()
    if not case.collection.weather:  # the notice prints what was recorded, never a default
        return R.MISSING_WEATHER.refusal(field="weather")
    return combined(validate_decision(cmd.decision, case.parties.ids))


def confirm_receipt(case: CaseState, cmd: ConfirmReceipt) -> Refusal | None:
    if refusal := party(case, cmd.actor) or notice_out(case):
        return refusal
    if not case.inp.alert.consent_electronic_service:
        return R.NO_ELECTRONIC_SERVICE_CONSENT.refusal()
    return None


def record_service(case: CaseState, cmd: RecordService, now: datetime) -> Refusal | None:
    if cmd.actor.role not in (Role.OFFICER, Role.ADMIN):
        return R.FORBIDDEN_ROLE.refusal("只有民警可以登记其他方式送达")
    if refusal := notice_out(case):
        return refusal
    ps = case.parties.get(cmd.party_id)
    if ps is None:
        return R.UNKNOWN_PARTY.refusal(f"案件中没有当事人 {cmd.party_id}")
    if ps.service.done:
        return R.ALREADY_SERVED.refusal()
    if cmd.served_at > now or not cmd.method.strip():
        return R.SERVICE_INVALID.refusal()
    # never before the notice it serves (0001-01-01 included): the review window would start
    # before the notice existed, and a year without holiday data could never be counted
    notice = case.determination.current_notice()
    issued = notice.issued_at if notice is not None and notice.issued_at else case.inp.alert.reported_at
    # a service time is stated to the minute (the officer's form): the notice's minute counts
    if cmd.served_at < issued.replace(second=0, microsecond=0):
        return R.SERVICE_BEFORE_NOTICE.refusal()
    return None


# ---------------------------------------------------------------------- review


def request_review(case: CaseState, cmd: ReviewRequest, now: datetime) -> Refusal | None:
    if refusal := party(case, cmd.actor):
        return refusal
    review = case.review
    if review.requested:
        return R.REVIEW_ALREADY_REQUESTED.refusal()
    if review.window_closed:
        return R.REVIEW_WINDOW_CLOSED.refusal()
    first_notice = case.determination.first_notice_issued
    if case.status not in (CaseStatus.NOTICE_SENT, CaseStatus.SERVED) or not first_notice:
        return R.REVIEW_NOT_OPEN.refusal()
    service = case.parties[cmd.actor.id].service
    if service.served_at is None or (service.review_deadline is None and not service.deadline_pending):
        return R.NOT_SERVED.refusal()
    # a deadline not computable yet (no holiday data for its year) has not passed for the citizen
    if service.review_deadline is not None and now >= service.review_deadline:
        return R.REVIEW_WINDOW_CLOSED.refusal()
    if not cmd.reason_code.strip():
        return R.REASON_REQUIRED.refusal("请说明申请复核的理由")
    return None


def _reviewing(case: CaseState, actor: Actor) -> Refusal | None:
    """A reviewer, while the review is open."""
    if refusal := role(actor, Role.REVIEWER):
        return refusal
    if case.status != CaseStatus.UNDER_REVIEW or case.review.concluded:
        return R.NOT_UNDER_REVIEW.refusal()
    return None


def concur_review(case: CaseState, cmd: ConcurReview) -> Refusal | None:
    if refusal := _reviewing(case, cmd.actor):
        return refusal
    return R.REVIEWER_NOT_INDEPENDENT.refusal() if cmd.actor.id == case.officer_id else None


def conclude_review(case: CaseState, cmd: ConcludeReview) -> Refusal | None:
    """At least two reviewers, none the deciding officer, each agreeing to the outcome."""
    if refusal := _reviewing(case, cmd.actor):
        return refusal
    reviewers = set(cmd.reviewers) | {cmd.actor.id}
    if len(reviewers) < MIN_REVIEWERS:
        return R.TOO_FEW_REVIEWERS.refusal()
    if case.officer_id in reviewers:
        return R.REVIEWER_NOT_INDEPENDENT.refusal()
    if silent := case.review.not_concurred(cmd):
        return R.CO_REVIEWER_NOT_CONCURRED.refusal("其他复核民警尚未确认同一复核结论：" + "、".join(silent))
    if unsigned := case.review.unsigned(cmd):  # the written conclusion names every reviewer
        return R.REVIEWER_IDENTITY_MISSING.refusal(
            "复核结论须写明每位复核民警的姓名和警号，缺少：" + "、".join(unsigned)
        )
    if not cmd.reason.strip():
        return R.REASON_REQUIRED.refusal("请写明复核结论的理由")
    return None


# ---------------------------------------------------------------------- claim


def file_claim(case: CaseState, cmd: FileClaim) -> Refusal | None:
    if refusal := party(case, cmd.actor):
        return refusal
    ps = case.parties[cmd.actor.id]
    if case.outcome is not None:
        return R.CASE_CLOSED.refusal("案件已办结，请直接联系保险公司报案")
    if not ps.service.done:
        return R.NOT_SERVED.refusal("请先查看并确认收到事故认定书，再报保险")
    if not ps.claimable:
        return R.NO_INSURANCE_ON_RECORD.refusal()
    return R.CLAIM_ALREADY_FILED.refusal() if ps.claim.taken else None
