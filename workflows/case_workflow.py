"""AccidentCaseWorkflow: one durable workflow per accident case, from alert to close.

`run` is the main line of DESIGN.md §1. Human steps are updates whose validators call the pure
guards of workflows/guards.py (a refused update leaves the case unchanged and tells why);
video-provider events are signals; `view` is the query. The state lives in small objects
(workflows/case_state.py); the steps that call activities live beside them (verification,
notify, service, claims); a step's update handlers may live beside it too, on a mixin this class
lists among its bases (workflows/case_updates.py says how a new step plugs in); activities are
called through their declarations (domain/activity_contracts.py), so this package imports
nothing but domain/ and temporalio."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from domain import activity_contracts as act
    from domain import refusals as R
    from domain.calendar import DEFAULT_TZ, calendar_deadline
    from domain.case_view import case_view
    from domain.messages import (
        WORKFLOW_NAME,
        AcceptCall,
        Actor,
        AddEvidence,
        Cancel,
        CaseInput,
        CaseView,
        CompleteCollection,
        ConcludeReview,
        ConcurReview,
        ConfirmReceipt,
        CorrectCase,
        Decide,
        HandOff,
        HandOffReason,
        Outcome,
        RecordParties,
        RecordScene,
        RecordService,
        ReviewOutcome,
        ReviewRequest,
        Role,
        SafetyChecklist,
        VideoAccess,
        VideoEvent,
        VideoTokenRequest,
    )
    from domain.models import CaseStatus
    from workflows import guards, patches
    from workflows.activity_calls import call
    from workflows.case_state import ENDED, CaseState, HandOffOrder
    from workflows.case_updates import allow, refused
    from workflows.claims import ClaimUpdates
    from workflows.effects import SYSTEM, CaseEffects, cause_of
    from workflows.notify import decide_and_notify, issue_review_conclusion, notify_insurers_of_amendment
    from workflows.service import serve, serve_and_wait_window
    from workflows.verification import verify


@workflow.defn(name=WORKFLOW_NAME)
class AccidentCaseWorkflow(ClaimUpdates):
    @workflow.init
    def __init__(self, inp: CaseInput) -> None:
        patches.ask_baseline(self)
        self.case = CaseState(inp)
        self.fx = CaseEffects(self.case)

    # ------------------------------------------------------------------ main line

    @workflow.run
    async def run(self, inp: CaseInput) -> CaseView:
        timers, case = inp.timers, self.case
        # alert: handled online only if eligible (hours, area, category)
        if not await self._alert():
            return await self._finish(
                Outcome.REFUSED, CaseStatus.REFUSED, "; ".join(r.code for r in case.refusals)
            )

        # queue: a seat answers in time, or a patrol goes
        answered = await self._queue(timers.seat_answer)
        if case.ended:
            return await self._finish_ended()
        if not answered:
            return await self._hand_off(
                HandOffOrder(HandOffReason.SEAT_NO_ANSWER, "无坐席在规定时间内接听", SYSTEM)
            )

        # video: evidence collected; a drop not resumed in time hands off
        await self._video(timers.video_lost)
        if case.ended:
            return await self._finish_ended()

        # verify: licence, vehicle and 交强险 of every motor party
        if not await verify(self.fx):
            return await self._hand_off(
                HandOffOrder(HandOffReason.VERIFICATION_FAILED, case.refusal_reasons(), SYSTEM)
            )

        # leave, then decide and notify
        await self._leave()
        if not await decide_and_notify(self.fx, timers.decision_escalation, "decision"):
            return await self._finish_ended()

        # serve and the review window; a review if requested; claims, then close
        await serve_and_wait_window(self.fx)
        if case.review.requested:
            await self._review()
        return await self._claims_then_close()

    # ------------------------------------------------------------------ phases

    async def _alert(self) -> bool:
        """Eligibility (hours, area, category): False when the case is not handled online."""
        case = self.case
        try:
            eligibility = await call(act.check_eligibility, act.EligibilityRequest(alert=case.inp.alert))
        except ActivityError as err:  # permanent, or failing past its bound: never an endless wait
            await self.fx.record("eligibility_failed", SYSTEM, {"error": cause_of(err)})
            case.refusals = [R.ELIGIBILITY_UNAVAILABLE.refusal()]
            return False
        if not eligibility.eligible:
            case.refusals = eligibility.refusals
            return False
        case.eligible = True
        case.district = eligibility.district or case.district
        case.area = eligibility.area or case.area
        await self.fx.record("alert_received", SYSTEM)
        await self.fx.sms_reporter(act.SmsTemplate.ALERT_RECEIVED)
        return True

    async def _queue(self, seat_answer: timedelta) -> bool:
        """A seat must answer in time, or a patrol goes. False when nobody answered."""
        case = self.case
        return await self.fx.wait(lambda: bool(case.seat_id) or case.ended, seat_answer, "seat_answer")

    async def _video(self, video_lost: timedelta) -> None:
        """Video and evidence collection, until the seat completes it. A video drop that is not
        resumed (继续处理) in time hands the case to a patrol."""
        case, video = self.case, self.case.video
        while not (case.collection.complete or case.ended):
            if video.down_since is None:
                await workflow.wait_condition(
                    lambda: case.collection.complete or case.ended or video.down_since is not None
                )
                continue
            remaining = video.down_since + video_lost - workflow.now()
            # nobody on the video (not yet joined, or dropped) and back on are recorded, so that the
            # read model's snapshot (which the consoles and the H5 read) holds the resume deadline
            # while it runs; not in the citizen's timeline (the H5 shows the video itself)
            recorded = patches.patched("video-drop-recorded")
            if recorded:
                await self.fx.record("video_waiting", SYSTEM)
            resumed = await self.fx.wait(
                lambda: case.collection.complete or case.ended or video.down_since is None,
                remaining,
                "video_resume",
            )
            if recorded and resumed and video.down_since is None:
                await self.fx.record("video_joined", SYSTEM)
            if not resumed:
                case.handoff = HandOffOrder(
                    HandOffReason.VIDEO_LOST, "视频中断后未在规定时间内继续处理", SYSTEM
                )

    async def _leave(self) -> None:
        """Evidence fixed and verified: the call ends and every party may clear the road (快撤)."""
        await self._close_room()
        await self.fx.sms_all(act.SmsTemplate.YOU_MAY_LEAVE, "leave")
        await self.fx.set_status(CaseStatus.AWAITING_DECISION, "collection_verified", SYSTEM)

    async def _review(self) -> None:
        """Reviewers conclude within 30 calendar days: uphold, or a new determination (decided,
        notified, served anew, and the insurers told) without a second review window."""
        fx, case, review = self.fx, self.case, self.case.review
        assert review.requested_at is not None
        due = calendar_deadline(review.requested_at, fx.timers.review_conclusion_days, DEFAULT_TZ)
        if not await fx.wait(lambda: review.concluded, due - workflow.now(), "review_conclusion"):
            await fx.record("review_conclusion_overdue", SYSTEM)
            await workflow.wait_condition(lambda: review.concluded)
        conclusion = review.conclusion
        assert conclusion is not None
        await self._serve_conclusion()
        if conclusion.outcome == ReviewOutcome.UPHOLD:
            await fx.set_status(CaseStatus.SERVED, "review_upheld", conclusion.actor)
            if case.parties.unserved() and patches.patched("serve-after-upheld-review"):
                # a review requested before every party was served: serve the rest
                await serve_and_wait_window(fx, review_open=False)
            return
        due = await fx.working_days_deadline(workflow.now(), fx.timers.redetermination_working_days)
        await fx.set_status(CaseStatus.AWAITING_REDETERMINATION, "redetermination_ordered", conclusion.actor)
        if not await decide_and_notify(fx, due - workflow.now(), "redetermination"):
            return
        await notify_insurers_of_amendment(fx)
        await serve_and_wait_window(fx, review_open=False)

    async def _serve_conclusion(self) -> None:
        """Both outcomes in writing: the signed, sealed review conclusion for every party, texted
        with its number (before this patch: an SMS only). A conclusion that cannot be issued is
        recorded for the operators and the outcome texted without it."""
        fx, conclusion = self.fx, self.case.review.conclusion
        assert conclusion is not None
        outcome = {"outcome": conclusion.outcome.value}
        if patches.patched("review-conclusion-in-writing"):
            try:
                notice = await issue_review_conclusion(fx)
            except ActivityError as err:
                await fx.record("review_conclusion_failed", SYSTEM, {"error": cause_of(err)})
            else:
                await fx.record("review_conclusion_issued", SYSTEM, {"notice": notice.notice_number})
                params = {**outcome, "notice_number": notice.notice_number}
                await fx.sms_all(act.SmsTemplate.REVIEW_CONCLUSION, "review-conclusion", params)
                return
        await fx.sms_all(act.SmsTemplate.REVIEW_RESULT, "review-result", outcome)

    async def _claims_then_close(self) -> CaseView:
        """Claims stay open for a grace period after the review window; the case then closes."""
        claimable = [ps for ps in self.case.parties if ps.claimable]
        await self.fx.wait(
            lambda: all(ps.claim.result is not None for ps in claimable),
            self.fx.timers.claim_grace,
            "claim_grace",
        )
        return await self._finish(Outcome.CLOSED, CaseStatus.CLOSED, "")

    # ------------------------------------------------------------------ endings

    async def _finish_ended(self) -> CaseView:
        cancel, handoff = self.case.cancel, self.case.handoff
        if cancel is not None:
            return await self._finish(
                Outcome.CANCELLED, CaseStatus.CANCELLED, cancel.reason or "当事人取消", cancel.actor
            )
        assert handoff is not None
        return await self._hand_off(handoff)

    async def _hand_off(self, order: HandOffOrder) -> CaseView:
        self.case.handoff = order
        await self.fx.sms_all(act.SmsTemplate.HANDED_TO_PATROL, "handoff")
        return await self._finish(
            Outcome.HANDED_TO_PATROL,
            CaseStatus.HANDED_TO_PATROL,
            f"{order.reason.value}: {order.text}",
            order.actor,
        )

    async def _finish(
        self, outcome: Outcome, status: CaseStatus, reason: str, actor: Actor | None = None
    ) -> CaseView:
        case = self.case
        case.outcome, case.outcome_reason = outcome, reason
        case.deadlines.clear()
        if outcome == Outcome.REFUSED:
            await self.fx.sms_reporter(act.SmsTemplate.REFUSED)
        await self._close_room()
        await self.fx.set_status(status, f"case_{outcome.value}", actor or SYSTEM, {"reason": reason})
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self.fx.written()  # the last entries: no workflow task follows the end
        return self.view()

    async def _ensure_room(self) -> act.RoomInfo:
        """The room to join: the current one, or a new one if there is none or it ended."""
        video = self.case.video
        async with video.lock:
            room = video.live_room
            if room is None:
                room = await call(act.create_video_room, video.next_room())
                video.opened(room)
            return room

    async def _close_room(self) -> None:
        room = self.case.video.take_room_to_close()
        if room is None:
            return
        try:
            await call(act.complete_video_room, room)
        except ActivityError as err:  # the provider ends idle rooms itself; the case goes on
            await self.fx.record("video_room_close_failed", SYSTEM, {"error": cause_of(err)})

    # ------------------------------------------------------------------ updates: queue and video

    @workflow.update
    async def accept_call(self, cmd: AcceptCall) -> CaseView:
        self.case.seat_id = cmd.actor.id
        await self.fx.set_status(CaseStatus.IN_VIDEO, "call_accepted", cmd.actor)
        video = self.case.video
        if video.nobody_on and patches.patched("video-clock-at-accept"):
            # nobody on the video (never joined, or dropped while queued): the resume clock runs
            video.down_since = workflow.now()
        await self.fx.sms_all(act.SmsTemplate.SEAT_CONNECTED, "seat-connected")
        return await self.answer()

    @accept_call.validator
    def _validate_accept_call(self, cmd: AcceptCall) -> None:
        allow(guards.accept_call(self.case, cmd))

    @workflow.update
    async def issue_video_token(self, cmd: VideoTokenRequest) -> VideoAccess:
        """Join or resume the video (继续处理): a fresh token, and a fresh room if it ended."""
        case = self.case
        await workflow.wait_condition(lambda: case.eligible or case.outcome is not None)
        if not case.eligible:  # refused: no room for a case that will not be handled online
            raise refused(R.NOT_ELIGIBLE.refusal(case.refusal_reasons() or "不符合线上快处条件"))
        room = await self._ensure_room()
        access = await call(
            act.issue_video_token,
            act.TokenRequest(room_name=room.room_name, identity=self._identity(cmd.actor)),
        )
        await self.fx.record("video_token_issued", cmd.actor, {"room": room.room_name})
        await self.fx.written()
        return access

    @issue_video_token.validator
    def _validate_issue_video_token(self, cmd: VideoTokenRequest) -> None:
        allow(guards.issue_video_token(self.case, cmd))

    @workflow.update
    async def cancel(self, cmd: Cancel) -> CaseView:
        self.case.cancel = cmd
        await workflow.wait_condition(lambda: self.case.status in ENDED)
        return await self.answer()

    @cancel.validator
    def _validate_cancel(self, cmd: Cancel) -> None:
        allow(guards.cancel(self.case, cmd))

    @workflow.update
    async def hand_off(self, cmd: HandOff) -> CaseView:
        reason = HandOffReason.SEAT_DECIDED if cmd.actor.role == Role.SEAT else HandOffReason.OFFICER_DECIDED
        self.case.handoff = HandOffOrder(reason, cmd.reason, cmd.actor)
        await workflow.wait_condition(lambda: self.case.status in ENDED)
        return await self.answer()

    @hand_off.validator
    def _validate_hand_off(self, cmd: HandOff) -> None:
        allow(guards.hand_off(self.case, cmd))

    # ------------------------------------------------------------------ updates: collection

    @workflow.update
    async def record_parties(self, cmd: RecordParties) -> CaseView:
        self.case.parties.replace(cmd.parties)
        await self.fx.record("parties_recorded", cmd.actor, {"parties": self.case.parties.ids})
        return await self.answer()

    @record_parties.validator
    def _validate_record_parties(self, cmd: RecordParties) -> None:
        allow(guards.record_parties(self.case, cmd, workflow.now()))

    @workflow.update
    async def correct_case(self, cmd: CorrectCase) -> CaseView:
        """Audited: the old and the new text on the timeline (a new handler: no open case has
        called it, so no patch)."""
        alert = self.case.inp.alert
        changes: dict[str, dict[str, str]] = {}
        if cmd.address.strip():
            changes["address"] = {"from": alert.location.address, "to": cmd.address}
            alert.location.address = cmd.address
        if cmd.description.strip():
            changes["description"] = {"from": alert.facts.description, "to": cmd.description}
            alert.facts.description = cmd.description
        await self.fx.record("case_corrected", cmd.actor, {"changes": changes, "reason": cmd.reason})
        return await self.answer()

    @correct_case.validator
    def _validate_correct_case(self, cmd: CorrectCase) -> None:
        allow(guards.correct_case(self.case, cmd))

    @workflow.update
    async def add_evidence(self, cmd: AddEvidence) -> CaseView:
        self.case.collection.evidence.append(cmd.evidence)
        detail = {"evidence_id": cmd.evidence.evidence_id, "kind": cmd.evidence.kind.value}
        await self.fx.record("evidence_added", cmd.actor, detail)
        return await self.answer()

    @add_evidence.validator
    def _validate_add_evidence(self, cmd: AddEvidence) -> None:
        allow(guards.add_evidence(self.case, cmd))

    @workflow.update
    async def tick_safety(self, cmd: SafetyChecklist) -> CaseView:
        self.case.collection.safety = cmd
        detail = {
            "hazard_lights": cmd.hazard_lights,
            "warning_triangle": cmd.warning_triangle,
            "people_off_carriageway": cmd.people_off_carriageway,
        }
        await self.fx.record("safety_checked", cmd.actor, detail)
        return await self.answer()

    @tick_safety.validator
    def _validate_tick_safety(self, cmd: SafetyChecklist) -> None:
        allow(guards.tick_safety(self.case, cmd))

    @workflow.update
    async def record_scene(self, cmd: RecordScene) -> CaseView:
        """The seat records the weather and road surface, or corrects the accident time (audited:
        the old and the new time are recorded)."""
        case = self.case
        before = case.accident_time
        case.collection.record_scene(cmd)
        detail = {"weather": case.collection.weather, "road_surface": case.collection.road_surface}
        await self.fx.record("scene_recorded", cmd.actor, detail)
        if case.accident_time != before:
            times = {"from": before.isoformat(), "to": case.accident_time.isoformat()}
            await self.fx.record("accident_time_corrected", cmd.actor, times)
        return await self.answer()

    @record_scene.validator
    def _validate_record_scene(self, cmd: RecordScene) -> None:
        allow(guards.record_scene(self.case, cmd))

    @workflow.update
    async def complete_collection(self, cmd: CompleteCollection) -> CaseView:
        self.case.collection.complete = True
        await self.fx.record("collection_completed", cmd.actor)
        # answer once verification is done (the view then shows its outcome)
        await workflow.wait_condition(
            lambda: self.case.status not in (CaseStatus.VERIFYING, CaseStatus.IN_VIDEO)
        )
        return await self.answer()

    @complete_collection.validator
    def _validate_complete_collection(self, cmd: CompleteCollection) -> None:
        allow(guards.complete_collection(self.case, cmd))

    # ------------------------------------------------------------------ updates: decision and service

    @workflow.update
    async def decide(self, cmd: Decide) -> CaseView:
        case = self.case
        case.officer_id = cmd.actor.id
        case.determination.take(cmd.decision)
        self.fx.upsert_search_attributes()
        liabilities = {k: v.value for k, v in cmd.decision.liabilities.items()}
        await self.fx.record("decided", cmd.actor, {"liabilities": liabilities})
        await workflow.wait_condition(lambda: not case.determination.pending or case.ended)
        refusal = case.determination.take_refusal()  # the notice could not be issued
        await self.fx.written()
        if refusal is not None:
            raise refused(refusal)
        return self.view()

    @decide.validator
    def _validate_decide(self, cmd: Decide) -> None:
        allow(guards.decide(self.case, cmd))

    @workflow.update
    async def confirm_receipt(self, cmd: ConfirmReceipt) -> CaseView:
        await serve(self.fx, self.case.parties[cmd.actor.id], workflow.now(), "electronic", cmd.actor)
        return await self.answer()

    @confirm_receipt.validator
    def _validate_confirm_receipt(self, cmd: ConfirmReceipt) -> None:
        allow(guards.confirm_receipt(self.case, cmd))

    @workflow.update
    async def record_service(self, cmd: RecordService) -> CaseView:
        await serve(self.fx, self.case.parties[cmd.party_id], cmd.served_at, cmd.method, cmd.actor)
        return await self.answer()

    @record_service.validator
    def _validate_record_service(self, cmd: RecordService) -> None:
        allow(guards.record_service(self.case, cmd, workflow.now()))

    # ------------------------------------------------------------------ updates: review

    @workflow.update
    async def request_review(self, cmd: ReviewRequest) -> CaseView:
        self.case.review.open(cmd, workflow.now())
        await self.fx.set_status(
            CaseStatus.UNDER_REVIEW, "review_requested", cmd.actor, {"reason": cmd.reason_code}
        )
        await self.fx.sms_all(act.SmsTemplate.REVIEW_RECEIVED, "review-received")
        return await self.answer()

    @request_review.validator
    def _validate_request_review(self, cmd: ReviewRequest) -> None:
        allow(guards.request_review(self.case, cmd, workflow.now()))

    @workflow.update
    async def concur_review(self, cmd: ConcurReview) -> CaseView:
        self.case.review.concur(cmd.actor.id, cmd.outcome, cmd)
        await self.fx.record("review_concurred", cmd.actor, {"outcome": cmd.outcome.value})
        return await self.answer()

    @concur_review.validator
    def _validate_concur_review(self, cmd: ConcurReview) -> None:
        allow(guards.concur_review(self.case, cmd))

    @workflow.update
    async def conclude_review(self, cmd: ConcludeReview) -> CaseView:
        self.case.review.conclusion = cmd
        await self.fx.record(
            "review_concluded", cmd.actor, {"outcome": cmd.outcome.value, "reviewers": cmd.reviewers}
        )
        # answer once the case has moved on (redetermination: its deadline is computed)
        await workflow.wait_condition(lambda: self.case.status != CaseStatus.UNDER_REVIEW)
        return await self.answer()

    @conclude_review.validator
    def _validate_conclude_review(self, cmd: ConcludeReview) -> None:
        allow(guards.conclude_review(self.case, cmd))

    # ------------------------------------------------------------------ signal and query

    @workflow.signal
    def video_event(self, event: VideoEvent) -> None:
        self.case.video.on_event(event, in_video=self.case.status == CaseStatus.IN_VIDEO, now=workflow.now())

    @workflow.query
    def view(self) -> CaseView:
        return case_view(self.case.snapshot(workflow.info().workflow_id))

    def _identity(self, actor: Actor) -> str:
        """The video identity: case number and role id, never a name or a phone."""
        number = self.case.case_number
        return f"{number}-{actor.id}" if actor.role == Role.CITIZEN else f"{number}-seat-{actor.id}"
