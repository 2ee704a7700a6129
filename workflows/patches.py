"""The case workflow's patches, asked through one place. Every patch a case recorded before the
first baseline costs it a marker and a TemporalChangeVersion upsert (an event and a visibility
write each) the first time it is asked, nine in a walked case. A case records one marker, the
newest baseline, when it starts, and takes every patch that baseline covers as applied. A case
started with an older baseline (or before any) finds only that one (or none) in its first
workflow task, which every running case replays: it asks the patches the newer baselines added
as it always did and replays unchanged.

Changes made with the first baseline itself (every party's SMS of a step in one activity) are
taken by the cases started with any baseline: `started_with_baseline()`.

A new patch is asked with `patched(...)` too; until a new baseline covers it, it records its own
marker. A new baseline covers every patch of the one before it."""

from __future__ import annotations

from temporalio import workflow

_FIRST = frozenset(
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
# newest first: the name of each baseline's marker and the patches it covers
BASELINES: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "patches-2026-12-02",
        _FIRST | {"search-attributes-in-program-order", "stuck-watch-idle-without-timer"},
    ),
    ("patches-2026-12-01", _FIRST),
)
_ATTRIBUTE = "_patch_baseline"  # on the workflow instance: module state is shared unsandboxed


def ask_baseline(instance: object) -> None:
    """In the workflow's `__init__` (the first workflow task, which every running case replays):
    which baseline this case started with. A new case records the newest; on replay `patched`
    finds the one in the history (False, without a command, for the others)."""
    covered: frozenset[str] | None = None
    for name, patch_ids in BASELINES:
        if workflow.patched(name):
            covered = patch_ids
            break
    setattr(instance, _ATTRIBUTE, covered)


def patched(patch_id: str) -> bool:
    """`workflow.patched`, True without a marker for a patch the case's baseline covers.
    Workflows that never ask the baseline (the case doctor, the retention sweep) ask every patch
    itself."""
    covered: frozenset[str] | None = getattr(workflow.instance(), _ATTRIBUTE, None)
    if covered is not None and patch_id in covered:
        return True
    return workflow.patched(patch_id)


def started_with_baseline() -> bool:
    return getattr(workflow.instance(), _ATTRIBUTE, None) is not None
