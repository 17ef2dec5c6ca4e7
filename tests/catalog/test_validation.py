"""The validation matrix of the municipal catalog schema: every rule gets a wrong value
through the actions (and the HTTP API) and must answer with its Chinese message, on the
field it concerns, without changing what is stored."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
import ckan.plugins.toolkit as tk
from ckan.tests import factories as ckan_factories
from ckan.tests import helpers

from tests import factories

pytestmark = pytest.mark.usefixtures("clean_db", "with_plugins")

TOMORROW = (datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
            + datetime.timedelta(days=1)).isoformat()
ITEM = {"item_name": "线路名称", "data_type": "C", "length": "50", "item_grade": "一般-1"}


def _as_site_user() -> dict[str, Any]:
    return {"user": helpers.call_action("get_site_user")["name"]}


def create(**fields: Any) -> dict[str, Any]:
    return helpers.call_action("package_create", context=_as_site_user(), **fields)


def patch(**fields: Any) -> dict[str, Any]:
    return helpers.call_action("package_patch", context=_as_site_user(), **fields)


def errors_of(**fields: Any) -> dict[str, Any]:
    with pytest.raises(tk.ValidationError) as raised:
        create(**fields)
    return raised.value.error_dict


@pytest.fixture
def org() -> dict[str, Any]:
    return factories.Organization(title="大同市交通运输局", dept_code="013")


# (case, fields over ENTRY_DEFAULTS, error key path, message fragment)
MATRIX = [
    ("title missing", {"title": ""}, ("title",), "「信息资源名称」为必填项"),
    ("title too long", {"title": "长" * 51}, ("title",), "「信息资源名称」不能超过50个字符（现为51个）"),
    ("abstract missing", {"notes": ""}, ("notes",), "「摘要」为必填项"),
    ("abstract too long", {"notes": "字" * 257}, ("notes",), "「摘要」不能超过256个字符（现为257个）"),
    ("class path shape", {"resource_class": "401003"}, ("resource_class",), "应为1位类（1至3）+2位项+3位目"),
    ("class item unknown", {"resource_class": "299003"}, ("resource_class",), "中的项“99”不属于主题类"),
    ("code shape", {"resource_code": "2010-03"}, ("resource_code",), "「信息资源代码」“2010-03”格式不正确"),
    ("code against class", {"resource_code": "101001/14020001300001"}, ("resource_code",),
     "前段码“101001”与信息资源分类“201003”不一致"),
    ("domain not in list", {"industry_domain": "体育"}, ("industry_domain",), "「行业领域」的取值“体育”无效"),
    ("format not in list", {"catalog_format": "CSV"}, ("catalog_format",), "「格式」的取值“CSV”无效"),
    ("frequency missing", {"update_frequency": ""}, ("update_frequency",), "「更新周期」为必填项"),
    ("scope not a Datong code", {"spatial_scope": "330102"}, ("spatial_scope",), "「空间范围」的取值“330102”无效"),
    ("theme not in list", {"theme": ["公共服务", "体育"]}, ("theme",), "「主题」的取值“体育”无效"),
    ("share type unknown", {"share_type": "部分共享"}, ("share_type",), "「共享类型」的取值“部分共享”无效"),
    ("conditional sharing without conditions", {"share_type": "有条件共享"}, ("share_condition",),
     "共享类型为有条件共享时，「共享条件」必须填写共享条件"),
    ("not shared without legal basis", {"share_type": "不予共享", "open_type": "不予开放"},
     ("share_condition",), "共享类型为不予共享时，「共享条件」必须填写法律、行政法规或党中央、国务院政策依据"),
    ("not shared but opened", {"share_type": "不予共享", "share_condition": "《统计法》第二十五条",
                               "open_type": "有条件开放", "open_condition": "签署协议"},
     ("open_type",), "信息资源的共享类型为不予共享，信息资源的开放属性不能宽于不予开放（现为有条件开放）"),
    ("conditional opening without conditions", {"open_type": "有条件开放", "data_grade": "一般-2"},
     ("open_condition",), "开放属性为有条件开放时，「开放条件」必须填写"),
    ("core data", {"data_grade": "核心"}, ("data_grade",), "数据分级为核心：核心数据不得编入共享开放目录"),
    ("important shared unconditionally", {"data_grade": "重要", "open_type": "不予开放"}, ("share_type",),
     "数据分级为重要，信息资源的共享类型不能宽于有条件共享（现为无条件共享）"),
    ("important opened", {"data_grade": "重要", "share_type": "有条件共享", "share_condition": "仅用于公共服务",
                          "open_type": "有条件开放", "open_condition": "签署协议"},
     ("open_type",), "数据分级为重要，信息资源的开放属性不能宽于不予开放（现为有条件开放）"),
    ("L4 opened on conditions", {"data_grade": "一般-4", "open_type": "有条件开放", "open_condition": "签署协议"},
     ("open_type",), "数据分级为一般-4，信息资源的开放属性不能宽于不予开放（现为有条件开放）"),
    ("L3 opened unconditionally", {"data_grade": "一般-3"}, ("open_type",),
     "数据分级为一般-3，信息资源的开放属性不能宽于有条件开放（现为无条件开放）"),
    ("L2 opened unconditionally", {"data_grade": "一般-2"}, ("open_type",),
     "数据分级为一般-2，信息资源的开放属性不能宽于有条件开放（现为无条件开放）"),
    ("grade below an item", {"data_grade": "一般-1", "open_type": "不予开放",
                             "items": [ITEM, {**ITEM, "item_name": "身份证号", "item_grade": "一般-4"}]},
     ("data_grade",), "「数据分级」（一般-1）低于信息项“身份证号”的分级（一般-4）"),
    ("item graded core", {"items": [{**ITEM, "item_grade": "核心"}]}, ("items", 0, "item_grade"),
     "信息项“线路名称”的分级为核心：核心数据不得编入共享开放目录"),
    ("item looser than entry", {"share_type": "有条件共享", "share_condition": "仅限公交调度",
                                "items": [{**ITEM, "item_share_type": "无条件共享"}]},
     ("items", 0, "item_share_type"), "信息项“线路名称”的共享属性（无条件共享）不能宽于信息资源的共享类型（有条件共享）"),
    ("item grade forbids the inherited opening", {"items": [{**ITEM, "item_grade": "一般-3"}], "data_grade": "一般-3",
                                                  "open_type": "有条件开放", "open_condition": "签署协议"},
     None, None),
    ("item name missing", {"items": [{**ITEM, "item_name": ""}]}, ("items", 0, "item_name"), "「名称」为必填项"),
    ("item data type", {"items": [{**ITEM, "data_type": "X"}]}, ("items", 0, "data_type"),
     "「数据类型」的取值“X”无效，可选：C、N、Y、D、T、L、M、G、B、I、F"),
    ("item length", {"items": [{**ITEM, "length": "很长"}]}, ("items", 0, "length"), "「长度」应为1至1000000之间的整数"),
    ("item flag", {"items": [{**ITEM, "sensitive": "也许"}]}, ("items", 0, "sensitive"), "「敏感」只能填“是”或“否”"),
    ("date in the future", {"publish_date": TOMORROW}, ("publish_date",), "「发布日期」不能晚于今天"),
    ("date that does not exist", {"publish_date": "2025-02-30"}, ("publish_date",), "「发布日期」“2025-02-30”不是真实存在的日期"),
    ("date written otherwise", {"publish_date": "2025/01/02"}, ("publish_date",), "「发布日期」应写作YYYY-MM-DD"),
    ("related code", {"related_codes": "201003/14020001300001, abc"}, ("related_codes",),
     "「关联资源代码」中的“abc”不是有效的信息资源代码"),
]


def _at(errors: dict[str, Any], path: tuple) -> list[str]:
    found: Any = errors
    for step in path:
        found = found[step]
    return found


@pytest.mark.parametrize("case, fields, path, message", MATRIX, ids=[case for case, *_ in MATRIX])
def test_rule(org, case, fields, path, message):
    entry = factories.entry(**{"title": "大同市公交线路信息", "owner_org": org["id"], **fields})
    if path is None:  # a consistent combination that must pass
        assert create(**entry)["name"]
        return
    errors = errors_of(**entry)
    assert any(message in text for text in _at(errors, path)), errors


def test_the_http_api_answers_a_structured_chinese_error(app, org):
    user = ckan_factories.SysadminWithToken()
    response = app.post(
        "/api/3/action/package_create",
        json=factories.entry(title="大同市公交线路信息", owner_org=org["id"], data_grade="重要",
                             open_type="不予开放"),
        headers={"Authorization": user["token"]}, status=409)
    error = response.json["error"]
    assert response.json["success"] is False
    assert error["__type"] == "Validation Error"
    assert error["share_type"] == ["数据分级为重要，信息资源的共享类型不能宽于有条件共享（现为无条件共享）"]


def test_grade_defaults_to_the_highest_item_and_may_be_raised(org):
    items = [ITEM, {**ITEM, "item_name": "车牌号", "item_grade": "一般-3"}]
    entry = create(**factories.entry(owner_org=org["id"], data_grade="", open_type="有条件开放",
                                     open_condition="签署数据利用协议", items=items))
    assert entry["data_grade"] == "一般-3"
    raised = patch(id=entry["id"], data_grade="一般-4", open_type="不予开放")
    assert raised["data_grade"] == "一般-4"


def test_codes_are_generated_unique_and_kept(org):
    first = create(**factories.entry(title="公交线路", owner_org=org["id"]))
    second = create(**factories.entry(title="公交站点", owner_org=org["id"], resource_class="101001"))
    assert first["resource_code"] == "201003/14020001300001"
    assert second["resource_code"] == "101001/14020001300002"
    updated = patch(id=first["id"], title="公交线路（更新）")
    assert updated["resource_code"] == first["resource_code"]
    errors = errors_of(**factories.entry(owner_org=org["id"], resource_code=first["resource_code"]))
    assert errors["resource_code"] == [f"「信息资源代码」“{first['resource_code']}”已被其他信息资源使用"]
    helpers.call_action("package_delete", context=_as_site_user(), id=second["id"])
    third = create(**factories.entry(owner_org=org["id"]))
    assert third["resource_code"] == "201003/14020001300003"  # a deleted entry's number is not reused


def test_resource_attribute_follows_the_class(org):
    entry = create(**factories.entry(owner_org=org["id"], resource_class="305001",
                                     resource_attribute="基础"))
    assert entry["resource_attribute"] == "部门"


def test_chinese_titles_get_pinyin_names_and_tags_stay_chinese(org):
    first = create(**factories.entry(title="大同市公交线路信息", owner_org=org["id"],
                                     tag_string="公交,线路 站点"))
    second = create(**factories.entry(title="大同市公交线路信息", owner_org=org["id"]))
    assert first["name"] == "datongshi-gongjiaoxianlu-xinxi"
    assert second["name"] == "datongshi-gongjiaoxianlu-xinxi-2"
    assert sorted(tag["name"] for tag in first["tags"]) == ["公交", "线路 站点"]
    renamed = patch(id=first["id"], title="大同市地铁线路信息")
    assert renamed["name"] == first["name"]  # a URL stays stable when the title changes


def test_a_refused_update_changes_nothing(org):
    entry = create(**factories.entry(owner_org=org["id"], items=[ITEM], theme=["公共服务"]))
    with pytest.raises(tk.ValidationError):
        patch(id=entry["id"], data_grade="核心", title="改名")
    assert helpers.call_action("package_show", id=entry["id"]) == entry


def test_lists_are_accepted_as_text_and_stored_in_vocabulary_order(org):
    entry = create(**factories.entry(owner_org=org["id"], theme="城乡建设、公共服务",
                                     share_method="文件,接口", modality=["表格"]))
    assert entry["theme"] == ["公共服务", "城乡建设"]
    assert entry["share_method"] == ["接口", "文件"]
    assert entry["modality"] == ["表格"]


@pytest.mark.parametrize("items", ["线路名称", [1, 2], {"item_name": "线路名称"}, [["线路名称"]]])
def test_malformed_items_are_a_validation_error(app, org, items):
    user = ckan_factories.SysadminWithToken()
    response = app.post("/api/3/action/package_create", headers={"Authorization": user["token"]},
                        json=factories.entry(owner_org=org["id"], items=items), status=409)
    assert response.json["error"]["items"] == ["「信息项」应为列表，每个信息项是包含名称、数据类型等字段的对象"]


def test_non_text_values_are_refused(org):
    errors = errors_of(**factories.entry(owner_org=org["id"], title=["公交"], theme={"a": 1}))
    assert errors["title"] == ["「信息资源名称」应为文本"]
    assert errors["theme"] == ["「主题」应为取值列表"]


@pytest.mark.parametrize("field", ["item_share_type", "item_open_type"])
def test_an_unknown_item_attribute_is_a_validation_error(org, field):
    errors = errors_of(**factories.entry(owner_org=org["id"], items=[{**ITEM, field: "全部"}]))
    assert errors["items"][0][field][0].startswith("「")


def test_concurrent_creates_with_one_title_get_distinct_names_and_codes(org):
    """Two writers at once (e.g. two harvest fetch consumers) take turns on the generated
    name and code instead of both taking the same one."""
    import threading

    from ckan import model

    barrier, results, failures = threading.Barrier(2), [], []
    entry = factories.entry(title="同时创建的信息资源", owner_org=org["id"])

    def create_in_own_session() -> None:
        try:
            barrier.wait()
            results.append(create(**dict(entry)))
        except Exception as error:  # reported below, with the test's assertion
            failures.append(error)
        finally:
            model.Session.remove()

    threads = [threading.Thread(target=create_in_own_session) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert sorted(r["name"] for r in results) == ["tongshi-chuangjian-de-xinxi-ziyuan",
                                                  "tongshi-chuangjian-de-xinxi-ziyuan-2"]
    assert len({r["resource_code"] for r in results}) == 2
