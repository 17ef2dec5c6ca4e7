"""Factories for the municipal schemas: CKAN's own factories with the required catalog and
organization fields filled with valid, consistent values (override any of them per call)."""
from __future__ import annotations

from typing import Any

import factory
from ckan.tests import factories as ckan_factories

from ckanext.datong import uscc

User = ckan_factories.User
Sysadmin = ckan_factories.Sysadmin
UserWithToken = ckan_factories.UserWithToken
SysadminWithToken = ckan_factories.SysadminWithToken
Resource = ckan_factories.Resource
fake = ckan_factories.fake


class Organization(ckan_factories.Organization):
    """A municipal department with a valid demo 统一社会信用代码 and a unique department number."""

    org_kind = "市直部门"
    region_code = "140200"
    uscc = factory.Sequence(lambda n: uscc.make_code("1", "1", "140200", f"TE{n:06d}"))
    uscc_is_demo = "true"
    dept_code = factory.Sequence(lambda n: f"{n % 1000:03d}")


ENTRY_DEFAULTS = {
    "title": "测试信息资源",
    "notes": "测试用信息资源摘要。",
    "resource_class": "201003",
    "industry_domain": "政务",
    "catalog_format": "电子表格",
    "share_type": "无条件共享",
    "open_type": "无条件开放",
    "update_frequency": "每月",
    "spatial_scope": "140200",
    "data_grade": "一般-1",
}
"""The required catalog fields of an openly shared and opened entry graded 一般-1."""


def entry(**fields: Any) -> dict[str, Any]:
    """package_create fields: ENTRY_DEFAULTS overridden by `fields`."""
    return {**ENTRY_DEFAULTS, **fields}


class Dataset(ckan_factories.Dataset):
    """A catalog entry with ENTRY_DEFAULTS for every field not given."""

    title = factory.Sequence(lambda n: f"测试信息资源{n}")
    notes = ENTRY_DEFAULTS["notes"]

    @classmethod
    def _create(cls, target_class: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return super()._create(target_class, *args, **entry(**kwargs))
