"""The home page, the organization index and a county's page over plain HTTP: every count is
that of the entries the visitor may see (package_search as that visitor), hidden entries never
count; the footer shows the configured facts; /en/ reads English."""
from __future__ import annotations

import re
from typing import Any, Optional

import pytest
from bs4 import BeautifulSoup
from ckan.tests import helpers

from ckanext.datong import vocabulary
from tests import factories

DOMAINS = "industry_domain"


@pytest.fixture(scope="module")
def site(catalog):
    """The UI catalog plus two DataStore tables: one of the open bus-lines entry, one of the
    government-only building-permits entry (a county's file the public may not count)."""
    sysadmin = {"user": catalog.sysadmin["name"]}
    permits_file = factories.Resource(package_id=catalog.permits["id"], name="许可表",
                                      url="https://data.example/permits.csv", format="CSV")
    for resource_id in (catalog.bus_lines["resources"][0]["id"], permits_file["id"]):
        helpers.call_action("datastore_create", context=sysadmin, resource_id=resource_id,
                            force=True, fields=[{"id": "名称", "type": "text"}],
                            records=[{"名称": "一路"}])
    return catalog


@pytest.fixture(scope="module")
def client(site):
    return helpers._get_test_app()


def visitor(site, role: Optional[str]) -> Optional[dict[str, Any]]:
    return {None: None, "county": site.county, "citizen": site.citizen}[role]


def get(client, path: str, user: Optional[dict[str, Any]] = None, **params: Any) -> BeautifulSoup:
    headers = {"Authorization": user["token"]} if user else {}
    response = client.get(path, headers=headers, query_string=params or None)
    assert response.status_code == 200, path
    return BeautifulSoup(response.body, "html.parser")


def search(client, user: Optional[dict[str, Any]], **params: Any) -> dict[str, Any]:
    """package_search over the API as `user` (the search page's private entries included)."""
    headers = {"Authorization": user["token"]} if user else {}
    response = client.post("/api/3/action/package_search", headers=headers,
                           json={"include_private": True, **params})
    assert response.status_code == 200, response.body
    return response.json["result"]


def number(text: str) -> int:
    return int(re.search(r"\d+", text).group())


def tiles(soup: BeautifulSoup) -> dict[str, int]:
    return {a["data-domain"]: number(a.select_one(".datong-domain-count").get_text())
            for a in soup.select("a.datong-domain")}


def counters(soup: BeautifulSoup, selector: str) -> dict[str, int]:
    return {li["data-counter"]: number(li.strong.get_text()) for li in soup.select(selector)}


def listed(soup: BeautifulSoup, key: str) -> list[str]:
    return [a.get_text(strip=True) for a in soup.select(f"[data-list={key}] .datong-entry-list li > a")]


def organizations(soup: BeautifulSoup, selector: str) -> dict[str, int]:
    return {a["data-organization"]: number(a.select_one(".datong-org-count").get_text())
            for a in soup.select(f"{selector} .datong-org-list a")}


@pytest.mark.parametrize("role", [None, "citizen", "county"])
def test_domain_tiles_count_the_entries_the_visitor_may_see(client, site, role):
    user = visitor(site, role)
    shown = tiles(get(client, "/", user))
    facets = search(client, user, rows=0, **{"facet.field": [DOMAINS], "facet.limit": -1})
    counted = {item["name"]: item["count"] for item in facets["search_facets"][DOMAINS]["items"]}
    assert list(shown) == list(vocabulary.values("industry_domains"))  # all 11, in order
    assert shown == {domain: counted.get(domain, 0) for domain in shown}
    assert shown["交通"] == 2
    government = role == "county"
    assert shown["政务"] == (1 if government else 0)  # building-permits: 不予开放
    assert shown["应急"] == (1 if government else 0)  # emergency-plans: 重要, 不予开放


def test_a_tile_links_to_the_search_filtered_by_its_domain(client, site):
    soup = get(client, "/")
    link = soup.select_one("a.datong-domain[data-domain=交通]")["href"]
    assert link == "/dataset/?industry_domain=%E4%BA%A4%E9%80%9A"
    results = get(client, link)
    assert {a.get_text(strip=True) for a in results.select(".dataset-heading a")} == \
        {"大同市公交线路", "大同市公交站点"}


@pytest.mark.parametrize("role, expected", [
    (None, {"datasets": 2, "providers": 1, "files": 2, "tables": 1}),
    ("county", {"datasets": 4, "providers": 2, "files": 3, "tables": 2}),
])
def test_site_counters_count_what_the_visitor_may_see(client, site, role, expected):
    user = visitor(site, role)
    shown = counters(get(client, "/", user), ".datong-counters li")
    assert shown == expected
    assert shown["datasets"] == search(client, user, rows=0)["count"]


@pytest.mark.parametrize("role", [None, "county"])
def test_newest_and_most_used_lists_follow_the_search(client, site, role):
    user = visitor(site, role)
    soup = get(client, "/", user)
    for key, sort in (("newest", "metadata_created desc"), ("popular", "views_recent desc")):
        expected = [entry["title"] for entry in search(client, user, rows=6, sort=sort)["results"]]
        assert listed(soup, key) == expected, key
    if role is None:
        assert "平城区建设工程规划许可" not in soup.get_text()


