"""AccidentCaseWorkflow: one durable workflow per accident case, from alert to close.

Human steps are updates with validators (a refused update leaves the case unchanged and tells
why); video-provider events are signals; `view` is the query. Every wait is a named timer whose
expiry is a named outcome. Activities are called through their declarations (domain/activity_contracts.py,
workflows/activity_calls.py) so that this module imports nothing but domain/ and temporalio."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain import activity_contracts as act
    from domain import refusals as R
    from domain.calendar import calendar_deadline, local_date
    from domain.case_view import CaseSnapshot, PartySnapshot, case_view
    from domain.liability import validate_decision
    from domain.messages import (
        WORKFLOW_NAME,
        AcceptCall,
        Actor,
        AddEvidence,
        Cancel,
        CaseInput,
        CaseView,
        ClaimResult,
        CompleteCollection,
        ConcludeReview,
        ConcurReview,
        ConfirmReceipt,
        Deadline,
        Decide,
        FileClaim,
        HandOff,
        HandOffReason,
        NoticeRef,
        Outcome,
        PartyVerification,
        RecordParties,
        RecordService,
        ReviewOutcome,
        ReviewRequest,
        Role,
        SafetyChecklist,
        VideoAccess,
        VideoEvent,
        VideoEventKind,
        VideoTokenRequest,
    )
    from domain.models import (
        CaseStatus,
        Decision,
        EvidenceKind,
        EvidenceRef,
        InsurancePolicy,
        Liability,
        NoticeKind,
        Party,
        PartyKind,
        Refusal,
    )
    from domain.refusals import RefusalCode
    from domain.validators import validate_party
    from workflows import search_attributes as sa
    from workflows.activity_calls import call

SHANGHAI = "Asia/Shanghai"
MAX_VEHICLES = 3
MIN_REVIEWERS = 2

ENDED = (CaseStatus.CLOSED, CaseStatus.REFUSED, CaseStatus.CANCELLED, CaseStatus.HANDED_TO_PATROL)

# The shot list that must be complete before collection ends (plates: one per motor vehicle).
REQUIRED_SHOTS = (
    EvidenceKind.OVERVIEW_FRONT,
    EvidenceKind.OVERVIEW_REAR,
    EvidenceKind.IMPACT_POINT,
    EvidenceKind.GROUP_PHOTO,
)


def refused(refusal: Refusal) -> ApplicationError:
    """The error an update validator raises: the API answers with the status of the code's kind
    (domain.refusals) and this reason."""
    return ApplicationError(refusal.reason, refusal.model_dump(), type=refusal.code, non_retryable=True)


def refuse(code: RefusalCode, reason: str | None = None) -> ApplicationError:
    return refused(code.refusal(reason))


def refuse_all(problems: list[Refusal]) -> ApplicationError:
    """Several problems at once (party data, a decision): the first one's code, every reason."""
    return refused(problems[0].model_copy(update={"reason": "；".join(r.reason for r in problems)}))


def _cause(err: ActivityError) -> str:
    """The reason an activity gave up (its ApplicationError's message): codes and short texts
    only, the adapters keep personal data out of them."""
    cause = err.cause
    return cause.message if isinstance(cause, ApplicationError) else str(cause or err)


class PartyState:
    def __init__(self, party: Party) -> None:
        self.party = party
        self.liability: Liability | None = None
        self.verification: PartyVerification | None = None
        self.served_at: datetime | None = None
        self.service_method: str = ""
        self.review_deadline: datetime | None = None
        self.claim: ClaimResult | None = None
        self.serving = False  # the review deadline is being computed
        self.claiming = False  # a claim report is under way

    @property
    def is_motor(self) -> bool:
        return self.party.kind == PartyKind.MOTOR_DRIVER


