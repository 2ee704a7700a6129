"""Rendering an SMS: the declared text (domain/sms_texts.py) with its parameters, signed with
the service's signature; the parameters that are credentials redacted wherever a text is shown."""

from __future__ import annotations

from domain.sms_texts import REGISTRY

SIGNATURE = "【交管快处】"

OUTCOME_ZH = {"uphold": "维持原认定", "redetermine": "撤销原认定、重新认定"}


def is_secret(template: str) -> bool:
    """A text that carries a credential (a login code, a one-time link): its body is never shown,
    except in the embedded outbox, which is the simulated handset."""
    declared = REGISTRY.get(template)
    return bool(declared and declared.secret_params)


def redacted_params(template: str, params: dict[str, str]) -> dict[str, str]:
    declared = REGISTRY.get(template)
    secret = declared.secret_params if declared else ()
    return {k: ("******" if k in secret else v) for k, v in params.items()}


class UnknownTemplate(ValueError):
    pass


def render_sms(template: str, params: dict[str, str]) -> str:
    declared = REGISTRY.get(template)
    if declared is None:
        raise UnknownTemplate(f"unknown SMS template {template!r}")
    values = {"outcome_zh": OUTCOME_ZH.get(params.get("outcome", ""), ""), **params}
    try:
        return SIGNATURE + declared.text.format(**values)
    except KeyError as missing:
        raise UnknownTemplate(f"template {template!r} needs parameter {missing}") from None