@pytest.mark.parametrize("role, transport, pingcheng", [(None, 2, 0), ("county", 3, 1)])
def test_departments_and_counties_are_listed_apart_with_their_counts(client, site, role,
                                                                      transport, pingcheng):
    user = visitor(site, role)
    for path in ("/", "/organization/"):
        soup = get(client, path, user)
        departments = organizations(soup, "[data-list=departments]" if path == "/" else "#datong-departments")
        counties = organizations(soup, "[data-list=counties]" if path == "/" else "#datong-counties")
        assert departments == {"dt-jtj": transport}, path
        assert counties == {"dt-pcq": pingcheng}, path


def test_organization_search_lists_the_matches(client, site):
    soup = get(client, "/organization/", q="平城")
    assert not soup.select("#datong-departments")
    assert [h.get_text(strip=True) for h in soup.select(".media-heading")] == ["平城区人民政府"]


@pytest.mark.parametrize("role, count", [(None, 0), ("county", 1)])
def test_a_county_page_shows_its_identity_and_what_the_visitor_may_see(client, site, role, count):
    user = visitor(site, role)
    soup = get(client, "/organization/dt-pcq", user)
    header = soup.select_one(".datong-org-header")
    assert header.h1.get_text(strip=True) == "平城区人民政府"
    assert header.select_one(".datong-org-kind").get_text(strip=True) == "县区"
    assert site.pingcheng["uscc"] in header.get_text()
    assert counters(soup, ".datong-org-counters li") == {"datasets": count, "files": count,
                                                          "tables": count}
    assert ("平城区建设工程规划许可" in soup.get_text()) == bool(count)
    assert soup.select_one("section.module-narrow .module-heading")  # the search facets


def test_an_organization_about_page_lists_its_fields_without_the_facets(client, site):
    soup = get(client, "/organization/about/dt-jtj")
    assert soup.select_one(".datong-org-header h1").get_text(strip=True) == "大同市交通运输局"
    fields = {tr.th.get_text(strip=True): tr.td.get_text(strip=True)
              for tr in soup.select("table.datong-organization tr")}
    assert fields["组织类型"] == "市直部门" and fields["统一社会信用代码"] == site.transport["uscc"]
    assert "no-nav" in soup.select_one(".wrapper")["class"]


def test_the_footer_leaves_out_unset_facts(client, site):
    soup = get(client, "/")
    footer = soup.select_one("footer.site-footer")
    assert footer.select_one("a[href='/licence/datong-open']").get_text(strip=True) == "数据开放协议"
    assert footer.select_one("a[href='/api-guide']").get_text(strip=True) == "应用程序接口（API）"
    assert not footer.select(".datong-record-line, .datong-footer-facts")


@pytest.mark.ckan_config("ckanext.datong.portal.organizer", "大同市数据局")
@pytest.mark.ckan_config("ckanext.datong.portal.contact_email", "opendata@datong.example")
@pytest.mark.ckan_config("ckanext.datong.portal.site_code", "1402000001")
@pytest.mark.ckan_config("ckanext.datong.portal.icp_record", "晋ICP备12345678号")
@pytest.mark.usefixtures("ckan_config")
def test_the_footer_shows_the_configured_facts(client, site):
    footer = get(client, "/dataset/").select_one("footer.site-footer")
    facts = dict(zip([dt.get_text(strip=True) for dt in footer.select(".datong-footer-facts dt")],
                     [dd.get_text(strip=True) for dd in footer.select(".datong-footer-facts dd")]))
    assert facts == {"主办单位": "大同市数据局", "电子邮箱": "opendata@datong.example"}
    assert [span.get_text(strip=True) for span in footer.select(".datong-record-line span")] == \
        ["网站标识码：1402000001", "晋ICP备12345678号"]


def test_the_frame_has_landmarks_a_skip_link_and_labelled_fields(client, site):
    for path in ("/", "/organization/", "/organization/dt-pcq"):
        soup = get(client, path)
        assert soup.body.find("a", class_="datong-skip-link")["href"] == "#content", path
        assert soup.select_one("#content"), path
        assert soup.select("header.masthead nav") and soup.select("footer.site-footer"), path
        assert len(soup.select("main, [role=main]")) == 1, path
        for field in soup.select("input:not([type=hidden]), select, textarea"):
            labelled = field.get("aria-label") or (
                field.get("id") and soup.select_one(f"label[for='{field['id']}']"))
            assert labelled, (path, str(field)[:120])


def test_english_pages_read_english(client, site):
    text = get(client, "/en/").get_text()
    for english in ("Data domains", "Newest data", "Most used data", "Municipal departments",
                    "Counties and districts", "Skip to main content", "About the portal"):
        assert english in text
    for chinese in ("数据领域", "最新数据", "市直部门", "跳到主要内容", "关于平台"):
        assert chinese not in text
