"""The dashboards in a real browser (Debian chromium): the data authority opens the city's
dashboard from the menu, reads every section with its charts and downloads a table, then
opens a department's; a department editor sees only their own; a citizen is refused in
Chinese and reads the public use cases."""
from __future__ import annotations

import io
from typing import Any, Iterator

import openpyxl
import pytest
from ckan import model

from tests.live import screenshot, serving_ckan
from tests.ui.conftest import PASSWORD
from tests.ui.test_entry_form_browser import sign_in

SECTIONS = ["规划目标", "目录编制", "更新及时率", "数据共享", "采集健康"]


@pytest.fixture(scope="module")
def live_server(world) -> Iterator[str]:
    for role in ("authority", "owner", "citizen"):
        model.User.get(world.users[role]["name"]).password = PASSWORD
    model.Session.commit()
    with serving_ckan() as url:
        yield url


@pytest.fixture
def open_as(browser, live_server: str, world) -> Iterator[Any]:
    contexts = []

    def signed_in(role: str) -> Any:
        context = browser.new_context(locale="zh-CN", accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, live_server, world.users[role]["name"])
        return page

    yield signed_in
    for context in contexts:
        context.close()


def headings(page: Any) -> list[str]:
    return [text.strip() for text in page.locator("section[data-section] > h2").all_inner_texts()]


def test_the_authority_opens_every_dashboard(open_as, live_server: str, world) -> None:
    page = open_as("authority")
    page.get_by_role("link", name="数据看板").click()
    page.wait_for_url("**/dashboards/")
    assert page.locator("h1").inner_text() == "数据看板：全市"
    assert headings(page) == SECTIONS
    domains = page.locator("[data-table=targets_domains] tbody tr")
    assert domains.count() == 11
    traffic = page.locator("[data-table=targets_domains] tbody tr", has_text="交通").first
    assert traffic.locator("td").last.inner_text() == "是"
    chart = page.locator("[data-table=targets_domains] svg[role=img]")
    assert chart.locator("title").first.text_content() == "行业领域目标进展：高质量数据集"
    assert page.locator("[data-table=harvest_sources] tbody tr").count() == 2
    screenshot(page, "dashboard-city")
    with page.expect_download() as download:
        page.locator("[data-table=compilation_departments]").get_by_role("link", name="下载 Excel").click()
    sheet = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "大同市交通运输局", "大同市数据局", "大同市文化和旅游局"]
    page.get_by_label("查看范围").select_option(label="大同市文化和旅游局")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url("**organization=*")
    assert page.locator("h1").inner_text() == "数据看板：大同市文化和旅游局"
    assert headings(page) == SECTIONS


def test_a_department_editor_sees_only_their_own(open_as, live_server: str, world) -> None:
    page = open_as("owner")
    page.get_by_role("link", name="数据看板").click()
    assert page.locator("h1").inner_text() == "数据看板：大同市交通运输局"
    assert headings(page) == SECTIONS
    assert page.locator("[data-table=compilation_departments] tbody th").all_inner_texts() == ["大同市交通运输局"]
    assert "大同市文化和旅游局" not in page.content()
    assert page.get_by_label("查看范围").count() == 0
    screenshot(page, "dashboard-department")
    page.goto(f"{live_server}/dashboards/?organization={world.orgs['other']['name']}")
    assert "数据看板仅向数据主管部门和本单位的编辑、管理员开放" in page.content()


def test_a_citizen_reads_use_cases_but_no_dashboard(open_as, live_server: str, world) -> None:
    page = open_as("citizen")
    assert page.get_by_role("link", name="数据看板").count() == 0
    page.get_by_role("link", name="典型案例").first.click()
    page.get_by_role("link", name="公交线网优化").click()
    assert page.locator(".datong-use-case-entries a").all_inner_texts() == ["公交线路"]
    response = page.goto(f"{live_server}/dashboards/")
    assert response.status == 403
    assert "数据看板仅向数据主管部门和本单位的编辑、管理员开放" in page.content()
