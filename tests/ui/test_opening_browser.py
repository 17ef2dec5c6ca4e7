"""有条件开放 in a real browser: a visitor finds the conditional file refused and is sent to sign
in; the citizen applies with purpose and the data-use agreement; the providing department's
editor approves from the review list; the citizen then downloads the file."""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
from ckan import model

from tests.live import screenshot, serving_ckan
from tests.sharing.conftest import World, world  # noqa: F401  (the sharing world, per module)
from tests.sharing.test_opening import PARK_CSV, park  # noqa: F401  (the conditional entry)
from tests.ui.conftest import PASSWORD
from tests.ui.test_entry_form_browser import sign_in

REQUEST_PAGE = re.compile(r".*/sharing/[0-9a-f-]{36}$")


@pytest.fixture(scope="module")
def live_server(world: World, park) -> Iterator[str]:
    for role in ("citizen", "owner"):
        model.User.get(world.users[role]["name"]).password = PASSWORD
    model.Session.commit()
    with serving_ckan() as url:
        yield url


def new_page(browser: Any, **options: Any) -> Any:
    page = browser.new_context(locale="zh-CN", accept_downloads=True, **options).new_page()
    page.set_default_timeout(10_000)
    return page


def test_a_citizen_applies_is_approved_and_downloads(browser, live_server: str, world: World,
                                                      park) -> None:
    file_page = f"{live_server}/dataset/park-visitors/resource/{park['files'][0]['id']}"
    visitor = new_page(browser)
    visitor.goto(file_page)
    assert visitor.locator(".datong-download-notice").first.is_visible()
    assert visitor.locator("a.resource-url-analytics").count() == 0  # no download link
    visitor.get_by_role("link", name="申请开放").click()
    visitor.wait_for_url("**/user/login**")
    visitor.context.close()

    citizen = new_page(browser)
    sign_in(citizen, live_server, world.users["citizen"]["name"])
    citizen.goto(file_page)
    citizen.get_by_role("link", name="申请开放").click()
    citizen.wait_for_url("**/dataset/park-visitors/apply**")
    assert citizen.get_by_label("文件").input_value() == park["files"][0]["id"]
    citizen.get_by_role("radio", name="个人").check()
    citizen.get_by_label("申请人名称").fill("李明")
    citizen.get_by_label("联系电话").fill("13912345678")
    citizen.get_by_label("使用用途").fill("研究大同市公园游客量的季节变化，用于高校课程论文")
    citizen.get_by_role("button", name="提交申请").click()
    assert "提交前请阅读并接受《大同市公共数据利用协议》" in \
        citizen.locator(".error-explanation").inner_text()  # the agreement comes first
    citizen.get_by_label(re.compile("我已阅读并接受")).check()
    citizen.get_by_role("button", name="提交申请").click()
    citizen.wait_for_url(REQUEST_PAGE)
    number = citizen.locator("h1").inner_text().split()[-1]
    assert citizen.locator(".datong-state").inner_text() == "待提供部门审核"
    screenshot(citizen, "opening-submitted")

    owner = new_page(browser)
    sign_in(owner, live_server, world.users["owner"]["name"])
    owner.goto(f"{live_server}/sharing/inbox")
    owner.get_by_role("link", name=number).click()
    assert "李明（个人）" in owner.locator(".datong-request-fields").inner_text()
    owner.locator("form[data-step=approve] button").click()
    owner.wait_for_url(REQUEST_PAGE)
    assert owner.locator(".datong-state").inner_text() == "已批准"
    owner.context.close()

    citizen.goto(file_page)
    assert citizen.locator(".datong-download-notice").count() == 0
    with citizen.expect_download() as download:
        citizen.locator("a.resource-url-analytics").first.click()
    assert open(download.value.path(), encoding="utf-8").read() == PARK_CSV
    screenshot(citizen, "opening-downloadable")
    citizen.context.close()


def test_a_conditional_file_on_a_phone(browser, live_server: str, park) -> None:
    phone = new_page(browser, viewport={"width": 360, "height": 740})
    phone.goto(f"{live_server}/dataset/park-visitors")
    button = phone.get_by_role("link", name="申请开放")
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
    screenshot(phone, "opening-phone")
    phone.context.close()
