"""The demo portal answers its main pages in Chinese, and a visitor can search it in a browser."""
from __future__ import annotations

import pytest
from ckan.tests import helpers

BUS = "大同市公交线路信息"


@pytest.fixture(scope="module")
def client(demo_site):
    return helpers._get_test_app()


@pytest.mark.parametrize("path", ["/", "/dataset/", "/organization/", "/dataset/?q=公交", "/group/"])
def test_main_pages_answer_in_chinese(client, path):
    response = client.get(path)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'lang="zh' in body or "lang='zh" in body
    assert "数据集" in body


def test_dataset_page_and_search_results(client):
    found = client.get("/api/3/action/package_search", query_string={"q": "公交"}).json["result"]
    names = {d["title"]: d["name"] for d in found["results"]}
    assert BUS in names
    page = client.get(f"/dataset/{names[BUS]}")
    assert page.status_code == 200
    assert BUS in page.get_data(as_text=True)
    listing = client.get("/dataset/", query_string={"q": "公交"}).get_data(as_text=True)
    assert BUS in listing


def test_organization_page_lists_its_datasets(client):
    page = client.get("/organization/dt-jtj").get_data(as_text=True)  # 大同市交通运输局
    assert "大同市交通运输局" in page
    assert BUS in page


def test_visitor_searches_the_home_page_in_chinese(live_server, page):
    page.goto(live_server + "/")
    assert "大同市公共数据开放共享平台" in page.title()
    search_box = page.locator("form input[name=q]").first
    search_box.fill("公交")
    search_box.press("Enter")
    page.wait_for_url("**/dataset/?q=*")
    results = page.locator(".dataset-list .dataset-heading")
    results.first.wait_for()
    titles = results.all_inner_texts()
    assert any(BUS in title for title in titles)
    assert page.locator("text=没有找到").count() == 0
    page.get_by_role("link", name=BUS).first.click()
    page.wait_for_url("**/dataset/*")
    assert BUS in page.locator("[role=main] h1").first.inner_text()
