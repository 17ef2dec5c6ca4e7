"""Who sees which dashboard, who manages use cases, and what the public use-case pages show:
the auth matrix of every new action and page."""
from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from ckan.tests import helpers
import ckan.plugins.toolkit as tk

from tests import worlds

ROLES = ("anonymous", "citizen", "owner_member", "owner", "owner_admin", "other", "county",
         "authority", "sysadmin")
"""anonymous; citizen; member (not editor) of 交通运输局; its editor; its admin; editor of
文化和旅游局; editor of the county's office; the data authority; sysadmin."""
OWN_DASHBOARD = {"owner", "owner_admin", "other", "county", "authority", "sysadmin"}
TRAFFIC_DASHBOARD = {"owner", "owner_admin", "authority", "sysadmin"}
CITY_DASHBOARD = {"authority", "sysadmin"}
MANAGE_USE_CASES = {"authority", "sysadmin"}


@pytest.fixture(scope="module")
def headers(world) -> dict[str, dict[str, str]]:
    return {role: ({"Authorization": worlds.token(world.users[role], "dashboard-access")}
                   if world.users.get(role) else {}) for role in ROLES}


def allowed(world, role: str, action: str, **data: Any) -> bool:
    try:
        tk.check_access(action, world.context(role), data)
    except tk.NotAuthorized:
        return False
    return True


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_auth(world, role: str) -> None:
    assert allowed(world, role, "datong_dashboard_show") == (role in OWN_DASHBOARD)
    assert allowed(world, role, "datong_dashboard_show",
                   organization=world.orgs["owner"]["name"]) == (role in TRAFFIC_DASHBOARD)


@pytest.mark.parametrize("role", ROLES)
def test_use_case_auth(world, role: str) -> None:
    case_id = world.use_cases["bus"]["id"]
    for action in ("datong_use_case_create", "datong_use_case_update", "datong_use_case_delete"):
        assert allowed(world, role, action, id=case_id) == (role in MANAGE_USE_CASES), action
    assert allowed(world, role, "datong_use_case_show", id=case_id)
    assert allowed(world, role, "datong_use_case_list")


def test_without_an_organization_the_authority_sees_the_city(world) -> None:
    assert world.call("authority", "datong_dashboard_show")["scope"]["organization"] is None
    assert world.call("sysadmin", "datong_dashboard_show")["scope"]["title"] == "全市"
    assert world.call("county", "datong_dashboard_show")["scope"]["title"] == "阳高县人民政府办公室"


def test_an_unknown_organization_is_not_found(world) -> None:
    with pytest.raises(tk.ValidationError):
        world.call("authority", "datong_dashboard_show", organization="no-such-org")


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_page(world, headers, role: str) -> None:
    app = helpers._get_test_app()
    response = app.get("/dashboards/", headers=headers[role])
    page = response.get_data(as_text=True)
    if role in OWN_DASHBOARD:
        assert response.status_code == 200
        soup = BeautifulSoup(page, "html.parser")
        assert [s["data-section"] for s in soup.select("section[data-section]")] == [
            "targets", "compilation", "timeliness", "sharing", "harvest"]
        assert soup.select("svg.datong-chart title")
        assert "数据看板" in soup.select_one("nav").get_text() or "数据看板" in page
    else:
        assert response.status_code == 403
        assert "数据看板仅向数据主管部门和本单位的编辑、管理员开放" in page or "请先登录" in page
        assert "大同市交通运输局" not in page
    other = app.get(f"/dashboards/?organization={world.orgs['owner']['name']}", headers=headers[role])
    assert other.status_code == (200 if role in TRAFFIC_DASHBOARD else 403)


@pytest.mark.parametrize("role", ROLES)
def test_header_links(world, headers, role: str) -> None:
    page = helpers._get_test_app().get("/dataset/", headers=headers[role]).get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    links = {a.get_text(strip=True): a["href"] for a in soup.select("header a")}
    assert links.get("典型案例") == "/use-cases/"
    assert ("数据看板" in links) == (role in OWN_DASHBOARD)


