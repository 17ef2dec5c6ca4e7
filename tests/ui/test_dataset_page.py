"""The catalog entry page and the resource page over plain HTTP: the catalog facts in Chinese,
related entries (only those the viewer may see), the sharing panel (QR code, no foreign social
sites), the licence, and the previews of tables, images, audio and video, which a reader who
may not download the file never gets."""
from __future__ import annotations

import base64
import io
import re
from types import SimpleNamespace
from typing import Any, Iterator

import pytest
from bs4 import BeautifulSoup
from ckan import model, plugins
from ckan.tests import helpers
from ckan.tests.pytest_ckan.fixtures import FakeFileStorage

from tests import factories, worlds
from tests.access.conftest import insert_grant

PASSWORD = "Datong-ui-2025"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
"""A 1×1 PNG image."""
STOPS_CSV = "站点,线路\n大同站,1路\n红旗广场,2路\n"


def upload(creator: dict[str, Any], package_id: str, filename: str, body: bytes,
           fmt: str) -> dict[str, Any]:
    """An uploaded file resource of `package_id` (CKAN creates its default views)."""
    return helpers.call_action(
        "resource_create", context={"user": creator["name"]}, package_id=package_id,
        name=filename, format=fmt, url=filename,
        upload=FakeFileStorage(io.BytesIO(body), filename))


def add_table(creator: dict[str, Any], resource_id: str) -> None:
    """The DataStore table of STOPS_CSV."""
    helpers.call_action("datastore_create", context={"user": creator["name"]},
                        resource_id=resource_id, force=True,
                        fields=[{"id": "站点", "type": "text"}, {"id": "线路", "type": "text"}],
                        records=[{"站点": "大同站", "线路": "1路"}, {"站点": "红旗广场", "线路": "2路"}])


def with_files(creator: dict[str, Any], package_id: str) -> dict[str, dict[str, Any]]:
    """A CSV with its DataStore table, an image, an audio and a video file."""
    files = {"table": upload(creator, package_id, "站点表.csv", STOPS_CSV.encode(), "CSV"),
             "image": upload(creator, package_id, "站点照片.png", PNG, "PNG"),
             "audio": upload(creator, package_id, "报站.mp3", b"ID3\x03\x00\x00\x00\x00\x00\x00", "MP3"),
             "video": upload(creator, package_id, "站台.mp4", b"\x00\x00\x00\x18ftypmp42", "MP4")}
    add_table(creator, files["table"]["id"])
    return files


@pytest.fixture(scope="module")
def entries(reset_db) -> Iterator[SimpleNamespace]:
    """The transport department's open entry (bus-lines) relating to its conditionally opened
    entry (bus-stops) and to an entry nobody outside the department sees (driver-records); a
    county's 交通 entry; each of the first two with a table, an image, audio and video."""
    plugins.load_all()
    reset_db()
    editor, county, citizen = (factories.UserWithToken(name=name, password=PASSWORD)
                               for name in ("dsp-editor", "dsp-county", "dsp-citizen"))
    transport = worlds.department("大同市交通运输局", name="dsp-jtj", dept_code="013", editor=editor)
    pingcheng = worlds.county("平城区人民政府", "140213", name="dsp-pcq", dept_code="001", member=county)
    stops = factories.Dataset(
        name="bus-stops", title="大同市公交站点", owner_org=transport["id"], industry_domain="交通",
        share_type="有条件共享", share_condition="仅用于公共交通管理",
        open_type="有条件开放", open_condition="签署数据利用协议", data_grade="一般-2",
        user=editor)
    hidden = factories.Dataset(
        name="driver-records", title="公交驾驶员档案", owner_org=transport["id"],
        industry_domain="交通", open_type="不予开放", share_type="不予共享",
        share_condition="《中华人民共和国个人信息保护法》第十三条", data_grade="一般-4")
    bus_lines = factories.Dataset(
        name="bus-lines", title="大同市公交线路", owner_org=transport["id"], industry_domain="交通",
        update_frequency="每日", publish_date="2024-03-01",
        related_codes=[stops["resource_code"], hidden["resource_code"]])
    county_roads = factories.Dataset(
        name="county-roads", title="平城区道路养护", owner_org=pingcheng["id"],
        industry_domain="交通", spatial_scope="140213")
    factories.Dataset(name="weather", title="大同市天气预报", owner_org=pingcheng["id"],
                      industry_domain="气象")
    yield SimpleNamespace(
        editor=editor, county=county, citizen=citizen, transport=transport,
        bus_lines=bus_lines, stops=stops, hidden=hidden, county_roads=county_roads,
        open_files=with_files(editor, bus_lines["id"]), closed_files=with_files(editor, stops["id"]))
    plugins.unload_all()


