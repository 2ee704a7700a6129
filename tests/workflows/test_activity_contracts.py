"""The activities the worker registers match their declarations one to one (name, input and
output as Temporal decodes them), and the workflow has a call policy for every declaration."""

from __future__ import annotations

from collections import Counter

from temporalio import activity

from activities.wiring import build_activities
from domain import activity_contracts as act
from workflows.activity_calls import POLICIES


def _definitions(settings, sessions) -> list[activity._Definition]:
    # Temporal's own reading of each registered function: the types it decodes payloads into
    return [activity._Definition.must_from_callable(fn) for fn in build_activities(settings, sessions)]


def test_every_declaration_has_exactly_one_registered_implementation(wf_settings, wf_sessions):
    names = Counter(d.name for d in _definitions(wf_settings, wf_sessions))
    declared = Counter(decl.name for decl in act.DECLARATIONS)
    assert len(declared) == len(act.DECLARATIONS) >= 12  # one declaration per name
    assert names == declared


def test_each_implementation_takes_the_declared_input_and_returns_the_declared_output(
    wf_settings, wf_sessions
):
    declared = {decl.name: ([decl.input], decl.output) for decl in act.DECLARATIONS}
    registered = {d.name: (d.arg_types, d.ret_type) for d in _definitions(wf_settings, wf_sessions)}
    assert registered == declared


def test_the_workflow_has_a_timeout_and_retry_policy_for_every_declaration():
    assert set(POLICIES) == set(act.DECLARATIONS)


def test_every_activity_is_bounded_or_classifies_what_no_retry_fixes():
    """No endless retry on an error that cannot heal: each call has a bound or names its
    permanent errors (the rest heal, and a non-local call that waits shows as stuck)."""
    for decl, policy in POLICIES.items():
        bounded = policy.schedule_to_close is not None or policy.retry.maximum_attempts > 0
        assert bounded or policy.retry.non_retryable_error_types, decl.name
