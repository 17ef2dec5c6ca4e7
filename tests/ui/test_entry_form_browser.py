"""A department editor fills the catalog entry form in Chinese in a real browser: every
inconsistency stops the form with a Chinese message naming the field; once corrected, the
entry is created (CKAN's two stages: the entry, then its first resource) and its page shows
the fields."""
from __future__ import annotations

import datetime
from typing import Iterator

import pytest

from tests.live import serving_ckan
from tests.ui.conftest import PASSWORD

TITLE = "大同市出租车营运车辆信息"
FUTURE_DATE = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()  # in any time zone


@pytest.fixture(scope="module")
def live_server(catalog) -> Iterator[str]:
    with serving_ckan() as url:
        yield url


def sign_in(page, base: str, name: str) -> None:
    page.goto(base + "/user/login")
    page.fill("#field-login", name)
    page.fill("#field-password", PASSWORD)
    with page.expect_navigation():
        page.locator("#field-password").press("Enter")


def error_messages(page) -> list[str]:
    return [li.strip() for li in page.locator(".error-explanation li").all_inner_texts()]


def test_editor_is_stopped_on_every_inconsistency_then_creates_the_entry(live_server, page,
                                                                          catalog):
    page.set_default_timeout(10_000)
    sign_in(page, live_server, catalog.editor["name"])
    page.goto(live_server + "/organization/dt-jtj")
    page.get_by_role("link", name="增加数据集").click()
    page.wait_for_url("**/dataset/new**")
    # CKAN's scripts have started: the repeating 信息项 block took its row template out of the
    # form (a template left in would be submitted as a phantom 信息项)
    page.wait_for_selector("div[name=repeating-template]", state="detached")

    # the form, in Chinese
    page.get_by_label("信息资源名称").fill(TITLE)
    page.get_by_label("信息资源分类").fill("201003")
    page.get_by_label("摘要").fill("全市出租车的车牌号、所属公司和营运状态。")
    page.get_by_label("格式").select_option(label="数据库")
    page.get_by_label("空间范围").select_option(label="全市")
    page.fill("#field-items-0-item_name", "车牌号")
    page.select_option("#field-items-0-data_type", label="字符型")
    page.fill("#field-items-0-length", "10")
    page.get_by_role("link", name="新增").click()
    page.fill("#field-items-1-item_name", "驾驶员身份证号")
    page.select_option("#field-items-1-data_type", label="字符型")
    page.select_option("#field-items-1-sensitive", label="是")
    page.select_option("#field-items-1-item_grade", label="一般-3")
    page.get_by_label("数据分级").select_option(label="重要")
    page.get_by_label("共享类型").select_option(label="不予共享")
    page.locator("#field-open_type").select_option(label="无条件开放")
    page.get_by_label("更新周期").select_option(label="每日")
    page.get_by_label("发布日期").fill(FUTURE_DATE)
    page.get_by_role("button", name="下一步：添加数据").click()
    page.wait_for_load_state()

    messages = error_messages(page)
    assert messages[:-1] == [
        "「行业领域」为必填项",
        "信息项 1，开放属性：信息项“车牌号”的共享类型为不予共享，其开放属性不能宽于不予开放（现为无条件开放）",
        "信息项 2，开放属性：信息项“驾驶员身份证号”的分级为一般-3，其开放属性不能宽于有条件开放（现为无条件开放）",
        "信息项 2，开放属性：信息项“驾驶员身份证号”的共享类型为不予共享，其开放属性不能宽于不予开放（现为无条件开放）",
        "共享类型为不予共享时，「共享条件」必须填写法律、行政法规或党中央、国务院政策依据",
        "开放属性：数据分级为重要，信息资源的开放属性不能宽于不予开放（现为无条件开放）",
        "开放属性：信息资源的共享类型为不予共享，信息资源的开放属性不能宽于不予开放（现为无条件开放）",
    ]
    assert messages[-1].startswith("「发布日期」不能晚于今天（")
    # what the editor typed is kept, the fields in error are marked
    assert page.get_by_label("信息资源名称").input_value() == TITLE
    assert page.input_value("#field-items-1-item_name") == "驾驶员身份证号"
    assert "「行业领域」为必填项" in page.locator("#field-industry_domain").locator(
        "xpath=ancestor::div[contains(@class, 'form-group')]").inner_text()

    # corrected: conditional sharing with its conditions, not opened, a past date
    page.get_by_label("行业领域").select_option(label="交通")
    page.get_by_label("共享类型").select_option(label="有条件共享")
    page.get_by_label("共享条件").fill("仅用于交通运输行业监管")
    page.locator("#field-open_type").select_option(label="不予开放")
    page.get_by_label("发布日期").fill("2024-05-01")
    page.get_by_role("button", name="下一步：添加数据").click()
    page.wait_for_url("**/resource/new**")

    # second stage: the first resource, as a link
    page.get_by_role("button", name="链接").click()
    page.fill("#field-resource-url", "https://data.example/taxi.csv")
    page.fill("#field-name", "出租车营运车辆表")
    page.get_by_role("button", name="完成").click()
    page.wait_for_url("**/dataset/*")

    assert page.locator("[role=main] h1").first.inner_text().strip() == TITLE
    fields = dict(zip(page.locator("section.datong-entry tr[data-field] th").all_inner_texts(),
                      page.locator("section.datong-entry tr[data-field] td").all_inner_texts()))
    assert fields["行业领域"] == "交通"
    assert fields["共享类型"] == "有条件共享"
    assert fields["共享条件"] == "仅用于交通运输行业监管"
    assert fields["开放属性"] == "不予开放"
    assert fields["数据分级"] == "重要"
    assert fields["发布日期"] == "2024年5月1日"  # shown the Chinese way
    assert fields["空间范围"] == "140200 全市"
    assert fields["信息资源代码"].startswith("201003/140200013")
    items = page.locator("table.datong-items tbody tr")
    assert items.count() == 2
    assert items.nth(1).inner_text().split("\t")[1:4] == ["驾驶员身份证号", "C 字符型", "—"]
    assert "出租车营运车辆表" in page.locator(".resource-item").inner_text()
