"""The portal's licences (schemas/licenses.json): the agreements follow an entry's 开放属性,
CC BY 4.0 only on 无条件开放 data, each licence a page of the portal, and the entry form offers
exactly these."""
from __future__ import annotations

import pytest
import ckan.plugins.toolkit as tk
from bs4 import BeautifulSoup
from ckan.tests import helpers

from ckanext.datong import licences
from tests import factories, worlds

pytestmark = pytest.mark.usefixtures("clean_db", "with_plugins")


def _entry(**fields):
    org = factories.Organization()
    user = factories.Sysadmin()
    return user, helpers.call_action("package_create", context={"user": user["name"]},
                                     **factories.entry(owner_org=org["id"], **fields))


def test_the_default_follows_the_opening_type(app):
    user, entry = _entry()
    assert entry["license_id"] == "datong-open"
    assert entry["license_title"] == "大同市公共数据开放协议"
    changed = helpers.call_action("package_patch", context={"user": user["name"]}, id=entry["id"],
                                  open_type="有条件开放", open_condition="签署数据利用协议", data_grade="一般-2")
    assert changed["license_id"] == "datong-use"
    _, closed = _entry(open_type="不予开放")
    assert closed["license_id"] == "datong-use"


def test_cc_by_only_on_open_data(app):
    _, entry = _entry(license_id="cc-by")
    assert entry["license_id"] == "cc-by" and entry["isopen"] is True
    with pytest.raises(tk.ValidationError) as raised:
        _entry(license_id="cc-by", open_type="有条件开放", open_condition="签署数据利用协议",
               data_grade="一般-2")
    assert raised.value.error_dict["license_id"] == [
        "「许可协议」：有条件开放的数据不能使用开放许可「知识共享署名 4.0 国际许可协议（CC BY 4.0）」，"
        "应适用「大同市公共数据利用协议」"]


def test_the_helper_names_each_licence(app):
    with app.flask_app.test_request_context("/"):
        use = licences.datong_licence("datong-use")
        assert use == {"id": "datong-use", "title": "大同市公共数据利用协议",
                       "url": tk.config["ckan.site_url"] + "/licence/datong-use", "open": False}
        assert tk.h.datong_licence("cc-by")["url"].endswith("/licence/cc-by")
        assert licences.datong_licence("no-such-licence") is None


@pytest.mark.parametrize("licence_id, words", [
    ("datong-open", ["大同市公共数据开放协议", "注明数据来源"]),
    ("datong-use", ["大同市公共数据利用协议", "开放申请", "不得对脱敏数据进行重新识别"]),
    ("cc-by", ["CC BY 4.0", "署名"]),
])
def test_each_licence_is_a_page(app, licence_id, words):
    body = app.get(f"/licence/{licence_id}").get_data(as_text=True)
    assert all(word in body for word in words)


def test_an_unknown_licence_page_is_404(app):
    assert app.get("/licence/other-closed").status_code == 404


def test_the_entry_form_offers_the_portal_licences(app):
    user = factories.Sysadmin()
    factories.Organization()
    page = app.get("/dataset/new", headers={"Authorization": worlds.token(user)}).get_data(as_text=True)
    select = BeautifulSoup(page, "html.parser").find("select", id="field-license_id")
    assert [option["value"] for option in select.find_all("option")] == ["", "datong-open", "datong-use", "cc-by"]
