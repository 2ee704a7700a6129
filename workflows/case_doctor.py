"""CaseDoctorWorkflow: one round of looking after the case workflows, started by a Temporal
Schedule (worker.ensure_case_doctor_schedule), one round at a time (overlap: skip).

Why it exists: a case whose workflow task cannot be replayed waits for ever — nobody is told and
retrying cannot fix it. Temporal marks such workflows in visibility (TemporalReportedProblems);
the round's activity resets each one whose failure is a replay nondeterminism to the workflow
task before the event replay disagrees with, reapplying its signals and updates. Every side
effect of a case is idempotent (SMS, claims and notices are keyed by case and step), so the
steps it runs again have no second effect. Other reported problems are listed for operators."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import activity_contracts as act
    from workflows.activity_calls import call

CASE_DOCTOR_WORKFLOW = "CaseDoctorWorkflow"


@workflow.defn(name=CASE_DOCTOR_WORKFLOW)
class CaseDoctorWorkflow:
    @workflow.run
    async def run(self, request: act.HealRequest) -> act.HealReport:
        return await call(act.heal_stuck_cases, request)
