"""The retention sweep (DESIGN.md §2: recordings kept at least 6 months, permanently once a decision
rests on them): deletes the files of evidence whose 6 months have passed, never those kept
permanently, each deletion with an audit record on the case's timeline (activities/retention.py).

Started by a Temporal Schedule that the worker keeps (worker.ensure_retention_schedule: daily,
KUAICHU_RETENTION_SCHEDULE, overlapping runs skipped), not by an S3 lifecycle rule: what is due
is decided per record in the database (retain_until, permanent once used in a decision), which a
bucket rule keyed on object age cannot know, and every deletion must leave an audit record. The
same sweep runs on local disk (embedded) and on S3.

Deterministic: the time is ``workflow.now()``; batches until none is full (at most ``max_batches``
per run: the next run goes on), so the history stays small."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio import workflow

from domain import activity_contracts as act
from workflows.activity_calls import call


@dataclass
class RetentionRun:
    batch_size: int = 200
    max_batches: int = 50


@workflow.defn(name="RetentionWorkflow")
class RetentionWorkflow:
    @workflow.run
    async def run(self, run: RetentionRun) -> act.RetentionSweepResult:
        total = act.RetentionSweepResult()
        for _ in range(max(1, run.max_batches)):
            batch = await call(
                act.purge_expired_evidence, act.RetentionSweep(now=workflow.now(), limit=run.batch_size)
            )
            total = total.plus(batch)
            if not batch.more:
                break
        workflow.logger.info(
            "retention sweep: %d deleted, %d already absent, %d kept (permanent meanwhile)",
            total.deleted,
            total.absent,
            total.skipped,
        )
        return total
