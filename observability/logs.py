"""Structured JSON logs (structlog) for the API and the worker: one JSON object a line, on stderr,
with ``ts``, ``level``, ``logger``, ``service``, ``event`` (the message), ``request_id`` and, inside
Temporal, ``workflow_id``/``run_id``/``activity_type``; personal data masked (domain/masking.py).

The project logs through the standard library (``logging.getLogger("kuaichu...")``); the formatter
here renders those records, uvicorn's and the Temporal SDK's alike. Entry points install it:
``worker.py`` calls ``configure_logging("worker")``, the API is started by uvicorn with
``--log-config deploy/logging-api.json`` (the dictConfig of ``logging_config("api")``)."""

from __future__ import annotations

import logging
import logging.config
import re
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog
from temporalio import activity, workflow

from domain.masking import mask_id_number, mask_name, mask_phone
from observability.request_id import request_id

# mainland mobiles (optionally +86) and resident ID numbers, wherever they appear in a text
_PHONE = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)")
_ID = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
# fields whose value is personal data whatever it looks like (a name is not recognisable in text)
_NAME_KEYS = {"name", "party_name", "insured_name", "officer_name", "driver_name"}
_PHONE_KEYS = {"phone", "reporter_phone", "insured_phone", "to", "mobile"}
_ID_KEYS = {"id_number", "licence_number"}


def scrub(text: str) -> str:
    """Masks every mobile (138****8000) and ID number (5105**********001X) in a text."""
    return _ID.sub(lambda m: mask_id_number(m[0]), _PHONE.sub(lambda m: mask_phone(m[0]), text))


def _masked(key: str, value: Any) -> Any:
    if isinstance(value, str):
        if key in _NAME_KEYS:
            return mask_name(value)
        if key in _PHONE_KEYS:
            return mask_phone(value)
        if key in _ID_KEYS:
            return mask_id_number(value)
        return scrub(value)
    if isinstance(value, Mapping):
        return {k: _masked(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(key, v) for v in value]
    return value


def mask_personal_data(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The last processor before rendering: nothing leaves unmasked, the traceback included."""
    return {k: _masked(k, v) for k, v in event.items()}


def add_request_id(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    rid = request_id.get()
    if rid and "request_id" not in event:
        event["request_id"] = rid
    return event


def flatten_temporal(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The SDK's ``temporal_workflow``/``temporal_activity`` extras as top-level fields."""
    for key in ("temporal_workflow", "temporal_activity"):
        details = event.pop(key, None)
        if isinstance(details, Mapping):
            for k in ("workflow_id", "run_id", "workflow_type", "activity_type", "activity_id", "attempt"):
                if k in details:
                    event.setdefault(k, details[k])
    return event


def _pre_chain(service: str) -> list[Any]:
    def add_service(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        event.setdefault("service", service)
        return event

    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(allow=["temporal_workflow", "temporal_activity"]),
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
        add_service,
        add_request_id,
        flatten_temporal,
    ]


class JsonFormatter(structlog.stdlib.ProcessorFormatter):
    """A logging.Formatter for any stdlib handler: ``{"()": "observability.logs.JsonFormatter",
    "service": "api"}`` in a dictConfig."""

    def __init__(self, service: str = "kuaichu", **kwargs: Any) -> None:
        super().__init__(
            foreign_pre_chain=_pre_chain(service),
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                mask_personal_data,
                structlog.processors.JSONRenderer(ensure_ascii=False),
            ],
            **kwargs,
        )


def logging_config(service: str, level: str = "INFO") -> dict[str, Any]:
    """The dictConfig: every logger (root, uvicorn's, the SDK's) through one JSON handler."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "observability.logs.JsonFormatter", "service": service}},
        "handlers": {
            "json": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
        },
        "root": {"handlers": ["json"], "level": level},
        "loggers": {
            **{
                name: {"handlers": [], "propagate": True, "level": level}
                for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
            },
            # the HTTP client's line per request (the registry's, the insurers'): the activity's
            # own line times each call already; its warnings still show
            "httpx": {"handlers": [], "propagate": True, "level": "WARNING"},
        },
    }


def configure_logging(service: str, level: str = "INFO") -> None:
    logging.config.dictConfig(logging_config(service, level))
    # the SDK's loggers: the workflow's and activity's details as fields (flatten_temporal), not
    # appended to the message
    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False
    structlog.configure(
        processors=[*_pre_chain(service), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
