"""信息资源代码 (resource codes) of the 1272 guide: 前段码 "/" 后段码.

前段码 is the classification path (类 1 digit, 项 2, 目 3, optional 细目 2-3); 后段码 is
the provider's GB/T 2260 code (6 digits), its department number (3) and a sequence (5).
Sequences are allocated per provider, never reused (deleted entries keep theirs): the next
number after the highest stored one, claimed with a transaction-scoped advisory lock that is
never waited for, so concurrent creates of one provider neither take the same number nor
queue behind each other (a number claimed by a writer still in progress is passed over).
"""
from __future__ import annotations

import re

import sqlalchemy as sa

import ckan.model as model

from ckanext.datong import locks

CLASS_PATH = re.compile(r"[1-3]\d{5}(\d{2,3})?")
SEQUENCE_DIGITS = 5


class CodeUnavailable(Exception):
    """No code can be generated for the provider; the Chinese message names the field by
    `{label}`, to be filled in by the caller."""


def provider_prefix(region_code: str, dept_code: str) -> str:
    """The first nine digits of a provider's 后段码."""
    return f"{region_code}{dept_code}"


def next_code(class_path: str, prefix: str) -> str:
    """A new code for an entry of `class_path` from the provider whose 后段码 starts with
    `prefix`; raises OverflowError when the provider's 99,999 sequence numbers are used."""
    sequence = _highest(prefix) + 1
    while not locks.claim(f"datong-resource-code:{prefix}{sequence:0{SEQUENCE_DIGITS}d}") \
            or _highest(prefix) >= sequence:  # passed over, or committed meanwhile
        sequence += 1
    if sequence >= 10**SEQUENCE_DIGITS:
        raise OverflowError(prefix)
    return f"{class_path}/{prefix}{sequence:0{SEQUENCE_DIGITS}d}"


def _highest(prefix: str) -> int:
    """The highest sequence number stored for the provider `prefix` (0 for none): the last 5
    digits of the greatest 后段码 of the form prefix + 5 digits (index datong_resource_code_back)."""
    found = model.Session.execute(
        sa.text(
            "SELECT split_part(value, '/', 2) FROM package_extra "
            "WHERE key = 'resource_code' AND split_part(value, '/', 2) COLLATE \"C\" BETWEEN :low AND :high "
            "AND split_part(value, '/', 2) ~ '^[0-9]+$' AND length(split_part(value, '/', 2)) = :length "
            "ORDER BY split_part(value, '/', 2) COLLATE \"C\" DESC LIMIT 1"
        ),
        {"low": prefix + "0" * SEQUENCE_DIGITS, "high": prefix + "9" * SEQUENCE_DIGITS,
         "length": len(prefix) + SEQUENCE_DIGITS},
    ).scalar()
    return int(found[-SEQUENCE_DIGITS:]) if found else 0


def generate(class_path: str, provider: model.Group) -> str:
    """A new code for an entry of `class_path` from `provider` (an organization with its
    行政区划代码 and 部门编号); CodeUnavailable when it has none or its sequence is used up."""
    region, dept = provider.extras.get("region_code", ""), provider.extras.get("dept_code", "")
    if not (re.fullmatch(r"\d{6}", region) and re.fullmatch(r"\d{3}", dept)):
        raise CodeUnavailable(f"提供方“{provider.title}”未设置行政区划代码或部门编号，无法自动生成「{{label}}」，"
                              "请填写代码或先完善提供方信息")
    try:
        return next_code(class_path, provider_prefix(region, dept))
    except OverflowError:
        raise CodeUnavailable(
            f"提供方“{provider.title}”的信息资源顺序号已用尽，无法自动生成「{{label}}」") from None


def code_in_use(code: str, package_id: str | None) -> bool:
    """Whether another dataset that is not deleted already carries `code`."""
    query = (
        model.Session.query(model.PackageExtra.package_id)
        .join(model.Package, model.Package.id == model.PackageExtra.package_id)
        .filter(
            model.PackageExtra.key == "resource_code",
            model.PackageExtra.value == code,
            model.Package.state != "deleted",
        )
    )
    if package_id:
        query = query.filter(model.Package.id != package_id)
    return model.Session.query(query.exists()).scalar()
