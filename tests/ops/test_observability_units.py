"""The small rules under the metrics and logs: masking before rendering, bounded labels, and a
request id a caller cannot use to forge log content."""

from __future__ import annotations

import io
import json
import logging

import pytest

from observability.logs import JsonFormatter, scrub
from observability.metrics import OTHER, BoundedLabel
from observability.request_id import accepted_or_new, request_id


def test_phones_and_id_numbers_are_masked_anywhere_in_a_text() -> None:
    text = "to +8613800138000 / 13912345678, id 51050219800101001X, case LZ20261125-000001"
    assert scrub(text) == "to 138****8000 / 139****5678, id 5105**********001X, case LZ20261125-000001"
    assert scrub("order 123456789012345678901") == "order 123456789012345678901"  # too long: not an ID


def _render(record_args: dict[str, object], message: str, *args: object) -> dict[str, object]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(service="unit"))
    logger = logging.getLogger("kuaichu.unit-test")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(message, *args, extra=record_args)
    finally:
        logger.removeHandler(handler)
    line: dict[str, object] = json.loads(stream.getvalue())
    return line


def test_a_json_line_has_its_fields_and_the_temporal_details_flattened() -> None:
    token = request_id.set("rid-1")
    try:
        line = _render(
            {"temporal_activity": {"activity_type": "send_sms", "workflow_id": "case-LZ1", "attempt": 2}},
            "sms to %s failed",
            "13800138000",
        )
    finally:
        request_id.reset(token)
    assert line["event"] == "sms to 138****8000 failed"
    assert line["request_id"] == "rid-1" and line["service"] == "unit" and line["level"] == "warning"
    assert (line["activity_type"], line["workflow_id"], line["attempt"]) == ("send_sms", "case-LZ1", 2)
    assert "temporal_activity" not in line and line["ts"].endswith("Z")  # type: ignore[union-attr]


def test_a_traceback_is_masked_too() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(service="unit"))
    logger = logging.getLogger("kuaichu.unit-test-exc")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        raise ValueError("bad party 51050219800101001X")
    except ValueError:
        logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert "51050219800101001X" not in line["exception"] and "5105**********001X" in line["exception"]


@pytest.mark.parametrize(
    "given, kept",
    [
        ("abc-123.DEF_4:5", True),
        ("", False),
        ("a" * 65, False),
        ('x" "event": "forged', False),
        ("a\tb", False),
    ],
)
def test_only_a_plain_caller_request_id_is_kept(given: str, kept: bool) -> None:
    got = accepted_or_new(given)
    assert (got == given) is kept and len(got) <= 64


def test_a_data_fed_label_keeps_its_cardinality_bounded() -> None:
    label = BoundedLabel(limit=3)
    assert [label(d) for d in ("江阳区", "龙马潭区", "江阳区", "纳溪区", "泸县", "")] == [
        "江阳区",
        "龙马潭区",
        "江阳区",
        "纳溪区",
        OTHER,
        OTHER,
    ]
