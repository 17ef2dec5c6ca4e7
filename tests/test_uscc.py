"""统一社会信用代码 (GB 32100-2015, GB 11714) checks."""
from __future__ import annotations

import pytest

from ckanext.datong import uscc

# Published on the companies' business licences and in the national enterprise credit
# information publicity system (国家企业信用信息公示系统).
REAL_CODES = {
    "华为技术有限公司": "914403001922038216",
    "深圳市腾讯计算机系统有限公司": "91440300708461136T",
    "阿里巴巴（中国）有限公司": "91330100716105852F",
    "小米科技有限责任公司": "91110108551385082Q",
}


@pytest.mark.parametrize("name", sorted(REAL_CODES))
def test_real_codes_validate(name: str) -> None:
    assert uscc.is_valid(REAL_CODES[name])


def test_check_digits_of_a_real_code_by_hand() -> None:
    # 华为: organization code body 19220382, GB 11714 weights 3 7 9 10 5 8 4 2:
    # 3+63+18+20+0+24+32+4 = 164, 164 mod 11 = 10, 11-10 = 1 → char 17 is "1".
    assert uscc.org_check_digit("19220382") == "1"
    # GB 32100 over 91440300192203821, weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28:
    # 9+3+36+108+0+78+0+0+20+261+50+26+0+72+80+60+28 = 831, 831 mod 31 = 25, 31-25 = 6 → "6".
    first17 = "91440300192203821"
    total = sum(uscc.ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    assert total == 831
    assert uscc.ALPHABET[(31 - total % 31) % 31] == uscc.check_digit(first17) == "6"


def test_check_digit_maps_to_zero_not_31() -> None:
    # Whatever the sum, the check character stays inside the 31-character alphabet.
    for first17 in ("00000000000000000", "91140200MA0K00000", "11140200012345678"):
        assert uscc.check_digit(first17) in uscc.ALPHABET
    assert uscc.check_digit("00000000000000000") == "0"


@pytest.mark.parametrize("position", range(18))
def test_one_changed_character_fails(position: int) -> None:
    code = REAL_CODES["华为技术有限公司"]
    for replacement in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if replacement == code[position]:
            continue
        corrupted = code[:position] + replacement + code[position + 1:]
        assert not uscc.is_valid(corrupted), corrupted


@pytest.mark.parametrize(
    "code",
    [
        "",
        "91440300192203821",  # 17 characters
        "9144030019220382166",  # 19 characters
        "91440300708461136t",  # lowercase check character
        "91330100716105852f",
        "91440300708461136I",  # letters outside the alphabet
        "91440300708461136O",
        "91440300708461136Z",
        "91440300708461136S",
        "91440300708461136V",
        "9144030O192203821Б",  # non-ASCII character
        " 914403001922038216",
        "914403001922038216 ",
    ],
)
def test_malformed_codes_fail(code: str) -> None:
    assert not uscc.is_valid(code)


def test_out_of_range_authority_kind_and_region_fail() -> None:
    def with_parts(prefix: str, region: str = "140200") -> str:
        first17 = prefix + region + "01234567" + uscc.org_check_digit("01234567")
        return first17 + uscc.check_digit(first17)

    assert uscc.is_valid(with_parts("11"))
    assert not uscc.is_valid(with_parts("B1"))  # no authority B
    assert not uscc.is_valid(with_parts("94"))  # 工商 has kinds 1-3 only
    assert not uscc.is_valid(with_parts("Y2"))
    assert not uscc.is_valid(with_parts("11", "000000"))
    assert not uscc.is_valid(with_parts("11", "990000"))


def test_organization_code_check_must_hold() -> None:
    first17 = "11140200" + "01234567" + "0"
    if uscc.org_check_digit("01234567") == "0":
        first17 = first17[:-1] + "1"
    assert not uscc.is_valid(first17 + uscc.check_digit(first17))


@pytest.mark.parametrize(
    ("authority", "kind", "region", "body"),
    [
        ("1", "1", "140200", "01234567"),
        ("1", "1", "140213", "MA0K7T3W"),
        ("1", "2", "140226", "40562918"),
        ("5", "3", "140200", "LY0H8N2Q"),
        ("9", "1", "140215", "MA0XY123"),
        ("Y", "1", "110000", "00000000"),
    ],
)
def test_make_code_validates(authority: str, kind: str, region: str, body: str) -> None:
    code = uscc.make_code(authority, kind, region, body)
    assert len(code) == 18
    assert code.startswith(authority + kind + region + body)
    assert code[16] == uscc.org_check_digit(body)
    assert uscc.is_valid(code)


def test_make_code_reproduces_a_real_code() -> None:
    assert uscc.make_code("9", "1", "440300", "19220382") == REAL_CODES["华为技术有限公司"]
    assert uscc.make_code("9", "1", "440300", "70846113") == REAL_CODES["深圳市腾讯计算机系统有限公司"]


@pytest.mark.parametrize(
    ("authority", "kind", "region", "body"),
    [
        ("1", "4", "140200", "01234567"),
        ("Z", "1", "140200", "01234567"),
        ("1", "1", "14020", "01234567"),
        ("1", "1", "140200", "0123456"),
        ("1", "1", "140200", "0123456I"),
    ],
)
def test_make_code_rejects_bad_parts(authority: str, kind: str, region: str, body: str) -> None:
    with pytest.raises(ValueError):
        uscc.make_code(authority, kind, region, body)
