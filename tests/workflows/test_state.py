"""The workflow's state objects on their own, without a server: the video resume clock, the
determination's versions, the parties' corrections, the shot list, the deadlines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain import activity_contracts as act
from domain.messages import NoticeRef, VideoEvent, VideoEventKind
from domain.models import EvidenceKind, NoticeKind, Refusal
from tests import case_factory
from workflows.collection import Collection
from workflows.deadlines import Deadlines
from workflows.determination import Determination
from workflows.parties import Parties
from workflows.video_session import VideoSession

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def event(kind: VideoEventKind, who: str = "P1", at: datetime | None = None, room: str = "") -> VideoEvent:
    return VideoEvent(kind=kind, identity=f"LZ-1-{who}", at=at, room_name=room)


def test_the_resume_clock_runs_while_no_citizen_is_in_a_live_room():
    video = VideoSession("LZ-1")
    video.on_event(event(VideoEventKind.PARTICIPANT_CONNECTED), in_video=True, now=T0)
    assert video.down_since is None and not video.nobody_on
    video.on_event(event(VideoEventKind.PARTICIPANT_DISCONNECTED), in_video=True, now=T0)
    assert video.down_since == T0
    later = T0 + timedelta(minutes=5)
    video.on_event(event(VideoEventKind.PARTICIPANT_DISCONNECTED, "P2"), in_video=True, now=later)
    assert video.down_since == T0  # the clock keeps its start
    video.on_event(event(VideoEventKind.PARTICIPANT_CONNECTED), in_video=True, now=later)
    assert video.down_since is None
    video.on_event(event(VideoEventKind.ROOM_ENDED), in_video=True, now=later)
    assert video.down_since == later and video.room_ended and video.nobody_on


def test_the_seat_joining_or_leaving_does_not_move_the_clock_and_nothing_runs_while_queued():
    video = VideoSession("LZ-1")
    video.on_event(event(VideoEventKind.PARTICIPANT_CONNECTED, "seat-seat-1"), in_video=True, now=T0)
    assert video.citizens_connected == set() and video.down_since == T0
    queued = VideoSession("LZ-1")
    queued.on_event(event(VideoEventKind.PARTICIPANT_DISCONNECTED), in_video=False, now=T0)
    assert queued.down_since is None


def test_an_older_event_or_one_of_another_room_is_ignored():
    video = VideoSession("LZ-1")
    video.on_event(event(VideoEventKind.PARTICIPANT_CONNECTED, at=T0), in_video=True, now=T0)
    stale = event(VideoEventKind.PARTICIPANT_DISCONNECTED, at=T0 - timedelta(seconds=1))
    video.on_event(stale, in_video=True, now=T0)
    assert video.citizens_connected == {"LZ-1-P1"} and video.down_since is None
    video.room = act.RoomInfo(room_name="LZ-1-2")
    video.on_event(event(VideoEventKind.ROOM_ENDED, room="LZ-1-1"), in_video=True, now=T0)
    assert not video.room_ended


def test_a_room_is_closed_once():
    video = VideoSession("LZ-1")
    assert video.take_room_to_close() is None
    video.room = act.RoomInfo(room_name="LZ-1-1")
    assert video.take_room_to_close() == video.room
    assert video.take_room_to_close() is None


def test_a_decision_is_pending_until_its_notice_is_out_or_its_notice_failed():
    d = Determination()
    decision = case_factory.decision(["P1", "P2"])
    d.take(decision)
    assert d.pending and d.decided_version == 1
    d.refuse(Refusal(code="NOTICE_INVALID", reason="无法出具"))
    assert not d.pending and d.take_refusal() is not None and d.take_refusal() is None
    d.take(decision)
    d.issued_version = 1
    assert not d.pending and d.first_notice_issued
    d.take(decision)
    assert d.pending and d.decided_version == 2


def test_the_current_notice_is_the_last_determination_not_a_revocation():
    d = Determination()
    assert d.current_notice() is None and d.last_revocation() is None

    def notice(number: str, kind: NoticeKind = NoticeKind.DETERMINATION) -> NoticeRef:
        return NoticeRef(notice_number=number, short_code="X", sha256="0" * 64, pdf_path="", kind=kind)

    d.notices += [notice("N-1"), notice("N-2"), notice("N-R1", NoticeKind.REVOCATION)]
    current, revocation = d.current_notice(), d.last_revocation()
    assert current is not None and current.notice_number == "N-2"
    assert revocation is not None and revocation.notice_number == "N-R1"


def test_corrected_parties_keep_what_the_case_learned_about_them():
    p1, p2 = case_factory.motor_party("P1", "ok_picc"), case_factory.motor_party("P2", "ok_cpic")
    parties = Parties([p1, p2])
    parties["P1"].service.method = "electronic"
    fixed = p1.model_copy(update={"phone": "13800009999"})
    parties.replace([fixed])
    assert parties.ids == ["P1"] and "P2" not in parties
    assert parties["P1"].party.phone == "13800009999" and parties["P1"].service.method == "electronic"


def test_the_review_window_ends_with_the_last_served_party_s_deadline():
    parties = Parties([case_factory.motor_party("P1", "ok_picc"), case_factory.motor_party("P2", "ok_cpic")])
    assert parties.review_window_end() is None and parties.unserved_ids() == ["P1", "P2"]
    for pid, days in (("P1", 3), ("P2", 5)):
        s = parties[pid].service
        s.served_at, s.review_deadline = T0, T0 + timedelta(days=days)
    assert parties.all_served() and parties.review_window_end() == T0 + timedelta(days=5)
    parties["P1"].service.renew()
    assert parties.unserved_ids() == ["P1"] and parties["P1"].service.review_deadline is None


def test_the_shot_list_wants_every_required_shot_and_one_plate_per_vehicle():
    c = Collection()
    assert c.missing_shots(2) == ["overview_front", "overview_rear", "impact_point", "group_photo", "plate×2"]
    c.evidence = case_factory.shot_list("LZ-1", 1)
    assert c.missing_shots(1) == [] and c.missing_shots(2) == ["plate×1"]
    assert EvidenceKind.PLATE in [e.kind for e in c.evidence] and not c.safe


def test_the_nearest_deadline_is_the_earliest():
    d = Deadlines()
    assert d.nearest() is None
    d.set("notice_reminder", T0 + timedelta(hours=24))
    d.set("review_window", T0 + timedelta(hours=2))
    assert d.nearest() == ("review_window", T0 + timedelta(hours=2))
    d.drop("review_window")
    assert [x.kind for x in d.listed()] == ["notice_reminder"]
