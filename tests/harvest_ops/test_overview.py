"""The city-wide harvest overview (/harvest/overview): who may see it, and which sources it
reports as failing or stale, computed from harvest jobs written straight to the database."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
import ckan.plugins.toolkit as tk
from bs4 import BeautifulSoup
from ckan import model
from ckan.tests import helpers
from ckanext.harvest.model import (HarvestGatherError, HarvestJob, HarvestObject,
                                   HarvestObjectError, HarvestSource)

from tests import factories, worlds

NOW = datetime.datetime.utcnow()


def ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def make_source(name: str, title: str, org: dict[str, Any], frequency: str, *,
                created_days_ago: float = 100, active: bool = True) -> HarvestSource:
    """A harvest source as ckanext-harvest stores it: a `harvest` package and its source row."""
    package = model.Package(name=name, title=title, type="harvest", owner_org=org["id"],
                            state=model.State.ACTIVE)
    model.Session.add(package)
    model.Session.flush()
    source = HarvestSource(id=package.id, url=f"http://127.0.0.1/{name}.json", title=title,
                           type="datong_json", frequency=frequency, active=active,
                           created=ago(created_days_ago))
    model.Session.add(source)
    model.Session.commit()
    return source


def make_job(source: HarvestSource, finished_days_ago: float | None, *, status: str = "Finished",
             gather_error: str | None = None, object_errors: int = 0, added: int = 0) -> HarvestJob:
    """A job of `source` that finished that many days ago, with its objects and errors."""
    finished = ago(finished_days_ago) if finished_days_ago is not None else None
    started = (finished or NOW) - datetime.timedelta(minutes=5)
    job = HarvestJob(source=source, status=status, created=started, gather_started=started,
                     gather_finished=started, finished=finished)
    model.Session.add(job)
    model.Session.flush()
    if gather_error:
        model.Session.add(HarvestGatherError(job=job, message=gather_error))
    for number in range(added):
        model.Session.add(HarvestObject(job=job, source=source, guid=f"{job.id}-ok-{number}",
                                        state="COMPLETE", report_status="added"))
    for number in range(object_errors):
        obj = HarvestObject(job=job, source=source, guid=f"{job.id}-bad-{number}",
                            state="ERROR", report_status="errored")
        model.Session.add(obj)
        model.Session.flush()
        model.Session.add(HarvestObjectError(object=obj, message="条目“公交线路”未通过校验：缺少摘要",
                                             stage="Import"))
    model.Session.commit()
    return job


@pytest.fixture
def world() -> dict[str, Any]:
    """Users in every role and one source for every health case."""
    sysadmin = factories.Sysadmin()
    authority_user = factories.User()
    editor = factories.User()
    citizen = factories.User()
    authority = worlds.authority("市数据局", member=authority_user)
    transport = worlds.department("市交通运输局", editor=editor)
    stats = worlds.department("市统计局")
    sources = {}
    # healthy: daily, succeeded an hour ago
    sources["healthy"] = make_source("jt-daily", "交通日更目录", transport, "DAILY")
    make_job(sources["healthy"], 3)
    make_job(sources["healthy"], 1 / 24, added=2)
    # stale: daily, last success three days ago
    sources["stale_daily"] = make_source("jt-old", "交通旧目录", transport, "DAILY")
    make_job(sources["stale_daily"], 3)
    # failing: weekly, the last job could not read the source; success 10 days ago (< 14)
    sources["unreachable"] = make_source("tj-weekly", "统计周更目录", stats, "WEEKLY")
    make_job(sources["unreachable"], 10, added=1)
    make_job(sources["unreachable"], 1, gather_error="无法连接来源：连接超时（已重试 3 次）")
    # failing: monthly, the last job imported with an entry error; still a success
    sources["entry_errors"] = make_source("tj-monthly", "统计月更目录", stats, "MONTHLY")
    make_job(sources["entry_errors"], 1, added=3, object_errors=1)
    # neither: manual, never run
    sources["manual"] = make_source("tj-manual", "统计手动目录", stats, "MANUAL")
    # stale: weekly, registered 20 days ago and never succeeded
    sources["never"] = make_source("jt-never", "交通未运行目录", transport, "WEEKLY",
                                   created_days_ago=20)
    # stale: biweekly, running now, last success 29 days ago (> 28)
    sources["running"] = make_source("tj-biweekly", "统计双周目录", stats, "BIWEEKLY")
    make_job(sources["running"], 29)
    make_job(sources["running"], None, status="Running")
    # not stale: biweekly, last success 27 days ago (< 28)
    sources["recent_enough"] = make_source("tj-biweekly-2", "统计双周目录二", stats, "BIWEEKLY")
    make_job(sources["recent_enough"], 27)
    # inactive sources are not listed
    make_source("jt-off", "交通停用目录", transport, "DAILY", active=False)
    return {"sysadmin": sysadmin, "authority": authority_user, "editor": editor,
            "citizen": citizen, "sources": sources, "authority_org": authority}


def _overview(user: dict[str, Any]) -> dict[str, Any]:
    return helpers.call_action("datong_harvest_overview",
                               context={"user": user["name"], "ignore_auth": False})


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_failing_and_stale_sources_follow_the_jobs(world):
    result = _overview(world["sysadmin"])
    by_name = {source["name"]: source for source in result["sources"]}
    assert "jt-off" not in by_name
    assert len(by_name) == 8
    assert {s["name"] for s in result["failing"]} == {"tj-weekly", "tj-monthly"}
    assert {s["name"] for s in result["stale"]} == {"jt-old", "jt-never", "tj-biweekly"}

    healthy = by_name["jt-daily"]
    assert healthy["organization"]["title"] == "市交通运输局"
    assert healthy["frequency_label"] == "每天"
    assert healthy["last_job"]["stats"] == {"added": 2, "updated": 0, "not modified": 0,
                                            "deleted": 0, "errored": 0}
    assert not healthy["failing"] and not healthy["stale"]

    unreachable = by_name["tj-weekly"]
    assert unreachable["last_job"]["failed"]
    assert unreachable["last_job"]["gather_errors"] == ["无法连接来源：连接超时（已重试 3 次）"]
    assert unreachable["last_success"].startswith(ago(10).date().isoformat())

    entry_errors = by_name["tj-monthly"]
    assert not entry_errors["last_job"]["failed"]
    assert entry_errors["last_job"]["stats"]["errored"] == 1
    assert entry_errors["last_job"]["stats"]["added"] == 3
    assert not entry_errors["stale"]

    assert by_name["tj-manual"]["last_job"] is None and not by_name["tj-manual"]["stale"]
    assert by_name["jt-never"]["last_success"] is None
    assert by_name["tj-biweekly"]["last_job"]["status"] == "Running"
    assert not by_name["tj-biweekly"]["failing"]


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_only_the_data_authority_and_sysadmins_may_see_it(world):
    assert len(_overview(world["authority"])["sources"]) == 8
    for role in ("editor", "citizen"):
        with pytest.raises(tk.NotAuthorized):
            _overview(world[role])
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("datong_harvest_overview", context={"user": "", "ignore_auth": False})


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_the_page_lists_failing_and_stale_sources_in_chinese(app, world):
    response = app.get("/harvest/overview", headers={"Authorization": worlds.token(world["authority"])})
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.select_one("h1.page-heading").get_text(strip=True) == "全市采集情况"
    summary = page.select_one(".datong-harvest-overview > p").get_text()
    assert "共 8 个采集来源，2 个失败或有错误，3 个过期" in summary
    failing = page.select_one(".datong-harvest-failing").get_text()
    assert "统计周更目录" in failing and "无法连接来源：连接超时（已重试 3 次）" in failing
    assert "统计月更目录" in failing and "1 个条目有错误" in failing
    assert "交通日更目录" not in failing
    stale = page.select_one(".datong-harvest-stale").get_text()
    for title in ("交通旧目录", "交通未运行目录", "统计双周目录"):
        assert title in stale
    assert "从未成功采集" in stale and "统计双周目录二" not in stale
    rows = {row["data-source"]: [cell.get_text(" ", strip=True) for cell in row.find_all("td")]
            for row in page.select(".datong-harvest-sources tbody tr")}
    assert set(rows) == {"jt-daily", "jt-old", "tj-weekly", "tj-monthly", "tj-manual", "jt-never",
                         "tj-biweekly", "tj-biweekly-2"}
    assert rows["jt-daily"][1:4] == ["市交通运输局", "JSON 目录（字段映射）", "每天"]
    assert rows["jt-daily"][4].startswith("成功")
    assert rows["jt-daily"][5:10] == ["2", "0", "0", "0", "0"]
    assert rows["tj-weekly"][4].startswith("失败")
    assert rows["tj-monthly"][4].startswith("完成，有错误") and rows["tj-monthly"][9] == "1"
    assert rows["tj-manual"][4] == "尚未运行" and rows["tj-manual"][10] == "从未"
    assert rows["tj-biweekly"][4].startswith("运行中")


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_the_page_is_refused_to_others_in_chinese(app, world):
    response = app.get("/harvest/overview", headers={"Authorization": worlds.token(world["editor"])},
                       status=403)
    assert "只有数据主管部门的成员和系统管理员可以查看全市采集情况" in response.get_data(as_text=True)
    app.get("/harvest/overview", status=403)
    app.get("/harvest/overview", headers={"Authorization": worlds.token(world["sysadmin"])}, status=200)


@pytest.mark.usefixtures("clean_db", "with_plugins")
@pytest.mark.parametrize("who, linked", [("authority", True), ("sysadmin", True), ("editor", False)])
def test_the_menu_links_the_overview_for_the_authority(app, world, who, linked):
    page = BeautifulSoup(app.get("/dataset/", headers={"Authorization": worlds.token(world[who])})
                         .get_data(as_text=True), "html.parser")
    assert (page.find("a", href="/harvest/overview") is not None) is linked


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_the_job_report_counts_and_errors_read_in_chinese(app, world):
    source = world["sources"]["entry_errors"]
    job = model.Session.query(HarvestJob).filter(HarvestJob.source_id == source.id).one()
    token = worlds.token(world["sysadmin"])
    text = app.get(f"/harvest/tj-monthly/job/{job.id}", headers={"Authorization": token}).get_data(as_text=True)
    page = BeautifulSoup(text, "html.parser")
    badges = [" ".join(badge.get_text().split()) for badge in page.select("[data-diff]")]
    assert badges == ["1 错误", "3 新增", "0 更新", "0 下架或删除", "0 未变化"]
    assert "任务报告" in text and "条目错误" in text
    report = page.select_one(".harvest-error-list").get_text(" ", strip=True)
    assert f"{job.id}-bad-0" in report  # the entry's identity
    assert "条目“公交线路”未通过校验：缺少摘要" in report
    for english in ("added", "not modified", "Job Report", "Document Errors"):
        assert f">{english}<" not in text and f" {english}\n" not in text
    listing = app.get("/harvest/tj-monthly/job", headers={"Authorization": token}).get_data(as_text=True)
    assert "采集任务" in listing and "3 新增" in " ".join(listing.split())
