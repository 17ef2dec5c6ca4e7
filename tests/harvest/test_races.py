"""Two fetch consumers importing at the same moment (two threads, each with its own database
session, released together): entries of one title get distinct URL names and codes, a new
tag both entries carry is created once, and a lost race is never a failed entry."""
from __future__ import annotations

import threading
from typing import Any

import pytest
from ckan import model
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestJob, HarvestObject

from tests.hangzhou import convert
from tests.harvest.conftest import (
    HANGZHOU_CONFIG, HANGZHOU_FIELDS, VOCABULARIES, create_source, department_feed, json_bytes,
)

pytestmark = pytest.mark.ckan_config(convert.VOCABULARY_OPTION, str(VOCABULARIES))

NEW_TAG = "并发新建关键词"


def _gathered(world, feeds, path: str, records: list[dict[str, Any]]) -> tuple[Any, list[str]]:
    """A source of `records` whose entries carry NEW_TAG, gathered: the harvester and the ids
    of the objects to import."""
    config = {**HANGZHOU_CONFIG, "fields": {**HANGZHOU_FIELDS, "tag_string": {"value": NEW_TAG}}}
    source = create_source(world.editor, world.org, feeds.serve(path, json_bytes(records)), "datong_json", config)
    job = HarvestJob(source_id=source["id"], status="Running")
    job.save()
    harvester = queue.get_harvester("datong_json")
    ids = queue.gather_stage(harvester, job)
    assert len(ids) == len(records)
    return harvester, ids


def _import_together(harvester: Any, ids: list[str]) -> list[BaseException]:
    """Run the fetch consumers' stages of every object at once, one thread (and database
    session) each; the exceptions that escaped."""
    barrier, escaped = threading.Barrier(len(ids)), []

    def consume(obj_id: str) -> None:
        try:
            obj = HarvestObject.get(obj_id)
            barrier.wait()
            queue.fetch_and_import_stages(harvester, obj)
        except BaseException as error:  # a consumer that would have died
            escaped.append(error)
        finally:
            model.Session.remove()

    threads = [threading.Thread(target=consume, args=(obj_id,)) for obj_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return escaped


def _imported(ids: list[str]) -> list[model.Package]:
    model.Session.expire_all()
    objects = [HarvestObject.get(obj_id) for obj_id in ids]
    assert [(obj.state, obj.report_status, [e.message for e in obj.errors]) for obj in objects] == \
        [("COMPLETE", "added", [])] * len(ids)
    return [model.Package.get(obj.package_id) for obj in objects]


def test_one_title_and_one_new_tag_imported_at_once(world, feeds, hangzhou) -> None:
    record = department_feed(hangzhou, 3, 6, skip=2)[0]
    twins = [{**record, "详情页网址": f"{record['详情页网址']}#twin-{n}"} for n in (1, 2)]
    harvester, ids = _gathered(world, feeds, "/races/twins.json", twins)

    assert _import_together(harvester, ids) == []
    packages = _imported(ids)
    base = packages[0].name.removesuffix("-2")
    assert sorted(p.name for p in packages) == [base, f"{base}-2"]
    assert len({p.extras["resource_code"] for p in packages}) == 2
    tags = model.Session.query(model.Tag).filter(model.Tag.name == NEW_TAG).all()
    assert len(tags) == 1  # created once, not by each writer
    assert all([t.name for t in p.get_tags()] == [NEW_TAG] for p in packages)


def test_a_title_whose_name_is_another_entrys_next_name(world, feeds, hangzhou) -> None:
    """One entry's title gives `x` while `x` is taken, so it takes `x-2`; the other's title gives
    `x-2` itself: each claims its name, and the second takes the next free one."""
    record = department_feed(hangzhou, 3, 6, skip=3)[0]
    first = [{**record, "资源名称": "并发公交线路", "详情页网址": f"{record['详情页网址']}#first"}]
    harvester, ids = _gathered(world, feeds, "/races/first.json", first)
    assert _import_together(harvester, ids) == []
    taken = _imported(ids)[0].name
    entries = [{**record, "资源名称": "并发公交线路", "详情页网址": f"{record['详情页网址']}#again"},
               {**record, "资源名称": "并发公交线路 2", "详情页网址": f"{record['详情页网址']}#two"}]
    harvester, ids = _gathered(world, feeds, "/races/next.json", entries)

    assert _import_together(harvester, ids) == []
    names = {p.name for p in _imported(ids)}
    assert f"{taken}-2" in names and len(names) == 2 and taken not in names
