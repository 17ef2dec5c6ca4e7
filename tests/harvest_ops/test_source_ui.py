"""The issue's "done when", in a real browser: a department editor registers a JSON source
in the UI, starts it from its admin page, the real consumers harvest it, and the source page
shows the job's counts; the entries are in the catalog under the department."""
from __future__ import annotations

import json

import pytest
import ckan.plugins.toolkit as tk
from ckan import model
from ckanext.harvest.model import HarvestSource

from tests import factories, worlds
from tests.hangzhou import convert
from tests.harvest.conftest import HANGZHOU_CONFIG, department_feed, harvested, json_bytes
from tests.harvest_ops.conftest import wait_until_finished
from tests.live import serving_ckan
from tests.ui.conftest import PASSWORD
from tests.ui.test_entry_form_browser import sign_in


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_an_editor_registers_and_runs_a_source_in_the_browser(consumers, feeds, vocabularies,
                                                              monkeypatch, page):
    monkeypatch.setitem(tk.config, convert.VOCABULARY_OPTION, str(vocabularies))
    records = department_feed(convert.read(), 3, 6)
    editor = factories.User(password=PASSWORD)
    org = worlds.department(editor=editor)
    url = feeds.serve("/ui/department.json", json_bytes(records))
    with serving_ckan() as base:
        sign_in(page, base, editor["name"])
        page.goto(base + "/harvest/new")
        page.fill("#field-url", url)
        page.fill("#field-title", "部门目录（JSON）")
        if page.locator(".slug-preview button").count():
            page.locator(".slug-preview button").click()
        page.fill("#field-name", "bumen-mulu-json")
        page.check("input[name=source_type][value=datong_json]")
        page.select_option("#field-frequency", "MANUAL")
        page.fill("#field-config", json.dumps(HANGZHOU_CONFIG, ensure_ascii=False))
        with page.expect_navigation():
            page.click("form#source-new #save")
        source = model.Session.query(HarvestSource).filter(HarvestSource.url == url).one()

        page.goto(base + "/harvest/admin/bumen-mulu-json")
        page.locator(f"a[href$='/refresh/{source.id}'], a[href*='refresh']").first.click()
        with page.expect_navigation():
            page.locator(".modal.show .btn-primary").click()
        job = wait_until_finished(source.id, consumers["ini"], consumers["logs"], 0)
        assert job.gather_errors == []

        page.goto(base + f"/harvest/{source.id}/job/{job.id}")
        text = page.locator("main, #content, body").first.inner_text()
        assert "新增" in text and str(len(records)) in text
    entries = harvested({"id": source.id})
    assert len(entries) == len(records)
    assert {entry["owner_org"] for entry in entries} == {org["id"]}
