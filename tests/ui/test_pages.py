"""The catalog pages over plain HTTP: search facets by viewer, the entry page with its fields
and 信息项 in Chinese (and without what the viewer may not see), download notices, and the
entry and organization forms."""
from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from ckan.lib.base import render_snippet
from ckan.tests import helpers

from ckanext.datong.pages import entry as pages

CATALOG_FACETS = ["行业领域", "提供部门", "区县", "文件格式", "更新周期", "开放属性"]
GOVERNMENT_FACETS = ["共享类型", "数据分级"]


@pytest.fixture(scope="module")
def client(catalog):
    return helpers._get_test_app()


def get(client, path: str, user: dict[str, Any] | None = None, status: int = 200,
        **params: Any) -> BeautifulSoup:
    headers = {"Authorization": user["token"]} if user else {}
    response = client.get(path, headers=headers, query_string=params)
    assert response.status_code == status, path
    return BeautifulSoup(response.body, "html.parser")


def facet_titles(soup: BeautifulSoup) -> list[str]:
    return [h.get_text(strip=True) for h in soup.select(".module-heading")
            if h.find_parent("section", class_="module-narrow") and h.find("i", class_="fa-filter")]


def facet_items(soup: BeautifulSoup, title: str) -> list[str]:
    for heading in soup.select(".module-heading"):
        if heading.get_text(strip=True) == title:
            section = heading.find_parent("section")
            return [item.select_one(".item-label").get_text(strip=True)
                    for item in section.select("li.nav-item")]
    raise AssertionError(f"no facet {title}")


def listed(soup: BeautifulSoup) -> set[str]:
    return {a.get_text(strip=True) for a in soup.select(".dataset-heading a")}


def rows(soup: BeautifulSoup) -> dict[str, str]:
    """The entry page's field table: label → value."""
    return {tr.th.get_text(strip=True): tr.td.get_text(strip=True)
            for tr in soup.select("section.datong-entry tr[data-field]")}


def items_table(soup: BeautifulSoup) -> tuple[list[str], list[list[str]]]:
    table = soup.select_one("table.datong-items")
    head = [th.get_text(strip=True) for th in table.thead.select("th")]
    body = [[td.get_text(strip=True) for td in tr.select("td")] for tr in table.tbody.select("tr")]
    return head, body


# --------------------------------------------------------------------------- search pages


def test_anonymous_search_page_has_the_catalog_facets_but_not_the_grade(client, catalog):
    soup = get(client, "/dataset/")
    assert facet_titles(soup) == CATALOG_FACETS
    assert facet_items(soup, "区县") == ["平城区"]
    assert facet_items(soup, "提供部门") == ["大同市交通运输局"]
    assert listed(soup) == {"大同市公交线路", "大同市公交站点"}
    facts = {item.select_one(".dataset-heading a").get_text(strip=True):
             item.select_one(".datong-entry-facts").get_text(strip=True)
             for item in soup.select("li.dataset-item")}
    assert facts["大同市公交站点"] == "大同市交通运输局 · 交通 · 有条件共享 · 有条件开放"


def test_facet_titles_follow_the_language(client, catalog):
    titles = facet_titles(get(client, "/en/dataset/"))
    assert titles[:3] == ["Industry domain", "Provider", "County or district"]


@pytest.mark.parametrize("who", ["county", "sysadmin"])
def test_government_search_page_has_the_grade_facet(client, catalog, who):
    soup = get(client, "/dataset/", getattr(catalog, who))
    assert facet_titles(soup) == CATALOG_FACETS + GOVERNMENT_FACETS
    assert sorted(facet_items(soup, "数据分级")) == ["一般-1", "一般-2", "一般-4", "重要"]
    filtered = get(client, "/dataset/", getattr(catalog, who), data_grade="重要")
    assert listed(filtered) == {"大同市突发事件应急预案"}


def test_a_grade_filter_in_the_address_is_ignored_for_citizens(client, catalog):
    for user in (None, catalog.citizen):
        soup = get(client, "/dataset/", user, data_grade="一般-2")
        assert listed(soup) == {"大同市公交线路", "大同市公交站点"}
        assert "数据分级" not in facet_titles(soup)


def test_facet_filters_on_the_search_page(client, catalog):
    soup = get(client, "/dataset/", share_type="有条件共享")
    assert listed(soup) == {"大同市公交站点"}
    soup = get(client, "/dataset/", catalog.county, spatial_scope="140213")
    assert listed(soup) == {"大同市公交站点", "平城区建设工程规划许可"}


