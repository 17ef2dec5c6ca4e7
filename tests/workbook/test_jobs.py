"""Workbooks above the background threshold: imported by a job on CKAN's RQ queue, with
progress the page and the status action report."""
from __future__ import annotations

import io

import pytest
import ckan.plugins.toolkit as tk
from bs4 import BeautifulSoup
from ckan.lib import jobs as ckan_jobs
from ckan.tests import helpers

from ckanext.datong.workbook import jobs
from tests.workbook import workbooks as wb

pytestmark = pytest.mark.ckan_config("ckanext.datong.workbook.background_threshold", 2)


def status_as(user, import_id):
    return helpers.call_action("datong_catalog_import_status",
                               context={"user": user["name"], "ignore_auth": False}, id=import_id)


def three(site, prefix):
    return wb.build([wb.entry(site.transport, 信息资源名称=f"{prefix}{n}") for n in range(3)],
                    [wb.item(f"{prefix}{n}", 名称=f"字段{n}") for n in range(3)])


@pytest.mark.usefixtures("clean_queues", "with_test_worker")
def test_large_workbook_runs_on_the_queue(site):
    queued = wb.import_as(site.transport_editor, three(site, "后台导入"))
    assert (queued["status"], queued["total"], queued["done"]) == ("queued", 3, 0)
    assert "user_id" not in queued
    assert [job.id for job in ckan_jobs.get_queue().jobs] == [queued["id"]]
    assert status_as(site.transport_editor, queued["id"])["status"] == "queued"

    ckan_jobs.Worker().work(burst=True)

    record = status_as(site.transport_editor, queued["id"])
    assert (record["status"], record["done"], record["total"]) == ("finished", 3, 3)
    report = record["report"]
    assert (report["created"], report["failed"]) == (3, 0)
    names = [entry["name"] for entry in report["entries"]]
    assert [helpers.call_action("package_show", id=n)["items"][0]["item_name"] for n in names] == ["字段0", "字段1", "字段2"]
    assert "user_id" not in record


@pytest.mark.usefixtures("clean_queues", "with_test_worker")
def test_messages_of_ckan_validators_are_chinese_in_the_job(site):
    tag = "长" * 101
    content = wb.build([wb.entry(site.transport, 信息资源名称=f"后台译文{n}", 关键词=tag) for n in range(3)])
    queued = wb.import_as(site.transport_editor, content)
    ckan_jobs.Worker().work(burst=True)
    problems = status_as(site.transport_editor, queued["id"])["report"]["problems"]
    assert [(p["column"], p["message"]) for p in problems] == [("关键词", f'标签 "{tag}" 长度大于最大长度 100')] * 3


def test_progress_is_recorded_after_every_entry(site, monkeypatch):
    """The job function run directly: the record goes queued → running → done 1, 2, 3 → finished."""
    monkeypatch.setattr(tk, "enqueue_job", lambda *args, **kwargs: None)
    queued = wb.import_as(site.transport_editor, three(site, "进度"))
    seen = []
    save = jobs._save
    monkeypatch.setattr(jobs, "_save", lambda import_id, **changes: seen.append(changes) or save(import_id, **changes))
    jobs.run_import(queued["id"], site.transport_editor["name"], three(site, "进度"))
    assert [c.get("status") or c.get("done") for c in seen] == ["running", 1, 2, 3, "finished"]
    assert status_as(site.transport_editor, queued["id"])["report"]["created"] == 3


def test_a_job_that_cannot_read_its_file_says_so(site, monkeypatch):
    monkeypatch.setattr(tk, "enqueue_job", lambda *args, **kwargs: None)
    queued = wb.import_as(site.transport_editor, three(site, "坏文件"))
    jobs.run_import(queued["id"], site.transport_editor["name"], b"not a workbook")
    record = status_as(site.transport_editor, queued["id"])
    assert record["status"] == "failed"
    assert record["messages"][0].startswith("这是文本文件（如 CSV，UTF-8 编码），不是 Excel 工作簿（.xlsx）")


def test_only_the_importer_sees_the_status(site, monkeypatch):
    monkeypatch.setattr(tk, "enqueue_job", lambda *args, **kwargs: None)
    queued = wb.import_as(site.transport_editor, three(site, "他人"))
    with pytest.raises(tk.NotAuthorized):
        status_as(site.culture_editor, queued["id"])
    assert status_as(site.sysadmin, queued["id"])["status"] == "queued"
    with pytest.raises(tk.ObjectNotFound):
        status_as(site.transport_editor, "no-such-import")


def test_file_problems_are_reported_before_queueing(site, monkeypatch):
    monkeypatch.setattr(tk, "enqueue_job", lambda *args, **kwargs: pytest.fail("queued a bad workbook"))
    catalog_headings, _ = wb.headings()
    content = wb.build([wb.entry(site.transport, 信息资源名称=f"缺列{n}") for n in range(3)],
                       catalog_headings=[h for h in catalog_headings if h != "摘要"])
    with pytest.raises(tk.ValidationError) as raised:
        wb.import_as(site.transport_editor, content)
    assert raised.value.error_dict["upload"] == ["「目录」工作表缺少列：摘要"]


@pytest.mark.usefixtures("clean_queues", "with_test_worker")
def test_the_page_follows_the_job(web, site):
    headers = {"Authorization": site.transport_editor["token"]}
    response = web.post("/catalog/workbook/import", headers=headers, follow_redirects=False,
                        data={"upload": (io.BytesIO(three(site, "页面后台")), "目录.xlsx")})
    assert response.status_code == 302
    page = web.get(response.headers["Location"], headers=headers)
    html = BeautifulSoup(page.body, "html.parser")
    assert html.select_one("meta[http-equiv=refresh]")["content"] == "3"
    assert "工作簿共3条信息资源，已排队等待后台导入" in html.select_one(".datong-workbook-progress").text

    ckan_jobs.Worker().work(burst=True)

    html = BeautifulSoup(web.get(response.headers["Location"], headers=headers).body, "html.parser")
    assert html.select_one("meta[http-equiv=refresh]") is None
    assert html.select_one(".datong-workbook-summary").text.strip() == "共3条信息资源：新建3条，更新0条，失败0条"
    assert web.get(response.headers["Location"], headers={"Authorization": site.culture_editor["token"]}).status_code == 403


def test_the_page_shows_the_progress_of_a_running_job(web, site, monkeypatch):
    monkeypatch.setattr(tk, "enqueue_job", lambda *args, **kwargs: None)
    queued = wb.import_as(site.transport_editor, three(site, "进行中"))
    jobs._save(queued["id"], status=jobs.RUNNING, done=1)
    html = BeautifulSoup(web.get(f"/catalog/workbook/import/{queued['id']}",
                                 headers={"Authorization": site.transport_editor["token"]}).body, "html.parser")
    assert html.select_one(".datong-workbook-progress").text.startswith("正在后台导入：已处理1 / 3条信息资源")
    assert html.select_one(".progress-bar")["style"] == "width: 33%"
