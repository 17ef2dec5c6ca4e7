"""The catalog's search results page (/dataset/): the portal's facets, matched words marked (and
escaped), every sort order including popularity after counted views and downloads, paging,
the empty result; and one walk through it in a real browser (search in Chinese, a facet, a
sort order, the next page) down to 360 px wide."""
from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any, Iterator

import pytest
from bs4 import BeautifulSoup
from ckan import model, plugins
from ckan.cli.cli import ckan
from ckan.tests import helpers

from ckanext.datong import clock
from tests import factories, worlds
from tests.live import serving_ckan

XSS_TITLE = '<script>alert("公交")</script>公交月票'


@pytest.fixture(scope="module")
def shelf(reset_db) -> Iterator[SimpleNamespace]:
    """Five open entries of a department and a county, and one seen by government users only."""
    plugins.load_all()
    reset_db()
    official = factories.UserWithToken(name="ygq-staff")
    admin = factories.Sysadmin(name="search-admin")
    transport = worlds.department("大同市交通运输局", name="s-jtj", dept_code="013")
    yungang = worlds.county("云冈区人民政府", "140214", name="s-ygq", dept_code="001", member=official)

    def entry(name: str, title: str, org: dict[str, Any], **fields: Any) -> dict[str, Any]:
        return factories.Dataset(name=name, title=title, owner_org=org["id"], **fields)

    shelf = SimpleNamespace(official=official, admin=admin, entries={})
    for name, title, org, fields in (
        ("lines", "大同市公交线路", transport,
         {"notes": "全市公交线路的走向、站点和首末班时间。", "update_frequency": "每月",
          "resources": [{"url": "https://data.example/lines.csv", "format": "CSV"}]}),
        ("stops", "大同市公交站点", transport,
         {"notes": "公交站点名称和位置。", "spatial_scope": "140213", "update_frequency": "每日",
          "resources": [{"url": "https://data.example/stops.json", "format": "JSON"}]}),
        ("scenic", "云冈区旅游景点", yungang,
         {"notes": "云冈区A级旅游景区名录。", "industry_domain": "文旅", "spatial_scope": "140200",
          "resources": [{"url": "https://data.example/scenic.csv", "format": "CSV"}]}),
        ("xss", XSS_TITLE, transport,
         {"notes": "月票<b>办理</b>网点：公交集团各营业厅。", "industry_domain": "交通"}),
        ("taxis", "大同市出租车企业", transport, {"notes": "出租车企业名录。"}),
        ("drivers", "大同市公交驾驶员档案", transport,
         {"notes": "公交驾驶员从业资格。", "open_type": "不予开放", "data_grade": "一般-4"}),
    ):
        shelf.entries[name] = entry(name, title, org, **fields)
    yield shelf
    plugins.unload_all()


@pytest.fixture(scope="module")
def client(shelf):
    return helpers._get_test_app()


def get(client, path: str = "/dataset/", user: dict[str, Any] | None = None,
        agent: str = "Mozilla/5.0 (tests)", status: int = 200, **params: Any) -> BeautifulSoup:
    headers = {"User-Agent": agent}
    if user:
        headers["Authorization"] = user["token"]
    response = client.get(path, headers=headers, query_string=params)
    assert response.status_code == status, path
    return BeautifulSoup(response.body, "html.parser")


def listed(soup: BeautifulSoup) -> list[str]:
    return [a.get_text(strip=True) for a in soup.select(".dataset-heading a")]


def search(user: dict[str, Any] | None = None, **params: Any) -> dict[str, Any]:
    context = {"user": user["name"] if user else "", "ignore_auth": False}
    return helpers.call_action("package_search", context=context, **params)


def facet_items(soup: BeautifulSoup, title: str) -> dict[str, str]:
    """label → link of a facet in the sidebar."""
    for heading in soup.select(".filters .module-heading"):
        if heading.get_text(strip=True) == title:
            return {item.select_one(".item-label").get_text(strip=True): item.a["href"]
                    for item in heading.find_parent("section").select("li.nav-item")}
    raise AssertionError(f"no facet {title}")


def test_facets_filter_and_show_the_active_filters(client, shelf):
    soup = get(client)
    titles = [h.get_text(strip=True) for h in soup.select(".filters .module-heading")]
    assert titles == ["行业领域", "提供部门", "区县", "文件格式", "更新周期", "开放属性"]
    counties = facet_items(soup, "区县")
    assert set(counties) == {"平城区", "云冈区"}  # by 空间范围 (stops), by the county's own entry
    assert soup.select_one(".datong-result-count").get_text(strip=True) == "共找到 5 条数据"

    filtered = get(client, datong_county="140214", res_format="CSV")
    assert listed(filtered) == ["云冈区旅游景点"]
    pills = filtered.select(".datong-active-filters .filtered")
    assert [pill.get_text(strip=True) for pill in pills] == ["区县：云冈区", "文件格式：CSV"]
    removed = pills[0].select_one("a.remove")["href"]
    assert "datong_county" not in removed and "res_format=CSV" in removed
    assert filtered.select_one(".datong-clear-filters")["href"] == "/dataset/"