@pytest.mark.parametrize("role", ROLES)
def test_use_case_pages(world, headers, role: str) -> None:
    app = helpers._get_test_app()
    listing = app.get("/use-cases/", headers=headers[role])
    assert listing.status_code == 200
    text = listing.get_data(as_text=True)
    assert "公交线网优化" in text and "智慧停车" in text and "农情监测" not in text
    shown = app.get(f"/use-cases/{world.use_cases['bus']['id']}", headers=headers[role])
    entries = [a.get_text(strip=True) for a in
               BeautifulSoup(shown.get_data(as_text=True), "html.parser").select(".datong-use-case-entries a")]
    # 交通违章 (A5) is 不予开放: government users only
    government = role not in ("anonymous", "citizen")
    assert entries == (["公交线路", "交通违章"] if government else ["公交线路"])
    assert app.get("/use-cases/new", headers=headers[role]).status_code == (
        200 if role in MANAGE_USE_CASES else 403)
    assert app.get(f"/use-cases/{world.use_cases['gone']['id']}", headers=headers[role]).status_code == 404


def test_use_case_linked_entries_follow_access(world) -> None:
    shown = world.call("citizen", "datong_use_case_show", id=world.use_cases["bus"]["id"])
    assert [e["title"] for e in shown["entries"]] == ["公交线路"]
    listed = world.call("anonymous", "datong_use_case_list", domain="交通")
    assert [c["title"] for c in listed] == ["公交线网优化", "智慧停车"]
    assert [e["title"] for e in listed[0]["entries"]] == ["公交线路"]
    shown = world.call("other", "datong_use_case_show", id=world.use_cases["bus"]["id"])
    assert [e["title"] for e in shown["entries"]] == ["公交线路", "交通违章"]


def test_use_case_form_lifecycle(world, headers) -> None:
    app = helpers._get_test_app()
    data = {"title": "景区停车引导", "summary": "停车与客流联动。", "domain": "文旅",
            "organization_id": world.orgs["other"]["id"], "package_ids": "b1, a3",
            "link_url": "https://www.example.cn/case/guide", "published": "2026-11-20"}
    bad = app.post("/use-cases/new", headers=headers["authority"],
                   data=dict(data, domain="体育", link_url="javascript:alert(1)", published="昨天"))
    assert bad.status_code == 200
    page = bad.get_data(as_text=True)
    assert "行业领域“体育”无效" in page and "案例链接应以" in page and "发布日期应为日期" in page
    assert "景区停车引导" not in [c["title"] for c in world.call("authority", "datong_use_case_list")]
    created = app.post("/use-cases/new", headers=headers["authority"], data=data, follow_redirects=False)
    assert created.status_code == 302
    case = next(c for c in world.call("authority", "datong_use_case_list") if c["title"] == "景区停车引导")
    assert [e["name"] for e in case["entries"]] == ["b1", "a3"]
    assert case["published"] == "2026-11-20" and case["organization"]["title"] == "大同市文化和旅游局"
    edit = app.get(f"/use-cases/{case['id']}/edit", headers=headers["authority"])
    assert "b1，a3" in edit.get_data(as_text=True)
    assert app.post(f"/use-cases/{case['id']}/edit", headers=headers["authority"],
                    data=dict(data, title="景区停车诱导", package_ids="b1"),
                    follow_redirects=False).status_code == 302
    changed = world.call("authority", "datong_use_case_show", id=case["id"])
    assert changed["title"] == "景区停车诱导" and [e["name"] for e in changed["entries"]] == ["b1"]
    assert app.post(f"/use-cases/{case['id']}/delete", headers=headers["other"]).status_code == 403
    assert app.post(f"/use-cases/{case['id']}/delete", headers=headers["authority"],
                    follow_redirects=False).status_code == 302
    with pytest.raises(tk.ObjectNotFound):
        world.call("authority", "datong_use_case_show", id=case["id"])


def test_use_case_api_errors(world) -> None:
    with pytest.raises(tk.ValidationError) as error:
        world.call("authority", "datong_use_case_create", title="", summary="x", domain="交通",
                   package_ids=["no-such-entry"])
    assert set(error.value.error_dict) == {"title", "package_ids"}
    with pytest.raises(tk.ValidationError) as error:
        world.call("authority", "datong_use_case_create", title="公交线网优化", summary="重名", domain="交通")
    assert "已有名为" in error.value.error_dict["title"][0]
