"""The constrained text types of every text field of the domain's input models.

Why: text enters the case through many doors (request bodies of any content type, console forms,
webhooks) and ends in PostgreSQL, SMS and the printed notice. A NUL cannot be stored in PostgreSQL
text, a lone surrogate cannot be encoded as UTF-8, other control characters and bidi overrides
garble what an officer reads, and a character no notice font has makes every decision fail at
rendering. So each field is checked once, where it enters the model, whatever the transport:

* every text is NFKC-normalised (full-width digits and letters become ASCII, compatibility forms
  their canonical character), so validators and comparisons see one spelling; except the
  full-width punctuation of Chinese prose (，：；（）！？), which NFKC would turn into ASCII
  punctuation on a legal document;
* control characters (C0, DEL, C1), lone surrogates and bidi controls are refused; only the
  multi-line types keep line breaks (``\\r\\n`` and ``\\r`` become ``\\n``);
* the ``Printed*`` types, for what the notice prints, also refuse characters the notice's fonts
  cannot draw (domain.notice_glyphs, generated from the fonts), e.g. an emoji in the address.

A refusal is a pydantic error whose type is a refusal code (INVALID_CHARACTERS, UNPRINTABLE_TEXT):
the API answers it with that code and the Chinese reason."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from domain.notice_glyphs import unprintable

# full-width punctuation (U+FF01-FF65 but digits and letters): Chinese text's own, kept as written
_KEPT = frozenset(c for c in map(chr, range(0xFF01, 0xFF66)) if not c.isalnum())
_KEPT_RUN = re.compile("([" + re.escape("".join(sorted(_KEPT))) + "]+)")
# bidi embedding/override/isolate controls: they reorder what a reader sees (spoofing)
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MAX_SHOWN = 3  # unprintable characters named in the reason


def _refused(ch: str, multiline: bool) -> bool:
    if ch == "\n":
        return not multiline
    category = unicodedata.category(ch)
    return category in ("Cc", "Cs") or ch in _BIDI


def nfkc_keeping_punctuation(value: str) -> str:
    """NFKC of everything but runs of full-width punctuation (segments between them normalised
    whole, so that combining sequences compose as in plain NFKC)."""
    parts = _KEPT_RUN.split(value)  # odd indexes: the kept runs
    return "".join(p if i % 2 else unicodedata.normalize("NFKC", p) for i, p in enumerate(parts))


def normalise(value: str, multiline: bool = False) -> str:
    """NFKC, line breaks unified; raises the INVALID_CHARACTERS error for a control character."""
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = nfkc_keeping_punctuation(value)
    if any(_refused(ch, multiline) for ch in value):
        from domain import refusals as R  # here: domain.refusals imports domain.models, which uses us

        reason = R.INVALID_CHARACTERS.reason + (
            "（不能包含控制字符）" if multiline else "（不能包含换行或控制字符）"
        )
        raise PydanticCustomError(R.INVALID_CHARACTERS.code, "{reason}", {"reason": reason})
    return value


def as_line(value: str) -> str:
    return normalise(value)


def _text(value: str) -> str:
    return normalise(value, multiline=True)


def _printable(value: str) -> str:
    missing = unprintable(value)
    if missing:
        from domain import refusals as R

        shown = "、".join(f"“{ch}”" for ch in dict.fromkeys(missing[:_MAX_SHOWN]))
        reason = f"{R.UNPRINTABLE_TEXT.reason}：{shown}"
        raise PydanticCustomError(R.UNPRINTABLE_TEXT.code, "{reason}", {"reason": reason})
    return value


def _normalised_first(fn: Callable[[str], str]) -> BeforeValidator:
    """Normalise before pydantic's length checks: NFKC may lengthen a text (U+00A8 → two
    characters), so a limit checked before it would let a value through that the same model then
    refuses when it is validated again (a command built from the API's body: a 500). A non-string
    is left to the type check, which refuses it as such."""

    def run(value: object) -> object:
        return fn(value) if isinstance(value, str) else value

    return BeforeValidator(run)


# One line: names, numbers, codes, short labels.
Line = Annotated[str, _normalised_first(as_line)]
# Several lines: facts, descriptions, reasons.
Text = Annotated[str, _normalised_first(_text)]
# Printed on the notice: as above, and every character drawable by the notice's fonts.
PrintedLine = Annotated[str, _normalised_first(as_line), AfterValidator(_printable)]
PrintedText = Annotated[str, _normalised_first(_text), AfterValidator(_printable)]