def test_government_users_also_get_sharing_type_and_grade(client, shelf):
    soup = get(client, user=shelf.official)
    titles = [h.get_text(strip=True) for h in soup.select(".filters .module-heading")]
    assert titles[-2:] == ["共享类型", "数据分级"]
    assert "大同市公交驾驶员档案" in listed(soup)


def test_matched_words_are_marked_and_titles_escaped(client, shelf):
    response = client.get("/dataset/", query_string={"q": "公交"})
    soup = BeautifulSoup(response.body, "html.parser")
    marks = {a.get_text(strip=True): [m.get_text() for m in a.select("mark.datong-hit")]
             for a in soup.select(".dataset-heading a")}
    assert marks == {"大同市公交线路": ["公交"], "大同市公交站点": ["公交"],
                     XSS_TITLE: ["公交", "公交"]}
    assert soup.select_one(".datong-result-count").get_text(strip=True) == "找到 3 条与“公交”相关的数据"
    body = response.body
    assert "<script>alert" not in body
    assert '&lt;script&gt;alert(&#34;<mark class="datong-hit">公交</mark>&#34;)&lt;/script&gt;' in body
    # the link's title attribute holds the plain (escaped) title, never markup
    assert all("<mark" not in a["title"] for a in soup.select(".dataset-heading a"))
    # the abstract: Markdown and markup removed, then marked and escaped
    abstract = soup.select_one('a[href="/dataset/xss"]').find_parent("li").select_one(
        ".datong-entry-abstract")
    assert str(abstract) == ('<div class="datong-entry-abstract">月票办理网点：'
                             '<mark class="datong-hit">公交</mark>集团各营业厅。</div>')
    # a fielded query marks its text words only
    soup = get(client, q="title:旅游 AND organization:s-ygq")
    assert [m.get_text() for m in soup.select("mark.datong-hit")] == ["旅游", "旅游"]


@pytest.mark.parametrize("sort, first", [
    ("metadata_created desc", "大同市出租车企业"),
    ("title_string asc", XSS_TITLE),
])
def test_sort_orders(client, shelf, sort, first):
    assert listed(get(client, sort=sort))[0] == first


def test_recently_updated_first(client, shelf):
    # package_show's dict (with its popularity figures) goes back through package_update
    helpers.call_action("package_patch", context={"user": shelf.admin["name"]}, id="lines",
                        notes="全市公交线路（已更新）。")
    assert listed(get(client, sort="metadata_modified desc"))[0] == "大同市公交线路"


