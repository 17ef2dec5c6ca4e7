"""A data asset registration from end to end in a real browser (chromium): the department
editor applies with the plain form, the data authority accepts, passes and — once the notice
period is over — issues the 登记编号 from its queue, and a visitor without an account finds
the certificate on the register and verifies it."""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
from ckan import model

from tests.live import screenshot, serving_ckan
from tests.registration.conftest import World, end_notice, fields, world  # noqa: F401
from tests.ui.conftest import PASSWORD
from tests.ui.test_entry_form_browser import sign_in

RECORD_PAGE = re.compile(r".*/registration/[0-9a-f-]{36}$")


@pytest.fixture(scope="module")
def live_server(world: World) -> Iterator[str]:  # noqa: F811
    for role in ("owner", "authority"):
        model.User.get(world.users[role]["name"]).password = PASSWORD
    model.Session.commit()
    with serving_ckan() as url:
        yield url


@pytest.fixture
def open_as(browser, live_server: str, world: World) -> Iterator[Any]:  # noqa: F811
    contexts = []

    def opened(role: str) -> Any:
        context = browser.new_context(locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        if role != "anonymous":
            sign_in(page, live_server, world.users[role]["name"])
        return page

    yield opened
    for context in contexts:
        context.close()


def test_apply_review_issue_and_verify(live_server, open_as, world):  # noqa: F811
    owner = open_as("owner")
    owner.goto(f"{live_server}/registration/")
    owner.get_by_role("link", name="我的登记").click()
    owner.get_by_role("link", name="申请数据资产登记").click()
    data = fields(world.entries["spare"]["id"], name="公交站点设施数据资源")
    owner.get_by_label("关联数据目录").select_option(value=data["package_id"])
    owner.get_by_label("登记对象").select_option("数据资源")
    for label, key in (("登记名称（公开）", "name"), ("摘要（公开）", "summary"),
                       ("来源与合法性依据", "source_basis"), ("数据资源持有权人", "holder_resource"),
                       ("数据加工使用权人", "holder_processing"),
                       ("数据产品经营权人", "holder_operation"), ("数据规模", "scale"),
                       ("数据格式", "data_format"), ("有效期起始日期", "valid_from"),
                       ("有效期截止日期", "valid_until")):
        owner.get_by_label(label, exact=True).fill(data[key])
    owner.get_by_role("button", name="提交登记").click()
    owner.wait_for_url(RECORD_PAGE)
    assert "登记申请已提交" in owner.locator(".flash-messages").inner_text()
    assert owner.locator(".datong-state").inner_text() == "待受理"
    number = owner.locator("h1.page-heading").inner_text().split()[-1]
    record_id = owner.url.rsplit("/", 1)[1]

    authority = open_as("authority")
    authority.goto(f"{live_server}/registration/queue")
    authority.get_by_role("link", name=number).click()
    authority.get_by_role("button", name="受理", exact=True).click()
    authority.wait_for_url(RECORD_PAGE)
    assert authority.locator(".datong-state").inner_text() == "形式审核中"
    authority.get_by_role("button", name="形式审核通过，进入公示").click()
    authority.wait_for_url(RECORD_PAGE)
    assert authority.locator(".datong-state").inner_text() == "公示中"
    assert authority.get_by_role("button", name="赋码").count() == 1

    visitor = open_as("anonymous")
    visitor.goto(f"{live_server}/registration/")
    row = visitor.locator("table.datong-registrations tr", has_text="公交站点设施数据资源")
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", row.inner_text())

    end_notice(record_id)
    authority.reload()
    authority.get_by_role("button", name="赋码").click()
    authority.wait_for_url(RECORD_PAGE)
    flash = authority.locator(".flash-messages").inner_text()
    code = re.search(r"DTZC-\d{4}-\d{6}", flash).group(0)
    assert authority.locator(".datong-state").inner_text() == "已赋码"

    visitor.goto(f"{live_server}/registration/register")
    visitor.get_by_role("link", name=code).click()
    assert code in visitor.locator(".datong-certificate").inner_text()
    assert "公交站点设施数据资源" in visitor.locator(".datong-certificate").inner_text()
    screenshot(visitor, "registration-certificate")
    with visitor.expect_download() as download:
        visitor.get_by_role("link", name="下载PDF证书").click()
    assert download.value.suggested_filename.endswith(".pdf")
    visitor.get_by_role("link", name="校验本证书").click()
    assert "未被篡改" in visitor.locator(".datong-verify-record").inner_text()
    assert visitor.locator("[data-ok]").get_attribute("data-ok") == "true"
