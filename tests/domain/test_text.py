"""The one text type (domain.text): every text field of every domain input model uses it, so a
control character is refused and text is NFKC-normalised wherever it enters; what the notice
prints is refused at the door when no notice font can draw it."""

from __future__ import annotations

import inspect
import typing
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from domain import messages, models
from domain.models import Location, Party, PartyKind
from domain.text import normalise
from domain.validators import normalize_mobile, validate_mobile, validate_name

# shapes the workflow or the API builds and returns (never read from a person): no text rule needed
OUTPUTS = {
    "Refusal",
    "VideoAccess",
    "ClaimResult",
    "PartyVerification",
    "NoticeRef",
    "PartyView",
    "Deadline",
    "CaseView",
}


def _input_models() -> list[type[BaseModel]]:
    found = []
    for module in (models, messages):
        for name, cls in vars(module).items():
            if inspect.isclass(cls) and issubclass(cls, BaseModel) and cls.__module__ == module.__name__:
                if name not in OUTPUTS and cls.model_fields:
                    found.append(cls)
    return found


def _is_text(annotation: Any) -> bool:
    return annotation is str or str in typing.get_args(annotation)


def _uses_text_type(metadata: list[Any]) -> bool:
    return any(getattr(getattr(m, "func", None), "__module__", "") == "domain.text" for m in metadata)


def test_every_text_field_of_every_input_model_uses_the_text_types():
    plain = []
    for cls in _input_models():
        for name, field in cls.model_fields.items():
            if not _is_text(field.annotation):
                continue
            if not _uses_text_type(field.metadata):
                plain.append(f"{cls.__name__}.{name}")
    assert plain == [], "plain str fields (use domain.text.Line/Text/Printed*): " + ", ".join(plain)


def test_list_and_dict_items_use_the_text_types_too():
    impact = models.DecisionContent.model_fields["impact_points"].annotation
    (item,) = typing.get_args(impact)
    assert _uses_text_type(list(typing.get_args(item)[1:]))


@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x1b[31m", "\x7f", "\x85", "\x9f", "\u202e"])
def test_control_characters_are_refused_in_a_line_and_a_text(bad):
    with pytest.raises(ValidationError) as info:
        Location(lat=28.87, lon=105.44, address=f"南城{bad}街道")
    assert info.value.errors()[0]["type"] == "INVALID_CHARACTERS"
    with pytest.raises(ValidationError) as info:
        models.DeclaredFacts(category=models.AccidentCategory.MOTOR_VS_MOTOR, description=f"追尾{bad}")
    assert info.value.errors()[0]["type"] == "INVALID_CHARACTERS"
    assert "控制字符" in info.value.errors()[0]["msg"]


def test_a_lone_surrogate_is_refused_by_pydantic_itself():
    with pytest.raises(ValidationError):
        Location(lat=28.87, lon=105.44, address="南城\ud800")


def test_a_line_break_is_text_not_a_line():
    facts = models.DeclaredFacts(category=models.AccidentCategory.MOTOR_VS_MOTOR, description="甲\r\n乙\r丙")
    assert facts.description == "甲\n乙\n丙"
    with pytest.raises(ValidationError):
        Location(lat=28.87, lon=105.44, address="南城\n街道")


def test_text_is_nfkc_normalised_where_it_enters():
    assert Location(lat=28.87, lon=105.44, address="南城街道Ａ区１２号").address == "南城街道A区12号"
    party = Party(party_id="P1", kind=PartyKind.NON_MOTOR, name="李四", phone="１３６０００００００６")
    assert party.phone == "13600000006"
    assert normalise("ﬁ") == "fi"
    # but Chinese prose keeps its full-width punctuation (NFKC would make it ASCII)
    assert normalise("甲车追尾，乙车（停放）：无人受伤！") == "甲车追尾，乙车（停放）：无人受伤！"
    assert normalise("Ａ，e\u0301") == "A，é"


def test_an_emoji_address_is_refused_with_a_reason_naming_it():
    with pytest.raises(ValidationError) as info:
        Location(lat=28.87, lon=105.44, address="南城街道🚗100号")
    error = info.value.errors()[0]
    assert error["type"] == "UNPRINTABLE_TEXT" and "🚗" in error["msg"] and "无法打印" in error["msg"]
    # text that is not printed may hold it (a description the citizen writes for the seat)
    models.DeclaredFacts(category=models.AccidentCategory.MOTOR_VS_MOTOR, description="追尾🚗")


def test_an_extension_b_name_is_printable_and_valid():
    party = Party(party_id="P1", kind=PartyKind.NON_MOTOR, name="𠮷田", phone="13600000006")
    assert validate_name(party.name) is None


@pytest.mark.parametrize("value", ["1360000000６", "１３６０００００００６"])
def test_full_width_digits_are_ascii_after_nfkc_and_accepted(value):
    assert validate_mobile(value) is None and normalize_mobile(value) == "13600000006"


@pytest.mark.parametrize("value", ["13100000٠٠1", "1310000000१", "13100000۰۰1"])
def test_digits_of_other_scripts_are_refused(value):
    refusal = validate_mobile(value)
    assert refusal is not None and refusal.code == "INVALID_MOBILE"


def test_the_length_limit_holds_for_the_normalised_text_and_validation_is_stable() -> None:
    """NFKC lengthens U+00A8 to two characters: the limit is checked on what is kept, so a value
    accepted once is accepted again (a command built from an API body), never a 500."""
    from pydantic import BaseModel, Field, ValidationError

    from domain.text import Line

    class Short(BaseModel):
        code: Line = Field(max_length=2)

    with pytest.raises(ValidationError):
        Short(code="\u00a8\u00a8")  # four characters once normalised
    kept = Short(code="\ufb01")  # the ligature: "fi"
    assert kept.code == "fi" and Short(**kept.model_dump()) == kept