def test_organization_page_has_the_catalog_facets(client, catalog):
    titles = facet_titles(get(client, "/organization/dt-jtj", catalog.editor))
    assert titles == CATALOG_FACETS + GOVERNMENT_FACETS
    assert facet_titles(get(client, "/organization/dt-jtj")) == CATALOG_FACETS


# --------------------------------------------------------------------------- entry page


def test_entry_page_shows_the_fields_in_chinese(client, catalog):
    soup = get(client, "/dataset/bus-stops", catalog.county)
    fields = rows(soup)
    assert fields["提供方"] == "大同市交通运输局"
    assert fields["提供方代码"] == catalog.transport["uscc"]
    assert fields["信息资源分类"] == "201003 主题 › 公共服务 › 003"  # the class path by name
    assert fields["资源属性"] == "主题"
    assert fields["信息资源代码"].startswith("201003/140200013")
    assert fields["行业领域"] == "交通"
    assert fields["主题"] == "公共服务"
    assert fields["空间范围"] == "140213 平城区"
    assert fields["共享类型"] == "有条件共享"
    assert fields["共享条件"] == "仅用于公共交通管理"
    assert fields["开放属性"] == "有条件开放"
    assert fields["更新周期"] == "每日"
    assert fields["数据分级"] == "一般-2"
    assert all(fields.values())  # no empty row
    head, body = items_table(soup)
    assert head == ["序号", "名称", "数据类型", "长度", "共享属性", "开放属性", "含个人信息", "敏感", "分级"]
    assert body == [
        ["1", "站点名称", "C 字符型", "50", "同信息资源", "同信息资源", "否", "否", "一般-1"],
        ["2", "驾驶员身份证号", "C 字符型", "18", "同信息资源", "同信息资源", "是", "是", "一般-2"],
    ]
    lines = rows(get(client, "/dataset/bus-lines", catalog.county))
    assert lines["主题"] == "公共服务、城乡建设"
    assert lines["共享方式"] == "接口、文件"
    assert lines["数据模态"] == "表格"
    assert lines["发布日期"] == "2024年3月1日"


@pytest.mark.parametrize("who", ["anonymous", "citizen"])
def test_entry_page_without_the_grade_for_citizens(client, catalog, who):
    soup = get(client, "/dataset/bus-stops", getattr(catalog, who, None))
    fields = rows(soup)
    assert "数据分级" not in fields and all(fields.values())
    assert "数据分级" not in soup.select_one("section.datong-entry").get_text()
    head, body = items_table(soup)
    assert "分级" not in head
    assert [row[1] for row in body] == ["站点名称"]  # the sensitive 信息项 is not shown
    assert "驾驶员身份证号" not in soup.get_text()


def test_download_notice_instead_of_the_download_link(client, catalog):
    page = get(client, "/dataset/bus-stops")
    resource = page.select_one("li.resource-item")
    assert "需申请授权后下载" in resource.get_text()
    assert "https://data.example/stops.csv" not in str(page)
    resource_id = catalog.bus_stops["resources"][0]["id"]
    resource_page = get(client, f"/dataset/bus-stops/resource/{resource_id}")
    notice = resource_page.select_one(".alert.datong-download-notice")
    assert "需申请授权后下载" in notice.get_text() and "授权" in notice.get_text()
    assert not resource_page.select("a.resource-url-analytics")
    # the owning department downloads its own file
    own = get(client, f"/dataset/bus-stops/resource/{resource_id}", catalog.editor)
    assert not own.select(".datong-download-notice")
    assert own.select_one("a.resource-url-analytics")["href"] == "https://data.example/stops.csv"
    # an open file keeps CKAN's download link
    open_page = get(client, "/dataset/bus-lines")
    assert not open_page.select(".datong-download-notice")
    assert "https://data.example/lines.csv" in str(open_page)


@pytest.mark.parametrize("state, shown", [
    ("denied", "不提供下载"), ("grant_required", "需申请授权后下载"), ("allowed", None), (None, None)])
