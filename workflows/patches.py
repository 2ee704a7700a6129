"""The case workflow's patches, asked through one place. Every patch a case recorded before
BASELINE costs it a marker and a TemporalChangeVersion upsert (an event and a visibility write
each) the first time it is asked, nine in a walked case. A case started since records one
marker, BASELINE, when it starts, and takes every patch it covers as applied; a case started
before has no BASELINE marker in its first workflow task (always replayed), so it asks each
patch as it always did and replays unchanged.

Changes made with the baseline itself (every party's SMS of a step in one activity) are taken by
the cases started with it only: `started_with_baseline()`.

A new patch after BASELINE is asked with `patched(...)` too; it is not in COVERED, so it records
its own marker until a later baseline covers it."""

from __future__ import annotations

from temporalio import workflow

BASELINE = "patches-2026-12-01"
COVERED = frozenset(
    {
        "activities-made-local",
        "batched-read-model",
        "deadline-before-served",
        "retain-evidence-on-decision",
        "review-conclusion-in-writing",
        "review-deadline-settled-off-the-step",
        "rules-and-notice-local",
        "search-attributes-once-per-task",
        "serve-after-upheld-review",
        "stuck-activity-marker",
        "stuck-watch-one-timer",
        "video-clock-at-accept",
        "video-drop-recorded",
    }
)
_ATTRIBUTE = "_patch_baseline"  # on the workflow instance: module state is shared unsandboxed


def ask_baseline(instance: object) -> None:
    """In the workflow's `__init__` (the first workflow task, which every running case replays):
    whether this case started with BASELINE."""
    setattr(instance, _ATTRIBUTE, workflow.patched(BASELINE))


def patched(patch_id: str) -> bool:
    """`workflow.patched`, True without a marker for a patch BASELINE covers in a case started
    with it. Workflows that never ask the baseline (the case doctor, the retention sweep) ask
    every patch itself."""
    if patch_id in COVERED and started_with_baseline():
        return True
    return workflow.patched(patch_id)


def started_with_baseline() -> bool:
    return bool(getattr(workflow.instance(), _ATTRIBUTE, False))
