"""The entry and resource pages in a real browser, as an anonymous visitor: the entry page with
its sharing panel (copy the link), the table preview of an open file and its download, and a
conditionally opened file refused with its notice. Screenshots are kept as test artifacts
(DATONG_TEST_ARTIFACTS, by default var/test-artifacts/)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest

from tests.live import serving_ckan
from tests.ui.test_dataset_page import STOPS_CSV, entries  # noqa: F401  (the entries, per module)

ARTIFACTS = Path(os.environ.get("DATONG_TEST_ARTIFACTS", "var/test-artifacts"))


@pytest.fixture(scope="module")
def live_server(entries) -> Iterator[str]:  # noqa: F811
    with serving_ckan() as url:
        yield url


@pytest.fixture
def visitor(browser, live_server: str) -> Iterator[Any]:
    """An anonymous visitor's page, allowed to use the clipboard and to download."""
    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dataset-{name}.png"), full_page=True)


def test_open_entry_preview_copy_link_and_download(visitor, live_server, entries):  # noqa: F811
    page = visitor
    page.goto(f"{live_server}/dataset/bus-lines")
    assert page.locator("h1").first.inner_text().strip() == "大同市公交线路"
    assert page.locator(".datong-share svg.datong-qr").is_visible()
    page.get_by_role("button", name="复制链接").click()
    page.locator(".datong-share-status", has_text="链接已复制").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == f"{live_server}/dataset/bus-lines"
    screenshot(page, "entry")

    page.get_by_role("link", name="站点表.csv").first.click()
    preview = page.locator(".datong-table-preview")
    preview.wait_for()
    assert preview.locator("tbody tr").count() == 2
    assert "红旗广场" in preview.inner_text()
    screenshot(page, "table-preview")

    with page.expect_download() as started:
        page.locator("a.btn.resource-url-analytics").click()
    download = started.value
    assert Path(download.path()).read_text(encoding="utf-8") == STOPS_CSV


def test_conditional_file_is_refused_with_its_notice(visitor, live_server, entries):  # noqa: F811
    page = visitor
    resource = entries.closed_files["table"]
    page.goto(f"{live_server}/dataset/bus-stops/resource/{resource['id']}")
    notice = page.locator(".alert.datong-download-notice")
    assert "需申请授权后下载" in notice.inner_text()
    assert page.locator("a.resource-url-analytics").count() == 0
    assert page.locator(".datong-table-preview").count() == 0
    screenshot(page, "conditional")
    # the file's own address (as its department sees it) is refused as well
    answer = page.goto(live_server + urlsplit(resource["url"]).path)
    assert answer.status == 403
    assert "该数据需申请授权后下载" in page.content()
