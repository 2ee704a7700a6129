"""Custom search attributes for the Temporal UI. Registered wherever a server is started
(worker start-up against the dev server, tests, docker-compose). No personal data in them."""

from typing import Any

from temporalio.common import SearchAttributeKey

from domain.activity_contracts import STUCK_ACTIVITIES_ATTRIBUTE

CASE_STATUS = SearchAttributeKey.for_keyword("CaseStatus")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("NextDeadline")
DISTRICT = SearchAttributeKey.for_keyword("District")
SEAT_ID = SearchAttributeKey.for_keyword("SeatId")
OFFICER_ID = SearchAttributeKey.for_keyword("OfficerId")
# activities a case has waited on longer than workflows.activity_calls.STUCK_AFTER (names only)
STUCK_ACTIVITIES = SearchAttributeKey.for_keyword_list(STUCK_ACTIVITIES_ATTRIBUTE)

ALL: tuple[SearchAttributeKey[Any], ...] = (
    CASE_STATUS,
    NEXT_DEADLINE,
    DISTRICT,
    SEAT_ID,
    OFFICER_ID,
    STUCK_ACTIVITIES,
)