@pytest.fixture(scope="module")
def client(entries):
    return helpers._get_test_app()


def get(client, path: str, user: dict[str, Any] | None = None) -> tuple[str, BeautifulSoup]:
    headers = {"Authorization": user["token"]} if user else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return response.body, BeautifulSoup(response.body, "html.parser")


def facts(soup: BeautifulSoup) -> dict[str, str]:
    """The entry page's summary: fact name → shown value (without its label)."""
    return {li["data-fact"]: li.get_text(strip=True).removeprefix(
                li.select_one(".datong-fact-label").get_text(strip=True))
            for li in soup.select(".datong-entry-summary li")}


def related(soup: BeautifulSoup) -> dict[str, list[str]]:
    return {ul["data-related"]: [a.get_text(strip=True) for a in ul.select("a")]
            for ul in soup.select(".datong-related ul")}


def resource_page(entries, files: str, kind: str) -> str:
    resource = getattr(entries, files)[kind]
    return f"/dataset/{resource['package_id']}/resource/{resource['id']}"


# --------------------------------------------------------------------------- entry page


def test_summary_of_the_catalog_facts_in_chinese(client, entries):
    _, soup = get(client, "/dataset/bus-lines")
    shown = facts(soup)
    assert shown["provider"] == "大同市交通运输局"
    provider = soup.select_one("[data-fact=provider] a")["href"]
    assert provider == "/organization/dsp-jtj"
    assert shown["resource_class"] == "201003 主题 › 公共服务 › 003"
    assert shown["open_type"] == "无条件开放"
    assert shown["share_type"] == "无条件共享"
    assert shown["update_frequency"] == "每日"
    assert shown["publish_date"] == "2024年3月1日"
    _, stops = get(client, "/dataset/bus-stops")
    assert facts(stops)["open_condition"] == "签署数据利用协议"
    assert facts(stops)["share_condition"] == "仅用于公共交通管理"


@pytest.mark.parametrize("who", [None, "citizen", "county"])
def test_related_entries_are_only_those_the_viewer_sees(client, entries, who):
    _, soup = get(client, "/dataset/bus-lines", getattr(entries, who) if who else None)
    assert related(soup) == {"linked": ["大同市公交站点"], "domain": ["平城区道路养护"]}
    code = soup.select_one("[data-related=linked] [data-field=resource_code]").get_text()
    assert code == entries.stops["resource_code"]
    assert "公交驾驶员档案" not in soup.get_text()
    assert entries.hidden["resource_code"] not in soup.get_text()  # not even its code


def test_the_department_sees_its_own_related_entries(client, entries):
    _, soup = get(client, "/dataset/bus-lines", entries.editor)
    groups = related(soup)
    assert sorted(groups["linked"]) == ["公交驾驶员档案", "大同市公交站点"]
    assert groups["domain"] == ["平城区道路养护"]
    _, roads = get(client, "/dataset/county-roads")
    groups = related(roads)
    assert sorted(groups["domain"]) == ["大同市公交站点", "大同市公交线路"]
    assert groups["department"] == ["大同市天气预报"]


def test_share_panel_has_the_link_and_a_qr_code_but_no_foreign_sites(client, entries):
    body, soup = get(client, "/dataset/bus-lines")
    panel = soup.select_one(".datong-share")
    assert panel.select_one("input#datong-share-url")["value"] == "http://test.ckan.net/dataset/bus-lines"
    assert panel.select_one("button[data-module=datong-copy-link]").get_text(strip=True) == "复制链接"
    qr = panel.select_one("svg.datong-qr")
    assert qr is not None and qr.select_one("path.qrline")["d"]
    assert "微信" in panel.get_text()
    lowered = body.lower()
    for foreign in ("twitter", "facebook", "opendefinition"):
        assert foreign not in lowered, foreign


def test_licence_is_linked_to_its_text(client, entries):
    _, soup = get(client, "/dataset/bus-lines")
    shown = helpers.call_action("package_show", id="bus-lines")
    module = soup.select_one("section.license")
    assert module.select_one(".module-heading").get_text(strip=True) == "许可协议"
    if shown.get("license_url"):
        link = module.select_one("a[rel=license]")
        assert link["href"] == shown["license_url"]
        assert link.get_text(strip=True) == shown["license_title"]
    else:
        assert module.select_one(".module-content").get_text(strip=True) == \
            (shown.get("license_title") or "未注明许可协议")
    assert "creativecommons" not in str(module) or shown["license_id"].startswith("cc")


