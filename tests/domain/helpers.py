"""Shared builders for domain tests."""

from __future__ import annotations

from datetime import date

from domain.validators import resident_id_check_char

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_resident_id(region: str = "510502", birth: date = date(1990, 1, 1), seq: str = "123") -> str:
    """A checksum-valid ID, computed independently of the code under test (MOD 11-2 by hand)."""
    first17 = f"{region}{birth:%Y%m%d}{seq}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]
    assert check == resident_id_check_char(first17)
    return first17 + check
