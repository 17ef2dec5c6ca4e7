"""The real harvest pipeline over Redis: `ckan harvester gather-consumer` and `fetch-consumer`
run as processes of their own, `ckan harvester run` schedules a daily source registered by a
department editor, and the entries of a Hangzhou department feed served on 127.0.0.1 end up
in the catalog; a second job finds nothing changed."""
from __future__ import annotations

import pytest
import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import helpers
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestSource

from tests import factories, worlds
from tests.hangzhou import convert
from tests.harvest.conftest import (HANGZHOU_CONFIG, create_source, department_feed, harvested,
                                    json_bytes)
from tests.harvest_ops.conftest import wait_until_finished

def report(job: HarvestJob) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (status,) in model.Session.query(HarvestObject.report_status).filter(
            HarvestObject.harvest_job_id == job.id):
        counts[status] = counts.get(status, 0) + 1
    return counts


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_scheduled_source_is_harvested_by_the_consumers(consumers, feeds, vocabularies, monkeypatch):
    monkeypatch.setitem(tk.config, convert.VOCABULARY_OPTION, str(vocabularies))
    records = department_feed(convert.read(), 3, 6)
    editor = factories.User()
    org = worlds.department(editor=editor)
    url = feeds.serve("/consumers/department.json", json_bytes(records))
    source = create_source(editor, org, url, "datong_json", HANGZHOU_CONFIG, frequency="DAILY")

    # the first `ckan harvester run` creates the due job and queues it; the consumers do the rest
    job = wait_until_finished(source["id"], consumers["ini"], consumers["logs"], 0)
    assert [error.message for error in job.gather_errors] == []
    assert report(job) == {"added": len(records)}
    stored = {entry["resources"][0]["url"]: entry for entry in harvested(source)}
    assert set(stored) == {record["详情页网址"] for record in records}
    for record in records:
        entry = stored[record["详情页网址"]]
        assert entry["title"] == record["资源名称"] and entry["owner_org"] == org["id"]
        assert entry["resource_code"]
    assert HarvestSource.get(source["id"]).next_run is not None  # the next run is scheduled

    # a job started from the source page (queued at once) finds nothing changed
    helpers.call_action("harvest_job_create", context={"user": editor["name"], "ignore_auth": False},
                        source_id=source["id"], run=True)
    again = wait_until_finished(source["id"], consumers["ini"], consumers["logs"], 1)
    assert report(again) == {"not modified": len(records)}
    assert len(harvested(source)) == len(records)
