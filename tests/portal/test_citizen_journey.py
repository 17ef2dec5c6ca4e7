"""The citizens' portal as a new user meets it, on the demo data in a real browser: find a
dataset by a Chinese phrase from the home page in two clicks, read its catalog facts, download
its open file; be refused a conditional file, apply for it, be approved by the providing
department, download it; and the same search on a phone. Screenshots are kept as artifacts."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import yaml

from tests.live import screenshot

USERS = {user["name"]: user for user in yaml.safe_load(
    (Path(__file__).parents[2] / "config" / "demo" / "users.yaml").read_text("utf-8"))["users"]}
REQUEST_PAGE = re.compile(r".*/sharing/[0-9a-f-]{36}$")


def new_page(browser: Any, **options: Any) -> Any:
    page = browser.new_context(locale="zh-CN", accept_downloads=True, **options).new_page()
    page.set_default_timeout(15_000)
    return page


def sign_in(page: Any, name: str) -> None:
    """On the login page (where the portal sent the visitor): sign in as a demo user."""
    page.fill("#field-login", name)
    page.fill("#field-password", USERS[name]["password"])
    with page.expect_navigation():
        page.locator("#field-password").press("Enter")


def downloaded_rows(page: Any, link: Any) -> list[list[str]]:
    with page.expect_download() as download:
        link.click()
    text = Path(download.value.path()).read_text("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_find_read_and_download_an_open_dataset(browser, live_server: str) -> None:
    page = new_page(browser)
    page.goto(live_server + "/")
    search = page.get_by_role("search").get_by_role("searchbox").first
    search.fill("星级饭店")
    search.press("Enter")  # the first click
    page.wait_for_url("**/dataset/?q=*")
    assert page.locator(".dataset-heading mark.datong-hit").first.inner_text() == "星级饭店"
    screenshot(page, "journey-results")
    page.get_by_role("link", name="大同市星级饭店名录").first.click()  # the second
    page.wait_for_url("**/dataset/datong-star-hotels")
    summary = page.locator(".datong-entry-summary").inner_text()
    for fact in ("大同市文化和旅游局", "无条件开放", "更新周期"):
        assert fact in summary
    assert "Twitter" not in page.content() and "Facebook" not in page.content()
    screenshot(page, "journey-dataset")
    page.locator(".resource-item a.heading", has_text="星级饭店名录").click()
    rows = downloaded_rows(page, page.locator("a.resource-url-analytics").first)
    assert rows[0][0] == "饭店名称" and len(rows) > 3
    page.context.close()


def test_apply_for_a_conditional_file_get_approved_and_download(browser, live_server: str) -> None:
    citizen = new_page(browser)
    citizen.goto(live_server + "/dataset/datong-taxi-companies")
    citizen.locator(".resource-item a.heading", has_text="出租汽车企业及运力").click()
    assert citizen.locator(".datong-download-notice").first.is_visible()
    assert citizen.locator("a.resource-url-analytics").count() == 0
    citizen.get_by_role("link", name="申请开放").click()
    citizen.wait_for_url("**/user/login**")
    sign_in(citizen, "citizen-demo")
    citizen.wait_for_url("**/dataset/datong-taxi-companies/apply**")
    citizen.get_by_label("申请人名称").fill("王芳")
    citizen.get_by_label("联系电话").fill("13800000000")
    citizen.get_by_label("使用用途").fill("研究大同市新能源出租汽车的推广进度，用于高校课程论文")
    citizen.get_by_label(re.compile("我已阅读并接受")).check()
    citizen.get_by_role("button", name="提交申请").click()
    citizen.wait_for_url(REQUEST_PAGE)
    number = citizen.locator("h1").inner_text().split()[-1]
    assert number.startswith("KF")
    screenshot(citizen, "journey-applied")

    editor = new_page(browser)
    editor.goto(live_server + "/user/login")
    sign_in(editor, "jtj-editor")
    editor.goto(live_server + "/sharing/inbox")
    editor.get_by_role("link", name=number).click()
    editor.locator("form[data-step=approve] button").click()
    editor.wait_for_url(REQUEST_PAGE)
    assert editor.locator(".datong-state").inner_text() == "已批准"
    editor.context.close()

    citizen.goto(live_server + "/dataset/datong-taxi-companies")
    citizen.locator(".resource-item a.heading", has_text="出租汽车企业及运力").click()
    rows = downloaded_rows(citizen, citizen.locator("a.resource-url-analytics").first)
    assert rows[0][:2] == ["企业名称", "类型"] and len(rows) == 5
    screenshot(citizen, "journey-downloadable")
    citizen.context.close()


def test_the_same_search_on_a_phone(browser, live_server: str) -> None:
    phone = new_page(browser, viewport={"width": 360, "height": 740}, is_mobile=True)
    phone.goto(live_server + "/")
    search = phone.get_by_role("search").get_by_role("searchbox").first
    search.fill("公交线路")
    search.press("Enter")
    phone.wait_for_url("**/dataset/?q=*")
    assert "大同市公交线路信息" in phone.locator(".dataset-heading").first.inner_text()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the results page scrolls sideways ({width} px)"
    screenshot(phone, "journey-phone-results")
    phone.context.close()
