"""A sharing request from end to end in a real browser: a county official applies from the entry
page within the automatic scenario and is approved at once; a second request beyond the
scenario goes to the data authority's conformity check and the provider's review; the
official's API token then reads only the granted columns and their county's rows from the
DataStore; and the authority finds every step in the audit view."""
from __future__ import annotations

import datetime
import re
from typing import Any, Iterator

import pytest
import requests
from ckan import model

from ckanext.datong import clock
from tests.live import serving_ckan
from tests.sharing.conftest import World, world  # noqa: F401  (the sharing world, per module)
from tests.ui.conftest import PASSWORD
from tests.ui.test_entry_form_browser import sign_in

SCENARIO_ITEMS = ["机构名称", "行政区划代码", "床位数"]
REQUEST_PAGE = re.compile(r".*/sharing/[0-9a-f-]{36}$")


@pytest.fixture(scope="module")
def live_server(world: World) -> Iterator[str]:
    """CKAN served, the county official, the authority and the provider editor with passwords."""
    for role in ("county", "authority", "owner"):
        model.User.get(world.users[role]["name"]).password = PASSWORD
    model.Session.commit()
    with serving_ckan() as url:
        yield url


@pytest.fixture
def open_as(browser, live_server: str, world: World) -> Iterator[Any]:
    """open_as(role): a new browser page signed in as `role`."""
    contexts = []

    def signed_in(role: str) -> Any:
        context = browser.new_context(locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, live_server, world.users[role]["name"])
        return page

    yield signed_in
    for context in contexts:
        context.close()


def fill_request(page: Any, items: list[str]) -> None:
    """The form after 申请共享: the automatic scenario, `items`, and the rest of the fields."""
    page.get_by_label("应用场景").select_option(label="县区养老服务补贴核对（自动审批）")
    for item in items:
        page.get_by_label(item, exact=True).check()
    page.get_by_label("使用用途").fill("核对本县养老机构床位，用于养老服务补贴发放")
    page.get_by_label("申请依据").fill("《山西省养老服务条例》第十五条")
    end = clock.now().date() + datetime.timedelta(days=179)
    page.get_by_label("截止日期").fill(end.isoformat())
    page.get_by_label("使用频度").select_option("每月")
    page.get_by_label("共享方式").select_option("接口")
    page.get_by_label("仅本县区").check()
    page.get_by_role("textbox", name="联系人").fill("王科长")
    page.get_by_role("textbox", name="联系电话").fill("0352-6620000")
    page.get_by_label("本单位已阅读并承诺遵守上述数据安全承诺").check()
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(REQUEST_PAGE)


def datastore(live_server: str, world: World) -> dict[str, Any]:
    """The homes table as the county official's API token reads it."""
    answer = requests.post(f"{live_server}/api/3/action/datastore_search", timeout=10,
                           headers={"Authorization": world.tokens["county"]},
                           json={"resource_id": world.resources["homes"]["id"]})
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]


def test_a_county_official_is_granted_data_step_by_step(live_server, open_as, world):
    county = open_as("county")
    county.goto(f"{live_server}/dataset/homes")
    county.get_by_role("link", name="申请共享").click()
    county.wait_for_url("**/sharing/new?package_id=homes")
    fill_request(county, SCENARIO_ITEMS)
    assert "已自动批准：符合应用场景「县区养老服务补贴核对」" in county.locator(".flash-messages").inner_text()
    assert county.locator(".datong-state").inner_text() == "已批准"
    assert "仅限申请单位本县区" in county.locator(".datong-decisions .datong-rule").last.inner_text()

    granted = datastore(live_server, world)
    assert [field["id"] for field in granted["fields"]] == ["_id"] + SCENARIO_ITEMS
    assert {record["行政区划代码"][:6] for record in granted["records"]} == {"140221"}

    county.goto(f"{live_server}/sharing/new?package_id=homes")
    fill_request(county, SCENARIO_ITEMS + ["联系电话"])
    assert county.locator(".datong-state").inner_text() == "待符合性审核"
    assert "联系电话超出场景范围" in county.locator(".datong-decisions .datong-rule").last.inner_text()
    number = county.locator("h1.page-heading").inner_text().split()[-1]

    authority = open_as("authority")
    authority.goto(f"{live_server}/sharing/queue")
    authority.get_by_role("link", name=number).first.click()
    authority.get_by_role("button", name="符合性审核通过").click()
    authority.wait_for_url(REQUEST_PAGE)
    assert authority.locator(".datong-state").inner_text() == "待提供部门审核"

    owner = open_as("owner")
    owner.goto(f"{live_server}/sharing/inbox")
    row = owner.locator("table.datong-requests tr", has_text=number)
    assert re.fullmatch(r"剩余\d+天|今天到期", row.locator(".datong-countdown").inner_text().strip())
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", row.inner_text())
    row.get_by_role("link", name=number).click()
    owner.get_by_role("button", name="批准", exact=True).click()
    owner.wait_for_url(REQUEST_PAGE)
    assert owner.locator(".datong-state").inner_text() == "已批准"

    granted = datastore(live_server, world)
    assert [field["id"] for field in granted["fields"]] == ["_id"] + SCENARIO_ITEMS + ["联系电话"]
    assert {record["行政区划代码"][:6] for record in granted["records"]} == {"140221"}
    assert granted["total"] == 2

    authority.goto(f"{live_server}/sharing/audit")
    steps = authority.locator("table.datong-audit tbody td:nth-child(4)").all_inner_texts()
    assert {"创建申请", "提交申请", "批准", "签发授权", "符合性审核通过", "使用授权数据"} <= set(steps)
    assert steps.count("批准") == 2 and steps.count("签发授权") == 2
