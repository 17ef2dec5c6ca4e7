"""Uploaded resource files keep their Chinese names, in the resource URL and the download."""
from __future__ import annotations

import io
import urllib.parse

import pytest
from ckan import model
from ckan.tests import helpers
from werkzeug.datastructures import FileStorage

from ckanext.datong.uploads import safe_filename
from tests import factories


@pytest.mark.parametrize("given, kept", [
    ("公交线路.csv", "公交线路.csv"),
    ("C:\\Users\\张三\\桌面\\2025年 客流量.XLSX", "2025年-客流量.xlsx"),
    ("../../etc/passwd", "passwd"),
    ("站点<列表>?#.csv", "站点列表.csv"),
    ("....csv", "file.csv"),
    ("<>.CSV", "file.csv"),
    ("说明", "说明"),
    ("名" * 120 + ".csv", "名" * 96 + ".csv"),
])
def test_safe_filename(given, kept):
    assert safe_filename(given) == kept


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_a_chinese_file_name_survives_upload_and_download(app, tmp_path, monkeypatch):
    monkeypatch.setitem(helpers.config, "ckan.storage_path", str(tmp_path))
    dataset = factories.Dataset(owner_org=factories.Organization()["id"])
    site_user = helpers.call_action("get_site_user")["name"]
    upload = FileStorage(io.BytesIO("线路,站点\n1路,大同站\n".encode("utf-8")), filename="公交线路.csv")
    resource = helpers.call_action("resource_create", context={"user": site_user},
                                   package_id=dataset["id"], name="公交线路", upload=upload)
    assert resource["url"].endswith("/download/" + urllib.parse.quote("公交线路.csv"))
    response = app.get(urllib.parse.urlsplit(resource["url"]).path)
    assert response.status_code == 200
    assert response.data.decode("utf-8") == "线路,站点\n1路,大同站\n"
    assert "filename*=UTF-8''" + urllib.parse.quote("公交线路.csv") in response.headers["Content-Disposition"]


def _write_back_package_update(site_user: str, resource: dict) -> None:
    dataset = helpers.call_action("package_show", id=resource["package_id"])
    helpers.call_action("package_update", context={"user": site_user}, **dataset)


def _write_back_package_patch(site_user: str, resource: dict) -> None:
    helpers.call_action("package_patch", context={"user": site_user}, id=resource["package_id"],
                        notes="改过的摘要。")


def _write_back_resource_update(site_user: str, resource: dict) -> None:
    shown = helpers.call_action("resource_show", id=resource["id"])
    helpers.call_action("resource_update", context={"user": site_user}, **{**shown, "name": "改名"})


def _write_back_resource_patch(site_user: str, resource: dict) -> None:
    helpers.call_action("resource_patch", context={"user": site_user}, id=resource["id"],
                        url=resource["url"], description="改过的说明")


@pytest.mark.usefixtures("clean_db", "with_plugins")
@pytest.mark.parametrize("write_back", [_write_back_package_update, _write_back_package_patch,
                                        _write_back_resource_update, _write_back_resource_patch])
def test_writing_shown_output_back_keeps_the_chinese_file_name(app, tmp_path, monkeypatch, write_back):
    """package_show gives an uploaded file's URL percent-encoded; saving it back stores the
    real name, not %E5…, so the name shown and the download stay right."""
    monkeypatch.setitem(helpers.config, "ckan.storage_path", str(tmp_path))
    dataset = factories.Dataset(owner_org=factories.Organization()["id"])
    site_user = helpers.call_action("get_site_user")["name"]
    upload = FileStorage(io.BytesIO("姓名\n张三\n".encode("utf-8")), filename="名册.csv")
    resource = helpers.call_action("resource_create", context={"user": site_user},
                                   package_id=dataset["id"], name="名册", upload=upload)
    assert "%E5%90%8D%E5%86%8C.csv" in resource["url"]  # percent-encoded, as CKAN shows it
    write_back(site_user, resource)
    assert model.Resource.get(resource["id"]).url == "名册.csv"
    after = helpers.call_action("resource_show", id=resource["id"])
    assert after["url"] == resource["url"]
    response = app.get(urllib.parse.urlsplit(after["url"]).path)
    assert response.status_code == 200
    assert response.data.decode("utf-8") == "姓名\n张三\n"
    assert "filename*=UTF-8''" + urllib.parse.quote("名册.csv") in response.headers["Content-Disposition"]
