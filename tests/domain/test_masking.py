import pytest

from domain.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("510502199001011234", "5105**********1234"),
        ("51050219900101001X", "5105**********001X"),
        ("51050219900101001x", "5105**********001X"),
        ("", ""),
        ("1", "*"),
        ("12345", "1***5"),
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812348000", "138****8000"),
        ("+86 138-1234-8000", "138****8000"),
        ("8613812348000", "138****8000"),
        ("", ""),
        ("1234", "1**4"),
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张三", "张*"),
        ("欧阳娜娜", "欧***"),
        (" 李四 ", "李*"),
        ("张", "*"),
        ("", ""),
        ("阿卜杜拉·买买提", "阿*******"),
    ],
)
def test_mask_name(value, masked):
    assert mask_name(value) == masked


@pytest.mark.parametrize("value", ["", "1", "12", "123", "1234567", "510502199001011234", "13812348000"])
def test_short_input_never_fully_revealed(value):
    for fn in (mask_id_number, mask_phone):
        masked = fn(value)
        assert len(masked) == len(value)
        if value:
            assert "*" in masked