def test_resource_item_for_every_download_state(client, catalog, state, shown):
    """The snippet follows the resource's datong_download, and works without it (before the
    access decision runs, or for another dataset type)."""
    resource = {"id": "r1", "name": "站点表", "format": "CSV", "url": "https://data.example/x.csv",
                "description": ""}
    if state:
        resource["datong_download"] = state
    with client.flask_app.test_request_context("/dataset/bus-stops"):
        html = render_snippet("package/snippets/resource_item.html", res=resource,
                              pkg={"name": "bus-stops", "type": "dataset"}, can_edit=False)
    soup = BeautifulSoup(html, "html.parser")
    notices = soup.select("p.datong-download-notice")
    if shown is None:
        assert not notices
        assert soup.select_one("a.resource-url-analytics")["href"] == "https://data.example/x.csv"
    else:
        assert shown in notices[0].get_text()
        assert not soup.select("a.resource-url-analytics")


def test_download_state_falls_back_to_the_entry_then_to_allowed():
    assert pages.datong_download_state({"datong_download": "denied"}, None) == "denied"
    assert pages.datong_download_state({}, {"datong_access": {"download": "grant_required"}}) \
        == "grant_required"
    assert pages.datong_download_state(None, {}) == "allowed"
    assert pages.datong_download_notice("allowed") is None


# --------------------------------------------------------------------------- forms


def test_scripts_get_their_translations(client, catalog):
    """CKAN's scripts ask with the page's language tag half converted (zh-Hans-CN becomes
    zh_Hans-CN); without an answer no form module (repeating 信息项, uploads) starts."""
    for lang in ("zh_Hans-CN", "zh_Hans_CN", "en"):
        assert client.get(f"/api/i18n/{lang}").status_code == 200, lang
    assert client.get("/api/i18n/xx-YY").status_code == 400  # locales not offered stay unknown


def test_entry_form_sections_and_choices(client, catalog):
    soup = get(client, "/dataset/new", catalog.editor)
    legends = [legend.get_text(strip=True)
               for legend in soup.select("fieldset.datong-form-section > legend")]
    assert legends == ["基本信息", "分类", "信息项", "数据分级", "共享与开放", "更新与发布"]
    label = soup.select_one("label[for=field-share_type]").get_text(" ", strip=True)
    assert label == "* 共享类型"
    share = soup.select_one("select#field-share_type")
    assert [o.get_text() for o in share.select("option")] == ["请选择", "无条件共享", "有条件共享", "不予共享"]
    assert share.select_one("option[selected]") is None  # nothing chosen for the editor
    # the flags start at 否; the 信息项 block is there with its first, empty row
    flag = soup.select_one("select#field-items-0-sensitive")
    assert [o.get_text() for o in flag.select("option")] == ["否", "是"]
    assert soup.select_one("input#field-items-0-item_name")["value"] == ""


def test_entry_edit_form_shows_the_stored_values(client, catalog):
    soup = get(client, "/dataset/edit/bus-stops", catalog.editor)
    assert soup.select_one("#field-share_type option[selected]")["value"] == "有条件共享"
    assert soup.select_one("#field-spatial_scope option[selected]").get_text() == "平城区"
    assert soup.select_one("#field-items-1-item_name")["value"] == "驾驶员身份证号"
    assert soup.select_one("#field-items-1-sensitive option[selected]").get_text() == "是"
    assert soup.select_one("#field-theme-公共服务").has_attr("checked")


def test_organization_form_and_page(client, catalog):
    soup = get(client, "/organization/new", catalog.sysadmin)
    for name in ("uscc", "org_kind", "region_code", "dept_code"):
        assert soup.select_one(f"#field-{name}") is not None, name
    form = {"title": "大同市测试局", "uscc": "11140200DT0000019X", "org_kind": "",
            "region_code": "140200-sz", "dept_code": "13", "save": ""}
    response = client.post("/organization/new", data=form,
                           headers={"Authorization": catalog.sysadmin["token"]})
    summary = BeautifulSoup(response.body, "html.parser").select(".error-explanation li")
    assert [li.get_text(strip=True) for li in summary] == [
        "「组织类型」为必填项",
        "「统一社会信用代码」“11140200DT0000019X”无效：第18位校验码不正确",
        "「行政区划代码」“140200-sz”无效，可选：140200、140213、140214、140212、140215、140221、"
        "140222、140223、140224、140225、140226",
        "「部门编号」应为3位数字（现为“13”）",
    ]
    about = get(client, "/organization/about/dt-pcq", catalog.county)
    shown = {tr.th.get_text(strip=True): tr.td.get_text(strip=True)
             for tr in about.select("table.datong-organization tr")}
    assert shown["组织类型"] == "县区"
    assert shown["行政区划代码"] == "140213 平城区"
    assert shown["部门编号"] == "001"
    assert shown["统一社会信用代码"] == catalog.pingcheng["uscc"]