def test_popularity_counts_views_and_downloads_and_orders_by_them(client, shelf, cli):
    scenic = shelf.entries["scenic"]
    for visitor in ("A", "B", "C"):
        get(client, "/dataset/stops", agent=f"Mozilla/5.0 visitor {visitor}")
    get(client, "/dataset/stops", agent="Mozilla/5.0 visitor A")  # the same visitor, same day
    get(client, "/dataset/lines", agent="Mozilla/5.0 visitor A")
    get(client, "/dataset/lines", agent="Mozilla/5.0 visitor B")
    get(client, "/dataset/lines", agent="Googlebot/2.1")  # crawlers are not counted
    for visitor in ("A", "B"):  # a linked file: the download redirects to it, and counts
        response = client.get(f"/dataset/scenic/resource/{scenic['resources'][0]['id']}/download",
                              headers={"User-Agent": f"curl-like client {visitor}"},
                              follow_redirects=False)
        assert response.status_code == 302
    # an entry the visitor may not see answers 404 and is not counted; a government user counts
    get(client, "/dataset/drivers", status=404)
    get(client, "/dataset/drivers", user=shelf.official)
    # a view three weeks ago counts in the total, not among the recent ones
    model.Session.execute(model.meta.metadata.tables["datong_popularity_hit"].insert().values(
        package_id=shelf.entries["taxis"]["id"], kind="view", visitor="earlier",
        day=clock.now().date() - datetime.timedelta(days=21)))
    model.Session.commit()

    result = cli.invoke(ckan, ["datong", "popularity", "update"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("popularity updated: 5 entries changed")

    def order(sort: str, user: dict[str, Any] | None = None, rows: int = 3) -> list[str]:
        return [e["name"] for e in search(user, sort=sort, rows=rows)["results"]]

    assert order("views_total desc") == ["stops", "lines", "taxis"]
    assert order("views_recent desc")[:2] == ["stops", "lines"]
    assert "taxis" not in order("views_recent desc")[:2]
    assert order("resources_accessed_total desc")[0] == "scenic"
    assert "drivers" not in order("views_total desc")  # hidden from anonymous, whatever its count
    ranked = order("views_total desc", shelf.official, rows=4)
    assert ranked[:2] == ["stops", "lines"] and set(ranked[2:]) == {"drivers", "taxis"}
    shown = helpers.call_action("package_show", context={"user": "", "ignore_auth": False},
                                id="stops")
    assert shown["tracking_summary"] == {"total": 3, "recent": 3}
    assert shown["datong_downloads"] == {"total": 0, "recent": 0}
    found = {e["name"]: e for e in search(rows=10)["results"]}
    assert found["taxis"]["tracking_summary"] == {"total": 1, "recent": 0}
    assert found["scenic"]["datong_downloads"] == {"total": 2, "recent": 2}

    soup = get(client, sort="views_total desc")
    assert listed(soup)[:2] == ["大同市公交站点", "大同市公交线路"]
    first = soup.select_one("li.dataset-item .datong-popularity")
    assert first.get_text(" ", strip=True) == "浏览 3 次 下载 0 次"
    soup = get(client, sort="resources_accessed_total desc")
    assert soup.select_one("#field-order-by option[selected]").get_text(strip=True) == "下载最多"
    assert listed(soup)[0] == "云冈区旅游景点"
    # nothing changed since: the next update changes nothing
    assert cli.invoke(ckan, ["datong", "popularity", "update"]).output.splitlines()[-1] \
        .startswith("popularity updated: 0 entries changed")


@pytest.mark.ckan_config("ckan.datasets_per_page", 2)
def test_pages_of_results(client, shelf):
    first = get(client, sort="title_string asc")
    assert len(listed(first)) == 2
    assert first.select_one(".datong-pager-position").get_text(strip=True) == "第 1 / 3 页"
    pager = {a.get_text(strip=True): a["href"] for a in first.select(".pagination a")}
    assert "下一页" in pager and "上一页" not in pager
    second = get(client, sort="title_string asc", page=2)
    assert set(listed(second)).isdisjoint(listed(first))
    assert second.select_one(".datong-pager-position").get_text(strip=True) == "第 2 / 3 页"


def test_an_empty_result_says_so_and_offers_a_way_out(client, shelf):
    soup = get(client, q="不存在的词语", industry_domain="交通")
    assert listed(soup) == []
    assert soup.select_one(".datong-result-count").get_text(strip=True) == "找到 0 条与“不存在的词语”相关的数据"
    empty = soup.select_one(".datong-search-empty")
    assert empty.h2.get_text(strip=True) == "没有找到符合条件的数据"
    assert [a.get_text(strip=True) for a in empty.select("a")] == ["去掉筛选条件重新检索", "浏览全部数据"]
    assert soup.select_one(".datong-pager") is None


def test_a_query_that_cannot_be_run_gets_a_chinese_message(client, shelf):
    soup = get(client, q='title:"公交')  # an unbalanced quote: the engine cannot parse it
    assert soup.select_one(".datong-result-count").get_text(strip=True) == "检索未能完成"
    assert soup.select_one("#search-error").get_text(strip=True).startswith("检索词或筛选条件无法识别")
    assert "请求有误" in get(client, status=400, sort="no_such_order sideways").get_text()


def test_no_english_on_the_results_page(client, shelf):
    soup = get(client, q="公交", res_format="CSV")
    for area in soup.select(".datong-search-form, .filters, .dataset-list"):
        for node in area.find_all(string=True):
            words = [w for w in node.split() if w.isascii() and w.isalpha() and len(w) > 3]
            assert not words, (words, node)


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def live_server(shelf) -> Iterator[str]:
    with serving_ckan() as url:
        yield url


@pytest.mark.ckan_config("ckan.datasets_per_page", 1)
def test_search_facet_sort_and_page_in_a_browser(page, live_server):
    page.set_viewport_size({"width": 360, "height": 740})
    page.set_default_timeout(10_000)
    page.goto(f"{live_server}/dataset/")
    page.get_by_label("搜索数据目录").fill("公交")
    page.get_by_label("搜索数据目录").press("Enter")
    page.wait_for_url("**q=%E5%85%AC%E4%BA%A4**")
    assert page.locator(".datong-result-count").inner_text() == "找到 3 条与“公交”相关的数据"
    assert page.locator(".dataset-heading mark.datong-hit").first.inner_text() == "公交"
    page.get_by_role("link", name="过滤结果").click()  # the sidebar opens on a narrow screen
    page.locator(".filters li.nav-item a", has_text="JSON").click()
    page.wait_for_url("**res_format=JSON**")
    assert page.locator(".datong-active-filters .filtered").inner_text().strip() == "文件格式：JSON"
    page.locator(".datong-active-filters .remove").click()
    page.wait_for_url(lambda url: "res_format" not in url)
    page.get_by_label("排序").select_option(label="名称")  # the form submits on change
    page.wait_for_url("**sort=title_string**")
    first = page.locator(".dataset-heading a").inner_text()
    page.get_by_role("link", name="下一页").click()
    page.wait_for_url("**page=2**")
    assert page.locator(".dataset-heading a").inner_text() != first
    assert page.locator(".datong-pager-position").inner_text() == "第 2 / 3 页"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