@workflow.defn(name=WORKFLOW_NAME)
class AccidentCaseWorkflow:
    @workflow.init
    def __init__(self, inp: CaseInput) -> None:
        self._in = inp
        self._case = inp.case_number
        self._status = CaseStatus.QUEUED
        self._eligible = False  # until the eligibility activity said so
        self._district = inp.district
        self._area = inp.area
        self._parties: dict[str, PartyState] = {p.party_id: PartyState(p) for p in inp.alert.parties}
        self._seat_id = ""
        self._officer_id = ""
        self._room: act.RoomInfo | None = None
        self._room_ended = False
        self._rooms_created = 0
        self._room_lock = asyncio.Lock()
        self._citizens_connected: set[str] = set()
        self._video_event_at: dict[str, datetime] = {}  # newest provider timestamp per participant
        self._video_down_since: datetime | None = None
        self._evidence: list[EvidenceRef] = []
        self._safety: SafetyChecklist | None = None
        self._collection_complete = False
        self._cancel: Cancel | None = None
        self._handoff: tuple[HandOffReason, str, Actor] | None = None
        self._decision: Decision | None = None
        self._decided_version = 0  # bumped by each decision
        self._decision_refusal: Refusal | None = None  # why the last decision's notice failed
        self._decision_version = 0  # the decision version the issued notices reflect
        self._notices: list[NoticeRef] = []
        self._noticed_decisions: list[Decision] = []  # the decision behind each determination notice
        self._review: ReviewRequest | None = None
        self._review_requested_at: datetime | None = None
        self._review_conclusion: ConcludeReview | None = None
        self._review_window_closed = False
        self._concurrences: dict[str, ReviewOutcome] = {}  # co-reviewer id -> the outcome they agreed
        self._deadlines: dict[str, datetime] = {}
        self._outcome: Outcome | None = None
        self._outcome_reason = ""
        self._refusals: list[Refusal] = []
        self._seq = 0  # numbers the read-model snapshots

    # ------------------------------------------------------------------ main line

    @workflow.run
    async def run(self, inp: CaseInput) -> CaseView:
        timers = inp.timers
        eligibility = await call(act.check_eligibility, act.EligibilityRequest(alert=inp.alert))
        if not eligibility.eligible:
            self._refusals = eligibility.refusals
            return await self._finish(
                Outcome.REFUSED, CaseStatus.REFUSED, "; ".join(r.code for r in eligibility.refusals)
            )
        self._eligible = True
        self._district = eligibility.district or self._district
        self._area = eligibility.area or self._area
        await self._record("alert_received", self._system())
        await self._sms_reporter(act.SmsTemplate.ALERT_RECEIVED)

        # queue: a seat must answer in time, or a patrol goes
        answered = await self._wait(
            lambda: bool(self._seat_id) or self._ended(), timers.seat_answer, "seat_answer"
        )
        if self._ended():
            return await self._finish_ended()
        if not answered:
            return await self._hand_off(
                HandOffReason.SEAT_NO_ANSWER, "无坐席在规定时间内接听", self._system()
            )

        await self._collect(timers.video_lost)
        if self._ended():
            return await self._finish_ended()

        if not await self._verify():
            return await self._hand_off(
                HandOffReason.VERIFICATION_FAILED,
                "；".join(r.reason for r in self._refusals),
                self._system(),
            )

        await self._close_room()
        for ps in self._parties.values():
            await self._sms(ps, act.SmsTemplate.YOU_MAY_LEAVE, "leave")
        await self._set_status(CaseStatus.AWAITING_DECISION, "collection_verified", self._system())

        if not await self._decide_and_notify(timers.decision_escalation, "decision"):
            return await self._finish_ended()

        await self._serve_and_wait_window()
        if self._review is not None:
            await self._conduct_review()
        return await self._claims_then_close()

    # ------------------------------------------------------------------ phases

    async def _collect(self, video_lost: timedelta) -> None:
        """Video and evidence collection, until the seat completes it. A video drop that is not
        resumed (继续处理) in time hands the case to a patrol."""
        while not (self._collection_complete or self._ended()):
            if self._video_down_since is None:
                await workflow.wait_condition(
                    lambda: self._collection_complete or self._ended() or self._video_down_since is not None
                )
                continue
            remaining = self._video_down_since + video_lost - workflow.now()
            resumed = await self._wait(
                lambda: self._collection_complete or self._ended() or self._video_down_since is None,
                remaining,
                "video_resume",
            )
            if not resumed:
                self._handoff = (HandOffReason.VIDEO_LOST, "视频中断后未在规定时间内继续处理", self._system())

    async def _verify(self) -> bool:
        await self._set_status(CaseStatus.VERIFYING, "collection_completed", self._system())
        accident_date = self._local_date(self._in.alert.reported_at)
        motor = [ps for ps in self._parties.values() if ps.is_motor]
        try:
            results = await self._verify_all(motor, accident_date)
        except ActivityError as err:  # the registry refused the request itself (not a check result)
            self._refusals.append(R.REGISTRY_ERROR.refusal(f"核验系统无法完成核验：{_cause(err)}"))
            await self._record("verification_error", self._system(), {"error": _cause(err)})
            return False
        for ps, result in zip(motor, results, strict=True):
            ps.verification = result
            self._refusals.extend(result.refusals)
        await self._record("verification_done", self._system(), {"failed": [r.code for r in self._refusals]})
        return not self._refusals

    async def _verify_all(self, motor: list[PartyState], accident_date: date) -> list[PartyVerification]:
        return await asyncio.gather(
            *(
                call(
                    act.verify_party,
                    act.VerifyRequest(case_number=self._case, party=ps.party, accident_date=accident_date),
                )
                for ps in motor
            )
        )

    async def _await_decision(self, escalation: timedelta, kind: str) -> bool:
        """Wait for the officer. Past the escalation time a record goes to the supervisors' list
        and the wait goes on. False when the case ended (handed off) instead."""
        decided = await self._wait(lambda: self._decision_pending() or self._ended(), escalation, kind)
        if not decided:
            await self._record(
                f"{kind}_overdue", self._system(), {"after_minutes": escalation / timedelta(minutes=1)}
            )
            await workflow.wait_condition(lambda: self._decision_pending() or self._ended())
        return not self._ended()

    async def _decide_and_notify(self, escalation: timedelta, kind: str) -> bool:
        """Wait for a decision and issue its notice. A notice that cannot be issued (a character
        no font prints, say) refuses that decision with the reason; the officer decides again."""
        while await self._await_decision(escalation, kind):
            try:
                await self._issue_determination()
                return True
            except ActivityError as err:
                self._decision_refusal = R.NOTICE_INVALID.refusal(f"认定书无法出具：{_cause(err)}")
                self._decided_version = self._decision_version
                await self._record("notice_failed", self._system(), {"error": _cause(err)})
        return False

    async def _issue_determination(self) -> None:
        """Render, sign and send the notice of the current decision; revoke the previous one."""
        assert self._decision is not None
        version = self._decision_version + 1
        now = workflow.now()
        previous = self._current_notice()
        # the notice states the registry's insurer and policy, and the district of the geofence
        parties = [self._party_with_policy(ps) for ps in self._parties.values()]
        location = self._in.alert.location
        if not location.district:
            location = location.model_copy(update={"district": self._district})
        notice = await self._issue_notice(
            act.IssueNoticeRequest(
                case_number=self._case,
                version=version,
                decision=self._decision,
                parties=parties,
                location=location,
                accident_time=self._in.alert.reported_at,
                issued_at=now,
            )
        )
        if previous is not None:
            await self._issue_notice(
                act.IssueNoticeRequest(
                    case_number=self._case,
                    version=version,
                    kind=NoticeKind.REVOCATION,
                    decision=self._decision,
                    parties=parties,
                    location=location,
                    accident_time=self._in.alert.reported_at,
                    issued_at=now,
                    revokes=previous,
                    revoked_decision=self._noticed_decisions[-1],
                    replacement=notice,
                    revocation_reason=self._review_conclusion.reason if self._review_conclusion else "",
                )
            )
        self._noticed_decisions.append(self._decision)
        if previous is None and workflow.patched("retain-evidence-on-decision"):
            # the decision rests on the evidence: keep it (recordings too) permanently
            await call(act.retain_evidence, self._case)
        for ps in self._parties.values():
            ps.liability = self._decision.liabilities.get(ps.party.party_id)
            ps.served_at = None  # the new notice must be served again
            ps.review_deadline = None
        self._decision_version = version
        await self._set_status(
            CaseStatus.NOTICE_SENT, "notice_issued", self._system(), {"notice": notice.notice_number}
        )
        template = act.SmsTemplate.DECISION_NOTICE if previous is None else act.SmsTemplate.NOTICE_REVOKED
        for ps in self._parties.values():
            await self._sms(ps, template, f"notice-v{version}", {"notice_number": notice.notice_number})

    async def _serve_and_wait_window(self, review_open: bool = True) -> None:
        """Until every party is served (reminder, then a record that service must be done another
        way) and, for the first notice, every review window has passed or a review is requested.
        A notice issued after a review opens no window: one review per accident."""
        timers = self._in.timers

        def review_requested() -> bool:
            return review_open and self._review is not None

        def served_or_review() -> bool:
            return self._all_served() or review_requested()

        if not await self._wait(served_or_review, timers.notice_reminder, "notice_reminder"):
            for ps in self._unserved():
                await self._sms(ps, act.SmsTemplate.NOTICE_REMINDER, f"reminder-v{self._decision_version}")
            await self._record("notice_reminder_sent", self._system(), {"parties": self._unserved_ids()})
            if not await self._wait(served_or_review, timers.service_fallback, "service_fallback"):
                await self._record(
                    "service_by_other_means_required", self._system(), {"parties": self._unserved_ids()}
                )
                await workflow.wait_condition(served_or_review)
        if review_requested():
            return
        await self._set_status(CaseStatus.SERVED, "notice_served", self._system())
        window_end = self._review_window_end()
        if review_open and window_end is not None:
            await self._wait(review_requested, window_end - workflow.now(), "review_window")
        if review_open and self._review is None:
            self._review_window_closed = True

    async def _conduct_review(self) -> None:
        timers = self._in.timers
        assert self._review_requested_at is not None
        due = calendar_deadline(self._review_requested_at, timers.review_conclusion_days, SHANGHAI)
        concluded = await self._wait(
            lambda: self._review_conclusion is not None, due - workflow.now(), "review_conclusion"
        )
        if not concluded:
            await self._record("review_conclusion_overdue", self._system())
            await workflow.wait_condition(lambda: self._review_conclusion is not None)
        conclusion = self._review_conclusion
        assert conclusion is not None
        for ps in self._parties.values():
            await self._sms(
                ps, act.SmsTemplate.REVIEW_RESULT, "review-result", {"outcome": conclusion.outcome.value}
            )
        if conclusion.outcome == ReviewOutcome.UPHOLD:
            await self._set_status(CaseStatus.SERVED, "review_upheld", conclusion.actor)
            if self._unserved() and workflow.patched("serve-after-upheld-review"):
                # a review requested before every party was served: serve the rest
                await self._serve_and_wait_window(review_open=False)
            return
        due = await self._working_days_deadline(workflow.now(), timers.redetermination_working_days)
        await self._set_status(
            CaseStatus.AWAITING_REDETERMINATION, "redetermination_ordered", conclusion.actor
        )
        if not await self._decide_and_notify(due - workflow.now(), "redetermination"):
            return
        await self._notify_insurers_of_amendment()
        # one review per accident: the new notice is served, without a second review window
        await self._serve_and_wait_window(review_open=False)

    async def _claims_then_close(self) -> CaseView:
        """Claims stay open for a grace period after the review window; the case then closes."""
        claimable = [ps for ps in self._parties.values() if self._claimable(ps)]
        await self._wait(
            lambda: all(ps.claim is not None for ps in claimable), self._in.timers.claim_grace, "claim_grace"
        )
        return await self._finish(Outcome.CLOSED, CaseStatus.CLOSED, "")

    # ------------------------------------------------------------------ endings

    def _ended(self) -> bool:
        return self._cancel is not None or self._handoff is not None

    async def _finish_ended(self) -> CaseView:
        if self._cancel is not None:
            return await self._finish(
                Outcome.CANCELLED,
                CaseStatus.CANCELLED,
                self._cancel.reason or "当事人取消",
                self._cancel.actor,
            )
        assert self._handoff is not None
        reason, text, actor = self._handoff
        return await self._hand_off(reason, text, actor)

    async def _hand_off(self, reason: HandOffReason, text: str, actor: Actor) -> CaseView:
        self._handoff = (reason, text, actor)
        for ps in self._parties.values():
            await self._sms(ps, act.SmsTemplate.HANDED_TO_PATROL, "handoff")
        return await self._finish(
            Outcome.HANDED_TO_PATROL, CaseStatus.HANDED_TO_PATROL, f"{reason.value}: {text}", actor
        )

    async def _finish(
        self, outcome: Outcome, status: CaseStatus, reason: str, actor: Actor | None = None
    ) -> CaseView:
        self._outcome = outcome
        self._outcome_reason = reason
        self._deadlines.clear()
        if outcome == Outcome.REFUSED:
            await self._sms_reporter(act.SmsTemplate.REFUSED)
        await self._close_room()
        await self._set_status(status, f"case_{outcome.value}", actor or self._system(), {"reason": reason})
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.view()

    # ------------------------------------------------------------------ updates

    @workflow.update
    async def accept_call(self, cmd: AcceptCall) -> CaseView:
        self._seat_id = cmd.actor.id
        await self._set_status(CaseStatus.IN_VIDEO, "call_accepted", cmd.actor)
        if (not self._citizens_connected or self._room_ended) and workflow.patched("video-clock-at-accept"):
            # nobody on the video (never joined, or dropped while queued): the resume clock runs
            self._video_down_since = workflow.now()
        for ps in self._parties.values():
            await self._sms(ps, act.SmsTemplate.SEAT_CONNECTED, "seat-connected")
        return self.view()

    @accept_call.validator
    def _validate_accept_call(self, cmd: AcceptCall) -> None:
        self._require_role(cmd.actor, Role.SEAT)
        if self._status != CaseStatus.QUEUED:
            raise refuse(R.CALL_ALREADY_TAKEN)
        if not self._eligible:
            raise refuse(R.NOT_YET_ACCEPTED)

    @workflow.update
    async def issue_video_token(self, cmd: VideoTokenRequest) -> VideoAccess:
        """Join or resume the video (继续处理): a fresh token, and a fresh room if it ended."""
        await workflow.wait_condition(lambda: self._eligible or self._outcome is not None)
        if not self._eligible:  # refused: no room for a case that will not be handled online
            raise refuse(R.NOT_ELIGIBLE, "；".join(r.reason for r in self._refusals) or "不符合线上快处条件")
        async with self._room_lock:  # two parties joining at once get the same room
            await self._ensure_room()
        assert self._room is not None
        identity = self._identity(cmd.actor)
        access = await call(
            act.issue_video_token, act.TokenRequest(room_name=self._room.room_name, identity=identity)
        )
        await self._record("video_token_issued", cmd.actor, {"room": self._room.room_name})
        return access

    @issue_video_token.validator
    def _validate_issue_video_token(self, cmd: VideoTokenRequest) -> None:
        if cmd.actor.role == Role.CITIZEN:
            self._require_party(cmd.actor)
        else:
            self._require_seat(cmd.actor)
        if self._status not in (CaseStatus.QUEUED, CaseStatus.IN_VIDEO) or self._ended():
            raise refuse(R.VIDEO_NOT_AVAILABLE)

    @workflow.update
    async def record_parties(self, cmd: RecordParties) -> CaseView:
        old = self._parties
        self._parties = {p.party_id: old.get(p.party_id, PartyState(p)) for p in cmd.parties}
        for p in cmd.parties:
            self._parties[p.party_id].party = p
        await self._record("parties_recorded", cmd.actor, {"parties": list(self._parties)})
        return self.view()

    @record_parties.validator
    def _validate_record_parties(self, cmd: RecordParties) -> None:
        self._require_collecting(cmd.actor)
        ids = [p.party_id for p in cmd.parties]
        if not ids or len(set(ids)) != len(ids):
            raise refuse(R.PARTIES_INVALID)
        if sum(1 for p in cmd.parties if p.vehicle is not None) > MAX_VEHICLES:
            raise refuse(R.TOO_MANY_VEHICLES, f"线上快处最多处理{MAX_VEHICLES}辆机动车")
        today = self._local_date(workflow.now())
        problems = [r for p in cmd.parties for r in validate_party(p, today)]
        if problems:
            raise refuse_all(problems)

    @workflow.update
    async def add_evidence(self, cmd: AddEvidence) -> CaseView:
        self._evidence.append(cmd.evidence)
        await self._record(
            "evidence_added",
            cmd.actor,
            {"evidence_id": cmd.evidence.evidence_id, "kind": cmd.evidence.kind.value},
        )
        return self.view()

    @add_evidence.validator
    def _validate_add_evidence(self, cmd: AddEvidence) -> None:
        self._require_collecting(cmd.actor)
        if any(e.evidence_id == cmd.evidence.evidence_id for e in self._evidence):
            raise refuse(R.EVIDENCE_DUPLICATE)
        if cmd.evidence.party_id and cmd.evidence.party_id not in self._parties:
            raise refuse(R.UNKNOWN_PARTY, f"案件中没有当事人 {cmd.evidence.party_id}")

    @workflow.update
    async def tick_safety(self, cmd: SafetyChecklist) -> CaseView:
        self._safety = cmd
        await self._record(
            "safety_checked",
            cmd.actor,
            {
                "hazard_lights": cmd.hazard_lights,
                "warning_triangle": cmd.warning_triangle,
                "people_off_carriageway": cmd.people_off_carriageway,
            },
        )
        return self.view()

    @tick_safety.validator
    def _validate_tick_safety(self, cmd: SafetyChecklist) -> None:
        self._require_collecting(cmd.actor)

    @workflow.update
    async def complete_collection(self, cmd: CompleteCollection) -> CaseView:
        self._collection_complete = True
        await self._record("collection_completed", cmd.actor)
        await workflow.wait_condition(
            lambda: self._status != CaseStatus.VERIFYING and self._status != CaseStatus.IN_VIDEO
        )
        return self.view()

    @complete_collection.validator
    def _validate_complete_collection(self, cmd: CompleteCollection) -> None:
        self._require_collecting(cmd.actor)
        s = self._safety
        if s is None or not (s.hazard_lights and s.warning_triangle and s.people_off_carriageway):
            raise refuse(R.SAFETY_CHECKLIST_INCOMPLETE)
        kinds = [e.kind for e in self._evidence]
        missing = [k.value for k in REQUIRED_SHOTS if k not in kinds]
        vehicles = sum(1 for ps in self._parties.values() if ps.party.vehicle is not None)
        if kinds.count(EvidenceKind.PLATE) < vehicles:
            missing.append(f"plate×{vehicles - kinds.count(EvidenceKind.PLATE)}")
        if missing:
            raise refuse(R.SHOT_LIST_INCOMPLETE, "取证清单未完成：" + "、".join(missing))
        for ps in self._parties.values():
            if ps.is_motor and (ps.party.vehicle is None or not ps.party.licence_number):
                raise refuse(R.PARTY_INCOMPLETE, f"当事人 {ps.party.party_id} 缺少车辆或驾驶证信息")

    @workflow.update
    async def hand_off(self, cmd: HandOff) -> CaseView:
        reason = HandOffReason.SEAT_DECIDED if cmd.actor.role == Role.SEAT else HandOffReason.OFFICER_DECIDED
        self._handoff = (reason, cmd.reason, cmd.actor)
        await workflow.wait_condition(lambda: self._status in ENDED)
        return self.view()

    @hand_off.validator
    def _validate_hand_off(self, cmd: HandOff) -> None:
        if not cmd.reason.strip():
            raise refuse(R.REASON_REQUIRED, "请填写转现场处理的原因")
        if cmd.actor.role == Role.SEAT:
            self._require_collecting(cmd.actor)
        elif cmd.actor.role == Role.OFFICER:
            if self._status not in (CaseStatus.AWAITING_DECISION,) or self._decision_pending():
                raise refuse(R.WRONG_STATE)
        else:
            raise refuse(R.FORBIDDEN_ROLE, "只有坐席或民警可以转现场处理")

    @workflow.update
    async def cancel(self, cmd: Cancel) -> CaseView:
        self._cancel = cmd
        await workflow.wait_condition(lambda: self._status in ENDED)
        return self.view()

    @cancel.validator
    def _validate_cancel(self, cmd: Cancel) -> None:
        self._require_party(cmd.actor)
        if self._status not in (CaseStatus.QUEUED, CaseStatus.IN_VIDEO) or self._ended():
            raise refuse(R.TOO_LATE_TO_CANCEL)

    @workflow.update
    async def decide(self, cmd: Decide) -> CaseView:
        self._officer_id = cmd.actor.id
        self._decision = cmd.decision
        self._decided_version = self._decision_version + 1
        self._upsert_search_attributes()
        await self._record(
            "decided",
            cmd.actor,
            {"liabilities": {k: v.value for k, v in cmd.decision.liabilities.items()}},
        )
        await workflow.wait_condition(lambda: not self._decision_pending() or self._ended())
        if self._decision_refusal is not None:
            refusal, self._decision_refusal = self._decision_refusal, None
            raise refused(refusal)
        return self.view()

    @decide.validator
    def _validate_decide(self, cmd: Decide) -> None:
        self._require_role(cmd.actor, Role.OFFICER)
        if self._status not in (CaseStatus.AWAITING_DECISION, CaseStatus.AWAITING_REDETERMINATION):
            raise refuse(R.NOT_AWAITING_DECISION)
        if self._decision_pending():
            raise refuse(R.ALREADY_DECIDED)
        if cmd.actor.id == self._seat_id:
            raise refuse(R.SEAT_CANNOT_DECIDE)
        problems = validate_decision(cmd.decision, list(self._parties))
        if problems:
            raise refuse_all(problems)

    @workflow.update
    async def confirm_receipt(self, cmd: ConfirmReceipt) -> CaseView:
        await self._serve(self._parties[cmd.actor.id], workflow.now(), "electronic", cmd.actor)
        return self.view()

    @confirm_receipt.validator
    def _validate_confirm_receipt(self, cmd: ConfirmReceipt) -> None:
        self._require_party(cmd.actor)
        self._require_notice()
        if not self._in.alert.consent_electronic_service:
            raise refuse(R.NO_ELECTRONIC_SERVICE_CONSENT)

    @workflow.update
    async def record_service(self, cmd: RecordService) -> CaseView:
        await self._serve(self._parties[cmd.party_id], cmd.served_at, cmd.method, cmd.actor)
        return self.view()

    @record_service.validator
    def _validate_record_service(self, cmd: RecordService) -> None:
        if cmd.actor.role not in (Role.OFFICER, Role.ADMIN):
            raise refuse(R.FORBIDDEN_ROLE, "只有民警可以登记其他方式送达")
        self._require_notice()
        ps = self._parties.get(cmd.party_id)
        if ps is None:
            raise refuse(R.UNKNOWN_PARTY, f"案件中没有当事人 {cmd.party_id}")
        if ps.served_at is not None:
            raise refuse(R.ALREADY_SERVED)
        if cmd.served_at > workflow.now() or not cmd.method.strip():
            raise refuse(R.SERVICE_INVALID)

    @workflow.update
    async def request_review(self, cmd: ReviewRequest) -> CaseView:
        self._review = cmd
        self._review_requested_at = workflow.now()
        await self._set_status(
            CaseStatus.UNDER_REVIEW, "review_requested", cmd.actor, {"reason": cmd.reason_code}
        )
        for ps in self._parties.values():
            await self._sms(ps, act.SmsTemplate.REVIEW_RECEIVED, "review-received")
        return self.view()

    @request_review.validator
    def _validate_request_review(self, cmd: ReviewRequest) -> None:
        self._require_party(cmd.actor)
        if self._review is not None:
            raise refuse(R.REVIEW_ALREADY_REQUESTED)
        if self._review_window_closed:
            raise refuse(R.REVIEW_WINDOW_CLOSED)
        if self._status not in (CaseStatus.NOTICE_SENT, CaseStatus.SERVED) or self._decision_version != 1:
            raise refuse(R.REVIEW_NOT_OPEN)
        ps = self._parties[cmd.actor.id]
        if ps.served_at is None or ps.review_deadline is None:
            raise refuse(R.NOT_SERVED)
        if workflow.now() >= ps.review_deadline:
            raise refuse(R.REVIEW_WINDOW_CLOSED)
        if not cmd.reason_code.strip():
            raise refuse(R.REASON_REQUIRED, "请说明申请复核的理由")

    @workflow.update
    async def conclude_review(self, cmd: ConcludeReview) -> CaseView:
        self._review_conclusion = cmd
        await self._record(
            "review_concluded", cmd.actor, {"outcome": cmd.outcome.value, "reviewers": cmd.reviewers}
        )
        # answer once the case has moved on (redetermination: its deadline is computed)
        await workflow.wait_condition(lambda: self._status != CaseStatus.UNDER_REVIEW)
        return self.view()

    @conclude_review.validator
    def _validate_conclude_review(self, cmd: ConcludeReview) -> None:
        self._require_role(cmd.actor, Role.REVIEWER)
        if self._status != CaseStatus.UNDER_REVIEW or self._review_conclusion is not None:
            raise refuse(R.NOT_UNDER_REVIEW)
        reviewers = set(cmd.reviewers) | {cmd.actor.id}
        if len(reviewers) < MIN_REVIEWERS:
            raise refuse(R.TOO_FEW_REVIEWERS)
        if self._officer_id in reviewers:
            raise refuse(R.REVIEWER_NOT_INDEPENDENT)
        silent = [r for r in sorted(reviewers - {cmd.actor.id}) if self._concurrences.get(r) != cmd.outcome]
        if silent:
            raise refuse(
                R.CO_REVIEWER_NOT_CONCURRED, "其他复核民警尚未确认同一复核结论：" + "、".join(silent)
            )
        if not cmd.reason.strip():
            raise refuse(R.REASON_REQUIRED, "请写明复核结论的理由")

    @workflow.update
    async def concur_review(self, cmd: ConcurReview) -> CaseView:
        self._concurrences[cmd.actor.id] = cmd.outcome
        await self._record("review_concurred", cmd.actor, {"outcome": cmd.outcome.value})
        return self.view()

    @concur_review.validator
    def _validate_concur_review(self, cmd: ConcurReview) -> None:
        self._require_role(cmd.actor, Role.REVIEWER)
        if self._status != CaseStatus.UNDER_REVIEW or self._review_conclusion is not None:
            raise refuse(R.NOT_UNDER_REVIEW)
        if cmd.actor.id == self._officer_id:
            raise refuse(R.REVIEWER_NOT_INDEPENDENT)

    @workflow.update
    async def file_claim(self, cmd: FileClaim) -> ClaimResult:
        ps = self._parties[cmd.actor.id]
        notice = self._current_notice()
        assert notice is not None
        ps.claiming = True  # a second tap meanwhile is refused, not sent again
        try:
            result = await self._report_claim(ps, notice)
        finally:
            ps.claiming = False
        ps.claim = result
        await self._record(
            "claim_filed" if result.filed else "claim_guidance_given",
            cmd.actor,
            {
                "insurer": result.insurer_code,
                "claim_number": result.claim_number,
            },
        )
        if result.filed:
            await self._sms(
                ps,
                act.SmsTemplate.CLAIM_FILED,
                "claim",
                {
                    "insurer_name": result.insurer_name,
                    "claim_number": result.claim_number,
                },
            )
        return result

    @file_claim.validator
    def _validate_file_claim(self, cmd: FileClaim) -> None:
        self._require_party(cmd.actor)
        ps = self._parties[cmd.actor.id]
        if self._outcome is not None:
            raise refuse(R.CASE_CLOSED, "案件已办结，请直接联系保险公司报案")
        if ps.served_at is None:
            raise refuse(R.NOT_SERVED, "请先查看并确认收到事故认定书，再报保险")
        if not self._claimable(ps):
            raise refuse(R.NO_INSURANCE_ON_RECORD)
        if ps.claim is not None or ps.claiming:
            raise refuse(R.CLAIM_ALREADY_FILED)

    # ------------------------------------------------------------------ signals & query

    @workflow.signal
    def video_event(self, event: VideoEvent) -> None:
        if self._room is not None and event.room_name and event.room_name != self._room.room_name:
            return  # an event of a room this case no longer uses
        if event.at is not None:
            # Twilio's signature has no timestamp: a late or replayed event older than the last
            # one seen for this participant must not undo a newer state
            key = event.identity or event.room_name
            last = self._video_event_at.get(key)
            if last is not None and event.at < last:
                return
            self._video_event_at[key] = event.at
        citizen = event.identity.startswith(f"{self._case}-P")
        if event.kind == VideoEventKind.ROOM_ENDED:
            self._room_ended = True
            self._citizens_connected.clear()
        elif event.kind == VideoEventKind.PARTICIPANT_CONNECTED and citizen:
            self._citizens_connected.add(event.identity)
        elif event.kind == VideoEventKind.PARTICIPANT_DISCONNECTED and citizen:
            self._citizens_connected.discard(event.identity)
        if self._citizens_connected and not self._room_ended:
            self._video_down_since = None
        elif self._status == CaseStatus.IN_VIDEO and self._video_down_since is None:
            self._video_down_since = workflow.now()

    @workflow.query
    def view(self) -> CaseView:
        return case_view(self._snapshot())

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _system() -> Actor:
        return Actor(role=Role.SYSTEM, id="workflow")

    def _identity(self, actor: Actor) -> str:
        return f"{self._case}-{actor.id}" if actor.role == Role.CITIZEN else f"{self._case}-seat-{actor.id}"

    @staticmethod
    def _local_date(at: datetime) -> date:
        return local_date(at, SHANGHAI)

    def _require_role(self, actor: Actor, role: Role) -> None:
        if actor.role != role:
            raise refuse(R.FORBIDDEN_ROLE)

    def _require_party(self, actor: Actor) -> None:
        if actor.role != Role.CITIZEN or actor.id not in self._parties:
            raise refuse(R.NOT_A_PARTY)

    def _require_seat(self, actor: Actor) -> None:
        self._require_role(actor, Role.SEAT)
        if actor.id != self._seat_id:
            raise refuse(R.NOT_THE_SEAT)

    def _require_collecting(self, actor: Actor) -> None:
        self._require_seat(actor)
        if self._status != CaseStatus.IN_VIDEO or self._collection_complete or self._ended():
            raise refuse(R.NOT_COLLECTING)

    def _require_notice(self) -> None:
        if self._current_notice() is None or self._status not in (
            CaseStatus.NOTICE_SENT,
            CaseStatus.SERVED,
            CaseStatus.UNDER_REVIEW,
        ):
            raise refuse(R.NO_NOTICE)

    def _decision_pending(self) -> bool:
        """A decision has been taken that no notice reflects yet."""
        return self._decided_version > self._decision_version

    def _current_notice(self) -> NoticeRef | None:
        determinations = [n for n in self._notices if n.kind == NoticeKind.DETERMINATION]
        return determinations[-1] if determinations else None

    def _claimable(self, ps: PartyState) -> bool:
        v = ps.verification
        return ps.is_motor and v is not None and bool(v.insurer_code) and v.insurance.value == "valid"

    def _party_with_policy(self, ps: PartyState) -> Party:
        """The party as verified: insurer and policy from the registry, not from the citizen."""
        party = ps.party.model_copy(deep=True)
        v = ps.verification
        if v is not None and party.vehicle is not None:
            party.vehicle.insurance = InsurancePolicy(
                insurer_code=v.insurer_code, insurer_name=v.insurer_name, policy_number=v.policy_number
            )
        return party

    def _all_served(self) -> bool:
        return all(ps.served_at is not None for ps in self._parties.values())

    def _unserved(self) -> list[PartyState]:
        return [ps for ps in self._parties.values() if ps.served_at is None]

    def _unserved_ids(self) -> list[str]:
        return [ps.party.party_id for ps in self._unserved()]

    def _review_window_end(self) -> datetime | None:
        ends = [ps.review_deadline for ps in self._parties.values() if ps.review_deadline is not None]
        return max(ends) if ends else None

    async def _serve(self, ps: PartyState, served_at: datetime, method: str, actor: Actor) -> None:
        """A party is served once: its review deadline is known before it counts as served, so
        the main line never sees a served party without a window."""
        if ps.served_at is not None or ps.serving:
            await workflow.wait_condition(lambda: ps.served_at is not None)
            return
        ps.serving = True
        deadline_first = workflow.patched("deadline-before-served")
        if not deadline_first:  # cases started before the fix keep their recorded order
            ps.served_at, ps.service_method = served_at, method
        deadline = None
        if self._decision_version == 1:  # one review per accident: only the first notice opens a window
            deadline = await self._working_days_deadline(served_at, self._in.timers.review_working_days)
        ps.served_at, ps.review_deadline, ps.service_method = served_at, deadline, method
        ps.serving = False
        await self._record("notice_served", actor, {"party": ps.party.party_id, "method": method})

    async def _working_days_deadline(self, start: datetime, days: int) -> datetime:
        """Computed once by an activity from the holiday calendar and kept in state, so that a
        replay never recomputes it with newer calendar data."""
        return await call(act.working_days_deadline, act.DeadlineRequest(start=start, working_days=days))

    async def _issue_notice(self, req: act.IssueNoticeRequest) -> NoticeRef:
        notice = await call(act.issue_notice, req)
        self._notices.append(notice)
        return notice

    async def _notify_insurers_of_amendment(self) -> None:
        new, revocations = (
            self._current_notice(),
            [n for n in self._notices if n.kind == NoticeKind.REVOCATION],
        )
        if new is None or not revocations:
            return
        for ps in self._parties.values():
            if ps.claim is None or not ps.claim.filed:
                continue
            try:
                await self._amend_claim(ps, new, revocations[-1])
            except ActivityError as err:  # refused by the insurer: the operators follow it up
                await self._record(
                    "insurer_amendment_failed",
                    self._system(),
                    {"party": ps.party.party_id, "error": _cause(err)},
                )

    async def _amend_claim(self, ps: PartyState, new: NoticeRef, revocation: NoticeRef) -> None:
        assert ps.claim is not None
        await call(
            act.notify_insurer_amendment,
            act.AmendmentRequest(
                idempotency_key=f"{workflow.info().workflow_id}/amend-v{self._decision_version}/{ps.party.party_id}",
                case_number=self._case,
                claim=ps.claim,
                new_notice_number=new.notice_number,
                revoked_notice_number=revocation.revokes_notice_number,
            ),
        )

    async def _report_claim(self, ps: PartyState, notice: NoticeRef) -> ClaimResult:
        return await call(
            act.file_claim,
            act.ClaimRequest(
                idempotency_key=f"{workflow.info().workflow_id}/claim/{ps.party.party_id}",
                case_number=self._case,
                party=self._party_with_policy(ps),
                liability=ps.liability,
                notice_number=notice.notice_number,
                accident_time=self._in.alert.reported_at,
                evidence=self._evidence,
            ),
        )

    async def _ensure_room(self) -> None:
        if self._room is not None and not self._room_ended:
            return
        self._rooms_created += 1
        self._room = await call(
            act.create_video_room, act.RoomRequest(case_number=self._case, sequence=self._rooms_created)
        )
        self._room_ended = False

    async def _close_room(self) -> None:
        if self._room is None or self._room_ended:
            return
        room, self._room_ended = self._room, True
        try:
            await call(act.complete_video_room, room)
        except ActivityError as err:  # the provider ends idle rooms itself; the case goes on
            await self._record("video_room_close_failed", self._system(), {"error": _cause(err)})

    async def _wait(self, condition: Callable[[], bool], within: timedelta, kind: str) -> bool:
        """Wait for a condition with a named deadline; False when the deadline passed first."""
        if within <= timedelta(0):
            return condition()
        self._deadlines[kind] = workflow.now() + within
        self._upsert_search_attributes()
        # no `finally`: when the worker evicts the workflow from its cache the coroutine is closed
        # here, and workflow calls are not allowed then
        try:
            await workflow.wait_condition(condition, timeout=within, timeout_summary=kind)
            fired = False
        except TimeoutError:
            fired = True
            await self._record(f"timer_{kind}_fired", self._system())
        self._deadlines.pop(kind, None)
        self._upsert_search_attributes()
        return not fired

    async def _set_status(
        self, status: CaseStatus, action: str, actor: Actor, detail: dict[str, Any] | None = None
    ) -> None:
        self._status = status
        if status not in (CaseStatus.QUEUED, CaseStatus.IN_VIDEO):
            self._video_down_since = None
        self._upsert_search_attributes()
        await self._record(action, actor, detail)

    def _upsert_search_attributes(self) -> None:
        updates: list[SearchAttributeUpdate[Any]] = [
            sa.CASE_STATUS.value_set(self._status.value),
        ]
        if self._district:
            updates.append(sa.DISTRICT.value_set(self._district))
        if self._seat_id:
            updates.append(sa.SEAT_ID.value_set(self._seat_id))
        if self._officer_id:
            updates.append(sa.OFFICER_ID.value_set(self._officer_id))
        nearest = min(self._deadlines.values(), default=None)
        updates.append(sa.NEXT_DEADLINE.value_set(nearest) if nearest else sa.NEXT_DEADLINE.value_unset())
        workflow.upsert_search_attributes(updates)

    def _snapshot(self) -> CaseSnapshot:
        """The case as it stands: what the read model stores and what the view projects."""
        nearest = min(self._deadlines.items(), key=lambda kv: kv[1], default=None)
        return CaseSnapshot(
            case_number=self._case,
            seq=self._seq,
            workflow_id=workflow.info().workflow_id,
            status=self._status,
            category=self._in.alert.facts.category.value,
            district=self._district,
            area=self._area,
            reported_at=self._in.alert.reported_at,
            location=self._in.alert.location,
            seat_id=self._seat_id,
            officer_id=self._officer_id,
            next_deadline=nearest[1] if nearest else None,
            next_deadline_kind=nearest[0] if nearest else "",
            outcome=self._outcome,
            outcome_reason=self._outcome_reason,
            parties=[
                PartySnapshot(
                    party=ps.party,
                    liability=ps.liability,
                    verification=ps.verification,
                    served_at=ps.served_at,
                    service_method=ps.service_method,
                    review_deadline=ps.review_deadline,
                    claim=ps.claim,
                )
                for ps in self._parties.values()
            ],
            evidence=[e.kind for e in self._evidence],
            safety_checked=self._safety is not None,
            notices=list(self._notices),
            deadlines=[Deadline(kind=k, at=v) for k, v in self._deadlines.items()],
            refusals=list(self._refusals),
            review_requested_by=self._review.actor.id if self._review else "",
            review_reason_code=self._review.reason_code if self._review else "",
            review_text=self._review.text if self._review else "",
            review_outcome=self._review_conclusion.outcome if self._review_conclusion else None,
            review_conclusion_reason=self._review_conclusion.reason if self._review_conclusion else "",
        )

    async def _record(self, action: str, actor: Actor, detail: dict[str, Any] | None = None) -> None:
        """Read model and audit trail: a local activity, short and database-only."""
        self._seq += 1
        snapshot = self._snapshot()
        entry = act.TimelineEntry(
            step_key=f"{workflow.info().workflow_id}/{workflow.info().run_id}/{self._seq}",
            case_number=self._case,
            at=workflow.now(),
            actor_role=actor.role.value,
            actor_id=actor.id,
            action=action,
            detail=detail or {},
        )
        try:
            await call(
                act.record_step,
                act.StepRecord(snapshot=snapshot, entry=entry, reporter_phone=self._in.alert.reporter_phone),
            )
        except ActivityError as err:  # refused data (not a passing fault): the case must go on
            workflow.logger.error("read model refused step %s of %s: %s", action, self._case, _cause(err))

    async def _sms(
        self, ps: PartyState, template: str, step: str, params: dict[str, str] | None = None
    ) -> None:
        await self._send_sms(ps.party.party_id, ps.party.phone, template, step, params)

    async def _sms_reporter(self, template: str) -> None:
        params = {"reasons": "；".join(r.reason for r in self._refusals)} if self._refusals else {}
        await self._send_sms("reporter", self._in.alert.reporter_phone, template, template, params)

    async def _send_sms(
        self, party_id: str, phone: str, template: str, step: str, params: dict[str, str] | None
    ) -> None:
        """One SMS per (case, step, party), ever: the key makes a retried send a no-op. A failed SMS
        never stops the case; it is recorded for the operators."""
        request = act.SmsRequest(
            idempotency_key=f"{workflow.info().workflow_id}/{step}/{party_id}",
            case_number=self._case,
            party_id=party_id,
            phone=phone,
            template=template,
            params={"case_number": self._case, **(params or {})},
        )
        try:
            await call(act.send_sms, request)
        except ActivityError as err:
            await self._record(
                "sms_failed",
                self._system(),
                {"party": party_id, "template": template, "error": _cause(err)},
            )
