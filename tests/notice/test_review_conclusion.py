"""Building the review conclusion from the reviewed notice and the reviewers' outcome."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.notice.review_conclusion import Reviewer, ReviewOutcome, build_review_conclusion_content
from adapters.notice.sample import REVIEWERS, sample_content, sample_review_conclusion
from domain.models import NoticeKind

AT = datetime(2026, 3, 17, 2, 0, tzinfo=UTC)


def _build(**overrides):
    args = dict(
        reviewed=sample_content(),
        notice_number="FH1",
        outcome=ReviewOutcome.UPHOLD,
        reasons="P1未保持安全距离",
        reviewers=REVIEWERS,
        applicant_party_ids=["P2"],
        request="P2请求重新认定",
        applied_at=AT,
        issued_at=AT,
    )
    args.update(overrides)
    return build_review_conclusion_content(**args)


def test_conclusion_takes_case_parties_and_units_from_the_reviewed_notice():
    notice = sample_content()
    conclusion = sample_review_conclusion(notice)
    assert conclusion.kind == NoticeKind.REVIEW_CONCLUSION
    assert conclusion.case_number == notice.case_number
    assert conclusion.review_unit == notice.review_unit and conclusion.original_unit == notice.unit
    assert conclusion.reviewed_notice_number == notice.notice_number
    assert [p.label for p in conclusion.applicants] == ["甲"]
    assert [p.liability_label for p in conclusion.parties] == [p.liability_label for p in notice.parties]


def test_party_ids_become_labels_and_unknown_ones_are_refused():
    conclusion = _build()
    assert conclusion.reasons == "甲未保持安全距离" and conclusion.request == "乙请求重新认定"
    with pytest.raises(ValueError, match="P7"):
        _build(reasons="P7未保持安全距离")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"reviewers": REVIEWERS[:1]}, "at least two"),
        ({"applicant_party_ids": []}, "applicants"),
        ({"applicant_party_ids": ["P9"]}, "applicants"),
        ({"reasons": "  "}, "reasons"),
        ({"applied_at": datetime(2026, 3, 9)}, "aware"),
    ],
)
def test_refusals(overrides, message):
    with pytest.raises(ValueError, match=message):
        _build(**overrides)


def test_digest_covers_the_outcome():
    assert _build().digest() != _build(outcome=ReviewOutcome.REDETERMINE).digest()
    assert (
        _build(reviewers=[*REVIEWERS, Reviewer(name="刘三", badge_number="1")]).digest() != _build().digest()
    )
