"""The catalog workbook pages: who sees them, the download, and the report of an upload."""
from __future__ import annotations

import io
from urllib.parse import unquote

import openpyxl
import pytest
from bs4 import BeautifulSoup
from ckan.tests import factories as ckan_factories
from ckan.tests import helpers

from tests.workbook import workbooks as wb

URL = "/catalog/workbook/"


def page(web, user, url=URL, status=200):
    headers = {"Authorization": user["token"]} if user else {}
    response = web.get(url, headers=headers, status=status)
    return BeautifulSoup(response.body, "html.parser")


def test_department_editor_sees_their_organization(web, site):
    html = page(web, site.transport_editor)
    options = [(o["value"], o.text) for o in html.select("#workbook-owner-org option")]
    assert options == [(site.transport["name"], "大同市交通运输局")]
    assert html.select_one("form.datong-workbook-import input[type=file][name=upload]") is not None


def test_authority_may_download_the_city(web, site):
    html = page(web, site.analyst)
    options = [o.text for o in html.select("#workbook-owner-org option")]
    assert options[0] == "全市（所有部门）"
    assert {"大同市交通运输局", "大同市文化和旅游局", "大同市数据局", "阳高县人民政府"} <= set(options[1:])
    assert html.select_one("form.datong-workbook-import") is None  # a member edits nothing


@pytest.mark.parametrize("who", [None, "citizen", "county_member"])
def test_others_are_refused(web, site, who):
    html = page(web, getattr(site, who) if who else None, status=403)
    assert "只有部门的编辑或管理员、数据主管部门可以使用目录工作簿" in html.text


def test_download(web, site):
    response = web.get(f"{URL}export?owner_org={site.transport['name']}",
                       headers={"Authorization": site.transport_editor["token"]})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = unquote(response.headers["Content-Disposition"])
    assert "attachment" in disposition and "大同市交通运输局信息资源目录-" in disposition
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["目录", "信息项", "填写说明"]


def test_download_of_another_department_is_refused(web, site):
    html = page(web, site.transport_editor, f"{URL}export?owner_org={site.culture['name']}", status=403)
    assert "只有本部门的编辑或管理员可以导出本部门的目录" in html.text
    page(web, site.transport_editor, f"{URL}export", status=403)
    page(web, site.sysadmin, f"{URL}export?owner_org=no-such-org", status=404)


def test_upload_shows_the_report(web, site):
    content = wb.build([wb.entry(site.transport, 信息资源名称="页面导入：好"),
                        wb.entry(site.transport, 信息资源名称="页面导入：坏", 摘要="")],
                       [wb.item("页面导入：好", 名称="编号")])
    response = web.post(f"{URL}import", headers={"Authorization": site.transport_editor["token"]},
                        data={"upload": (io.BytesIO(content), "交通局目录.xlsx")})
    assert response.status_code == 200
    html = BeautifulSoup(response.body, "html.parser")
    assert "交通局目录.xlsx" in html.select_one("h1.page-heading").text
    assert html.select_one(".datong-workbook-summary").text.strip() == "共2条信息资源：新建1条，更新0条，失败1条"
    problems = [[cell.text for cell in row.select("td")] for row in html.select(".datong-workbook-problems tbody tr")]
    assert problems == [["目录", "3", "摘要", "「摘要」为必填项"]]
    entries = [[cell.text.strip() for cell in row.select("td")] for row in html.select(".datong-workbook-entries tbody tr")]
    assert [(e[0], e[1], e[3]) for e in entries] == [("2", "页面导入：好", "新建"), ("3", "页面导入：坏", "失败")]
    assert html.select_one(".datong-workbook-entries a")["href"].startswith("/dataset/")


def test_citizen_upload_is_refused(web, site):
    response = web.post(f"{URL}import", headers={"Authorization": site.citizen["token"]}, status=403,
                        data={"upload": (io.BytesIO(wb.build([wb.entry(site.transport)])), "x.xlsx")})
    assert "只有部门的编辑或管理员可以导入目录工作簿" in response.body


@pytest.mark.parametrize("who, shown", [(None, False), ("citizen", False), ("county_member", False),
                                        ("transport_editor", True), ("analyst", True)])
def test_the_menu_links_the_workbook_for_those_who_may_use_it(web, site, who, shown):
    html = page(web, getattr(site, who) if who else None, url="/dataset/")
    assert (html.find("a", href=URL) is not None) is shown


def _signed_in_browser(name: str, password: str) -> helpers.CKANTestClient:
    """A test client keeping its session cookie, signed in through the login form."""
    browser = helpers._get_test_app().test_client()
    form = BeautifulSoup(browser.get("/user/login").body, "html.parser")
    token = form.select_one("input[name=_csrf_token]")["value"]
    browser.post("/user/login", data={"login": name, "password": password, "_csrf_token": token})
    return browser


def test_a_forged_upload_is_refused_and_changes_nothing(site):
    editor = ckan_factories.User(password="Datong-test-2026")
    helpers.call_action("organization_member_create", id=site.transport["id"],
                        username=editor["name"], role="editor")
    browser = _signed_in_browser(editor["name"], "Datong-test-2026")
    form = BeautifulSoup(browser.get(URL).body, "html.parser")
    token = form.select_one("form.datong-workbook-import input[name=_csrf_token]")["value"]
    content = wb.build([wb.entry(site.transport, 信息资源名称="跨站伪造的导入")])
    before = wb.stored()
    forged = browser.post(f"{URL}import", data={"upload": (io.BytesIO(content), "x.xlsx")}, status=400)
    assert "请求未通过安全校验（表单已过期，或并非从本站页面提交）" in forged.body
    assert wb.stored() == before
    genuine = browser.post(f"{URL}import", data={"upload": (io.BytesIO(content), "x.xlsx"),
                                                 "_csrf_token": token})
    assert "新建1条" in genuine.body
