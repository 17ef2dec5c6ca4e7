"""统一社会信用代码 (unified social credit identifier), GB 32100-2015.

An 18-character code over the alphabet 0-9 A-H J-N P-R T-U W-Y (no I O Z S V):

====  ===========================================================================
pos   meaning
====  ===========================================================================
1     registration authority (登记管理部门), e.g. 1 机构编制, 5 民政, 9 工商
2     kind of entity under that authority (机构类别), e.g. 11 机关, 12 事业单位
3-8   GB/T 2260 administrative division code of the registration authority
9-17  主体标识码: the 9-character GB 11714 organization code, char 17 its check char
18    check character over chars 1-17 (weights 3**i mod 31)
====  ===========================================================================
"""
from __future__ import annotations

import re
from typing import Final

__all__ = [
    "ALPHABET",
    "AUTHORITIES",
    "check_digit",
    "is_valid",
    "make_code",
    "org_check_digit",
    "problem",
]

ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""GB 32100 code characters in value order (0..30)."""

_VALUE: Final = {char: value for value, char in enumerate(ALPHABET)}
_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, …, 28

# GB 11714: the 8-character body of an organization code, weights and modulus 11.
_ORG_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)

AUTHORITIES: Final[dict[str, tuple[str, dict[str, str]]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": ("司法行政", {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所",
                     "4": "司法鉴定机构", "5": "仲裁委员会", "9": "其他"}),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构",
                 "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织",
                 "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}
"""Registration authorities (登记管理部门) and the kinds (机构类别) each may register."""

# First two digits of a GB/T 2260 code: provinces, plus 10 for bodies registered centrally.
_PROVINCES: Final = frozenset(
    "10 11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)

_SHAPE: Final = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")


def _char_value_11714(char: str) -> int:
    """Value of an organization-code character: digits 0-9, letters A=10 … Z=35."""
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    raise ValueError(f"illegal organization code character: {char!r}")


def org_check_digit(body: str) -> str:
    """GB 11714 check character of an 8-character organization code body ('0'-'9' or 'X')."""
    if len(body) != 8:
        raise ValueError(f"an organization code body has 8 characters, got {len(body)}: {body!r}")
    total = sum(_char_value_11714(c) * w for c, w in zip(body, _ORG_WEIGHTS))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def check_digit(first17: str) -> str:
    """GB 32100 check character (char 18) of the first 17 characters of a code."""
    if len(first17) != 17:
        raise ValueError(f"expected 17 characters, got {len(first17)}: {first17!r}")
    try:
        total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS))
    except KeyError as error:
        raise ValueError(f"illegal credit code character: {error.args[0]!r}") from None
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Why `code` is not a valid 统一社会信用代码, in Chinese; None when it is valid."""
    if not isinstance(code, str) or len(code) != 18:
        return f"应为18位（现为{len(code) if isinstance(code, str) else 0}位）"
    if not _SHAPE.fullmatch(code):
        return "只能由数字和大写字母组成（不含 I、O、Z、S、V），第3-8位须为数字"
    authority, kind = code[0], code[1]
    if authority not in AUTHORITIES:
        return f"第1位登记管理部门代码“{authority}”不存在"
    if kind not in AUTHORITIES[authority][1]:
        return f"第2位机构类别代码“{kind}”不属于登记管理部门“{AUTHORITIES[authority][0]}”"
    if code[2:4] not in _PROVINCES:
        return f"第3-8位行政区划代码“{code[2:8]}”不是有效的省级区划"
    if org_check_digit(code[8:16]) != code[16]:
        return "第9-17位组织机构代码的校验码不正确"
    if check_digit(code[:17]) != code[17]:
        return "第18位校验码不正确"
    return None


def is_valid(code: str) -> bool:
    """Whether `code` is a well-formed 统一社会信用代码 with both check characters right."""
    return problem(code) is None


def make_code(authority: str, kind: str, region: str, org_body: str) -> str:
    """Build a valid code from its parts; `org_body` is the 8-character organization code body.

    Both check characters (GB 11714 for the organization code, GB 32100 for the whole) are
    computed. Raises ValueError when a part is out of range.
    """
    if kind not in AUTHORITIES.get(authority, ("", {}))[1]:
        raise ValueError(f"unknown registration authority/kind: {authority!r}/{kind!r}")
    if not re.fullmatch(r"[0-9]{6}", region) or region[:2] not in _PROVINCES:
        raise ValueError(f"region must be a 6-digit GB/T 2260 code: {region!r}")
    if not re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{8}", org_body):
        raise ValueError(f"organization code body must be 8 code characters: {org_body!r}")
    first17 = authority + kind + region + org_body + org_check_digit(org_body)
    code = first17 + check_digit(first17)
    assert is_valid(code), code
    return code
