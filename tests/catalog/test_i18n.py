"""The Chinese catalog of the extension: counts and CKAN messages it translates."""
from __future__ import annotations

import pytest
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from tests import factories, worlds


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_counts_read_in_chinese_on_the_search_page(app):
    org = factories.Organization()
    for title in ("公交线路", "公交站点"):
        factories.Dataset(owner_org=org["id"], title=title)
    page = app.get("/dataset/").get_data(as_text=True)
    assert "共找到 2 条数据" in page
    assert "entries found" not in page and "datasets found" not in page


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_a_bad_url_name_is_explained_in_chinese(app):
    org = factories.Organization()
    user = factories.Sysadmin()
    with pytest.raises(tk.ValidationError) as raised:
        with app.flask_app.test_request_context(headers={"Accept-Language": "zh-CN"}):
            helpers.call_action("package_create", context={"user": user["name"]},
                                **factories.entry(owner_org=org["id"], name="Gong Jiao"))
    assert raised.value.error_dict["name"] == ["「网址名称」只能由小写英文字母、数字和 - _ 组成"]


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_the_entry_form_explains_markdown_in_chinese(app):
    user = factories.Sysadmin()
    factories.Organization()
    page = app.get("/dataset/new", headers={"Authorization": worlds.token(user)}).get_data(as_text=True)
    assert "可使用" in page and "Markdown 格式</a>" in page
    assert "You can use" not in page
