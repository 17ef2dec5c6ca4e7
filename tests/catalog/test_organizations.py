"""The organization schema: credit codes checked per GB 32100, kinds, division codes,
department numbers unique per division, and pinyin URL names."""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories, helpers

from ckanext.datong import access, uscc

pytestmark = pytest.mark.usefixtures("clean_db", "with_plugins")

VALID = {
    "title": "大同市交通运输局",
    "org_kind": "市直部门",
    "uscc": uscc.make_code("1", "1", "140200", "DT000001"),
    "region_code": "140200",
    "dept_code": "013",
}


def create(**fields: Any) -> dict[str, Any]:
    context = {"user": helpers.call_action("get_site_user")["name"]}
    return helpers.call_action("organization_create", context=context, **{**VALID, **fields})


def errors_of(**fields: Any) -> dict[str, list[str]]:
    with pytest.raises(tk.ValidationError) as raised:
        create(**fields)
    return raised.value.error_dict


def test_a_valid_department_gets_a_pinyin_name_and_keeps_its_fields():
    org = create(contact_phone="0352-1234567", short_name="市交通局")
    assert org["name"] == "datongshi-jiaotongyunshu-ju"
    assert (org["uscc"], org["org_kind"], org["region_code"], org["dept_code"]) == (
        VALID["uscc"], "市直部门", "140200", "013")


@pytest.mark.parametrize("code, message", [
    ("", "「统一社会信用代码」为必填项"),
    ("11140200DT000001", "应为18位（现为16位）"),
    ("11140200DT00000IOK", "只能由数字和大写字母组成"),
    ("B1140200DT0000019K", "第1位登记管理部门代码“B”不存在"),
    ("1414020000000001XK"[:18], "第2位机构类别代码“4”不属于登记管理部门“机构编制”"),
    (VALID["uscc"][:16] + "00", "校验码不正确"),
])
def test_credit_codes_are_checked(code, message):
    errors = errors_of(uscc=code, title="大同市测试局")
    assert any(message in text for text in errors["uscc"]), errors


def test_kind_division_and_department_number_are_checked():
    errors = errors_of(org_kind="委员会", region_code="140200-sz", dept_code="13")
    assert errors["org_kind"] == ["「组织类型」的取值“委员会”无效，可选：市直部门、县区、经开区、数据主管部门"]
    assert errors["region_code"][0].startswith("「行政区划代码」“140200-sz”无效")
    assert errors["dept_code"] == ["「部门编号」应为3位数字（现为“13”）"]


def test_department_numbers_are_unique_within_a_division():
    create()
    errors = errors_of(title="大同市文化和旅游局", uscc=uscc.make_code("1", "1", "140200", "DT000002"))
    assert errors["dept_code"] == ["「部门编号」“013”已被同一行政区划的“大同市交通运输局”使用"]
    county = create(title="平城区交通运输局", region_code="140213",
                    uscc=uscc.make_code("1", "1", "140213", "DT000003"))
    assert county["dept_code"] == "013"  # another division may use the same number
    site_user = helpers.call_action("get_site_user")["name"]
    helpers.call_action("organization_patch", context={"user": site_user}, id=county["id"],
                        short_name="平城区交通局")  # an organization does not collide with itself
    assert helpers.call_action("organization_show", id=county["id"])["short_name"] == "平城区交通局"


def test_only_the_authority_changes_an_organizations_kind():
    """An organization's own admin cannot make it the data authority, by any update action."""
    admin = factories.User()
    department = create(users=[{"name": admin["name"], "capacity": "admin"}])
    as_admin = {"user": admin["name"], "ignore_auth": False}
    shown = helpers.call_action("organization_show", id=department["id"])
    attempts = [("organization_patch", {"id": department["id"], "org_kind": "数据主管部门"}),
                ("organization_update", {**shown, "org_kind": "数据主管部门"}),
                ("group_update", {**shown, "org_kind": "数据主管部门"})]
    for action, data in attempts:
        with pytest.raises((tk.ValidationError, tk.ObjectNotFound)) as raised:
            helpers.call_action(action, context=dict(as_admin), **data)
        if isinstance(raised.value, tk.ValidationError):
            assert raised.value.error_dict["org_kind"] == ["只有数据主管部门可以更改「组织类型」"]
    assert helpers.call_action("organization_show", id=department["id"])["org_kind"] == "市直部门"
    assert not access.viewer(model.User.get(admin["name"])).authority
    helpers.call_action("organization_patch", context=dict(as_admin), id=department["id"],
                        org_kind="市直部门", short_name="市交通局")  # the same kind: the edit goes on
    assert helpers.call_action("organization_show", id=department["id"])["short_name"] == "市交通局"

    site_user = helpers.call_action("get_site_user")["name"]
    helpers.call_action("organization_patch", context={"user": site_user}, id=department["id"],
                        org_kind="县区")
    assert helpers.call_action("organization_show", id=department["id"])["org_kind"] == "县区"
