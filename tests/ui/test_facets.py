"""Catalog facets and filters in package_search, and 数据分级 kept from non-government users:
no facet, no filter, no sort, no fielded or full-text match reveals an entry's grade."""
from __future__ import annotations

from typing import Any

import pytest
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.datong import facets

ALL = {"bus-lines", "bus-stops", "building-permits", "emergency-plans"}
PUBLIC = {"bus-lines", "bus-stops"}


def search(user: dict[str, Any] | None, **params: Any) -> dict[str, Any]:
    context = {"user": user["name"] if user else "", "ignore_auth": False}
    return helpers.call_action("package_search", context=context, rows=100, **params)


def names(result: dict[str, Any]) -> set[str]:
    return {entry["name"] for entry in result["results"]}


def counts(result: dict[str, Any], field: str) -> dict[str, int]:
    return {item["name"]: item["count"] for item in result["search_facets"][field]["items"]}


def test_list_fields_are_the_schemas_multi_valued_fields(catalog):
    schema = tk.h.scheming_get_dataset_schema("dataset")
    multi_valued = {
        field["field_name"] for field in schema["dataset_fields"]
        if field.get("preset") == "multiple_checkbox"
        or "scheming_multiple_choice_output" in field.get("output_validators", "")}
    assert set(facets.LIST_FIELDS) == multi_valued


def test_catalog_facets_count_every_value(catalog):
    result = search(catalog.county, **{"facet.field": list(facets.FACETS)
                                       + ["theme", "catalog_format", "spatial_scope"]})
    assert names(result) == ALL
    assert counts(result, "industry_domain") == {"交通": 2, "政务": 1, "应急": 1}
    assert counts(result, "organization") == {"dt-jtj": 3, "dt-pcq": 1}
    assert counts(result, "share_type") == {"无条件共享": 2, "有条件共享": 2}
    assert counts(result, "open_type") == {"无条件开放": 1, "有条件开放": 1, "不予开放": 2}
    assert counts(result, "update_frequency") == {"每月": 1, "每日": 1, "每年": 1, "实时": 1}
    assert counts(result, "catalog_format") == {"电子表格": 1, "数据库": 1, "服务接口": 1, "电子文件": 1}
    assert counts(result, "spatial_scope") == {"140200": 2, "140213": 2}
    # 区县: the 空间范围 when it is a county, else the county of the providing organization
    assert counts(result, facets.COUNTY) == {"140213": 2}
    assert counts(result, "data_grade") == {"一般-1": 1, "一般-2": 1, "一般-4": 1, "重要": 1}
    # a multi-valued field counts values, not the JSON list it is stored as
    assert counts(result, "theme") == {"公共服务": 2, "城乡建设": 1}


def test_facet_items_show_region_and_department_names(catalog):
    result = search(None, **{"facet.field": ["spatial_scope", "organization"]})
    shown = {item["name"]: item["display_name"]
             for field in ("spatial_scope", "organization")
             for item in result["search_facets"][field]["items"]}
    assert shown == {"140200": "全市", "140213": "平城区", "dt-jtj": "大同市交通运输局"}


@pytest.mark.parametrize("fq, expected", [
    ("share_type:有条件共享", {"bus-stops", "emergency-plans"}),
    ("open_type:不予开放", {"building-permits", "emergency-plans"}),
    ("industry_domain:交通", {"bus-lines", "bus-stops"}),
    ("organization:dt-pcq", {"building-permits"}),
    ("update_frequency:实时", {"emergency-plans"}),
    ("catalog_format:数据库", {"bus-stops"}),
    ("spatial_scope:140213", {"bus-stops", "building-permits"}),
    ('theme:"城乡建设"', {"bus-lines"}),
    ("modality:表格 AND share_method:文件", {"bus-lines"}),
    ("data_grade:重要", {"emergency-plans"}),
    ('data_grade:("一般-2" OR "一般-4")', {"bus-stops", "building-permits"}),
])
def test_government_users_filter_by_every_facet(catalog, fq, expected):
    assert names(search(catalog.county, fq=fq)) == expected


def test_sysadmins_see_grades(catalog):
    result = search(catalog.sysadmin, fq="data_grade:重要", **{"facet.field": ["data_grade"]})
    assert names(result) == {"emergency-plans"}
    assert counts(result, "data_grade") == {"重要": 1}


@pytest.mark.parametrize("who", ["anonymous", "citizen"])
def test_non_government_users_cannot_use_the_grade(catalog, who):
    user = catalog.citizen if who == "citizen" else None
    result = search(user, **{"facet.field": ["data_grade", "share_type"]})
    assert names(result) == PUBLIC
    assert "data_grade" not in result["search_facets"]
    assert counts(result, "share_type") == {"无条件共享": 1, "有条件共享": 1}
    # filters naming the grade match whatever the grade: the result reveals nothing
    for params in ({"fq": "data_grade:一般-2"}, {"fq": "-data_grade:一般-2"},
                   {"fq": 'extras_data_grade:"一般-2"'}, {"fq": r"data\_grade:一般-2"},
                   {"fq": "data_grade : 一般-2"}, {"q": "data_grade:一般-2 OR data_grade:一般-1"},
                   {"fq_list": ["data_grade:一般-2"]}):
        assert names(search(user, **params)) == PUBLIC, params
    # a text query searches the usual fields, never the grade
    assert names(search(user, q="一般-2", qf="data_grade")) == set()
    # other clauses of the same filter still apply
    assert names(search(user, fq="data_grade:一般-2 AND industry_domain:交通 AND open_type:有条件开放")) \
        == {"bus-stops"}
    # sorting by grade is ignored (bus-lines is graded 一般-1, bus-stops 一般-2)
    ascending = [e["name"] for e in search(user, sort="data_grade asc")["results"]]
    descending = [e["name"] for e in search(user, sort="data_grade desc")["results"]]
    assert ascending == descending
    # asking for the grade field returns the other fields only
    results = search(user, fl="name,data_grade")["results"]
    assert sorted(results, key=lambda r: r["name"]) == [{"name": "bus-lines"},
                                                        {"name": "bus-stops"}]


def test_an_unparsable_query_naming_the_grade_is_refused(catalog):
    with pytest.raises(tk.ValidationError) as raised:
        search(None, fq="data_grade:(一般-2")
    assert raised.value.error_dict == {"fq": ["无权按数据分级检索"]}


def test_grades_and_sensitive_items_stay_out_of_the_full_text(catalog):
    # the grade is a filter field only; a sensitive 信息项 name is not indexed at all
    for user in (None, catalog.county):
        assert names(search(user, q="一般-2")) == set()
        assert names(search(user, q="驾驶员身份证号")) == set()
    assert names(search(None, q="站点名称")) == {"bus-stops"}
    assert names(search(None, q="平城区")) == {"bus-stops"}  # 空间范围 by its region name


def test_without_grades_keeps_everything_else():
    params = {"q": "公交", "fq": "+share_type:有条件共享 +data_grade:重要",
              "facet.field": '["data_grade", "share_type"]', "sort": "data_grade asc, score desc",
              "fl": ["id", "data_grade"], "qf": "title^4 data_grade", "rows": 5}
    cleaned = facets.without_grades(params)
    assert cleaned == {"q": "公交", "fq": "+share_type:有条件共享 +*:*",
                       "facet.field": ["share_type"], "sort": "score desc", "fl": ["id"], "rows": 5}
    assert params["fq"] == "+share_type:有条件共享 +data_grade:重要"  # the caller's dict is kept
