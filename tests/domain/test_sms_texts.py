"""The SMS texts are declared once, with their id: a second declaration is an error, and every
declared text renders (its placeholders are parameters the senders give)."""

from __future__ import annotations

import string

import pytest

from adapters.sms_templates import SIGNATURE, is_secret, redacted_params, render_sms
from domain import sms_texts
from domain.sms_texts import REGISTRY, SmsTemplate


def test_an_id_declared_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        sms_texts.declare(SmsTemplate.ALERT_RECEIVED, "另一段文字")


@pytest.mark.parametrize("template", sorted(REGISTRY))
def test_every_declared_text_renders_with_its_placeholders(template: str) -> None:
    names = {f for _, f, _, _ in string.Formatter().parse(REGISTRY[template].text) if f}
    text = render_sms(template, {n: f"<{n}>" for n in names} | {"outcome": "uphold"})
    assert text.startswith(SIGNATURE) and "{" not in text


def test_credentials_are_declared_with_their_text_and_redacted() -> None:
    assert is_secret(SmsTemplate.LOGIN_CODE) and not is_secret(SmsTemplate.YOU_MAY_LEAVE)
    assert redacted_params(SmsTemplate.LOGIN_CODE, {"code": "123456", "minutes": "5"}) == {
        "code": "******",
        "minutes": "5",
    }