# --------------------------------------------------------------------------- previews


def test_open_files_are_previewed_by_type(client, entries):
    _, table = get(client, resource_page(entries, "open_files", "table"))
    preview = table.select_one(".datong-table-preview")
    assert [th.get_text() for th in preview.select("thead th")] == ["站点", "线路"]
    assert [[td.get_text() for td in tr.select("td")] for tr in preview.select("tbody tr")] == \
        [["大同站", "1路"], ["红旗广场", "2路"]]
    assert preview.caption.get_text(strip=True) == "前 2 行，共 2 行"
    for kind, tag in (("image", "img"), ("audio", "audio"), ("video", "video")):
        resource = entries.open_files[kind]
        _, soup = get(client, resource_page(entries, "open_files", kind))
        media = soup.select_one(f".resource-view {tag}")
        assert media is not None, kind
        assert f"/resource/{resource['id']}/download/" in media["src"], kind


def test_resource_page_details_in_chinese(client, entries):
    _, soup = get(client, resource_page(entries, "open_files", "table"))
    labels = [th.get_text(strip=True) for th in soup.select("section.module table th[scope=row]")]
    assert "文件大小" in labels and "媒体类型" in labels
    assert not [label for label in labels if re.search("[A-Za-z]", label)]
    assert soup.select_one(".datong-share svg.datong-qr") is not None  # shared from here too


@pytest.mark.parametrize("who", [None, "citizen", "county"])
@pytest.mark.parametrize("kind", ["table", "image", "audio", "video"])
def test_no_preview_of_a_conditional_file(client, entries, who, kind):
    resource = entries.closed_files[kind]
    body, soup = get(client, resource_page(entries, "closed_files", kind),
                     getattr(entries, who) if who else None)
    assert "需申请授权后下载" in soup.select_one(".alert.datong-download-notice").get_text()
    assert not soup.select(".datong-table-preview")
    assert not soup.select(".resource-view img, .resource-view audio, .resource-view video")
    assert f"/resource/{resource['id']}/download" not in body
    assert "红旗广场" not in body


def test_the_owner_previews_its_conditional_files(client, entries):
    _, table = get(client, resource_page(entries, "closed_files", "table"), entries.editor)
    assert table.select(".datong-table-preview tbody tr")
    _, image = get(client, resource_page(entries, "closed_files", "image"), entries.editor)
    resource_id = entries.closed_files["image"]["id"]
    assert f"/resource/{resource_id}/download/" in image.select_one(".resource-view img")["src"]


def test_a_grant_on_some_columns_previews_only_those(client, entries):
    grant = insert_grant(entries.stops["id"], user=entries.citizen,
                         resource_id=entries.closed_files["table"]["id"], items=["站点"])
    try:
        body, soup = get(client, resource_page(entries, "closed_files", "table"), entries.citizen)
        preview = soup.select_one(".datong-table-preview")
        assert [th.get_text() for th in preview.select("thead th")] == ["站点"]
        assert "红旗广场" in preview.get_text() and "2路" not in preview.get_text()
        assert "需申请授权后下载" in body  # the whole file still needs its grant
    finally:
        model.Session.delete(grant)
        model.Session.commit()


def test_views_of_a_conditional_file_carry_no_file_address(client, entries):
    resource = entries.closed_files["image"]
    file_url = "http://test.ckan.net/files/stops.png"
    view = helpers.call_action("resource_view_create", context={"user": entries.editor["name"]},
                               resource_id=resource["id"], view_type="image_view",
                               title="照片", image_url=file_url)
    for user in (None, entries.citizen, entries.county):
        context = {"user": user["name"] if user else ""}
        assert helpers.call_action("resource_view_show", context=context, id=view["id"])["image_url"] == ""
        listed = helpers.call_action("resource_view_list", context=context, id=resource["id"])
        assert {v.get("image_url", "") for v in listed} == {""}
        headers = {"Authorization": user["token"]} if user else {}
        embed = client.get(f"{resource_page(entries, 'closed_files', 'image')}/view/{view['id']}",
                           headers=headers)
        assert file_url not in embed.body and f"/resource/{resource['id']}/download" not in embed.body
    owner = helpers.call_action("resource_view_show", context={"user": entries.editor["name"]},
                                id=view["id"])
    assert owner["image_url"] == file_url
