"""Fixtures of the harvester tests: a feed server on 127.0.0.1, department feeds built at
test time from the real Hangzhou catalog (tests/data/), sources registered by a department
editor, and harvest jobs run through ckanext-harvest's stages (queue.gather_stage and
queue.fetch_and_import_stages, then harvest_jobs_run) without the Redis queues."""
from __future__ import annotations

import collections
import csv
import dataclasses
import io
import itertools
import json
import os
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator

import openpyxl
import pytest
import ckan.plugins.toolkit as tk
from ckan import model, plugins
from ckan.tests import helpers
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestJob, HarvestObject

from tests import factories, worlds
from tests.hangzhou import convert

VOCABULARIES = Path(tempfile.gettempdir()) / f"datong-harvest-vocabularies-{os.getpid()}.yaml"

# The Hangzhou export read by datong_json through configuration alone.
OPEN_MAP = {"完全开放": "无条件开放", "登录开放": "有条件开放", "申请开放": "有条件开放"}
HANGZHOU_FIELDS: dict[str, Any] = {
    "title": "资源名称",
    "notes": {"path": "摘要", "default": "（源目录未提供摘要）"},
    "resource_class": {"value": "301001"},
    "industry_domain": {"value": "政务"},
    "catalog_format": {"path": "数据格式", "map": {"api": "服务接口", "data": "电子表格"}},
    "share_type": {"value": "无条件共享"},
    "share_method": {"path": "数据格式", "map": {"api": "接口", "data": "文件"}, "list": True},
    "modality": {"path": "数据格式", "map": {"api": "接口", "data": "表格"}, "list": True},
    "open_type": {"path": "开放等级", "map": OPEN_MAP},
    "open_condition": {"path": "开放等级", "map": {"完全开放": None, **convert.OPEN_CONDITIONS}},
    "update_frequency": {"path": "更新周期", "map": {"小时级": "实时", "分钟级": "实时", "不更新": "其他"},
                         "else": {"keep": True}, "default": "其他"},
    "publish_date": "发布时间",
    "spatial_scope": {"path": "所属区县", "map": convert.DISTRICTS},
    "data_grade": {"path": "开放等级", "map": {"完全开放": "一般-1", "登录开放": "一般-2", "申请开放": "一般-2"}},
    "data_volume": "数据量",
    "resources": [{
        "url": "详情页网址",
        "name": {"path": "数据格式", "map": {"api": "数据接口", "data": "数据文件"}},
        "format": {"path": "数据格式", "map": {"api": "API", "data": "DATA"}},
        "last_modified": {"path": "更新时间", "map": {"0000-00-00": None}, "else": {"keep": True}},
    }],
}
HANGZHOU_CONFIG: dict[str, Any] = {"fields": HANGZHOU_FIELDS, "guid": "详情页网址", "provider": "发布部门",
                                   "origin_url": "详情页网址", "timeout": 5, "retries": 1, "backoff": 0.05}


# --------------------------------------------------------------------------- feed server


@dataclasses.dataclass
class Route:
    """What the server answers on one path."""

    body: bytes | Callable[[dict[str, str]], bytes] = b""
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    delay: float = 0.0
    failures: int = 0  # answer 503 this many times first
    truncate: int | None = None  # send only this many bytes of the body, announcing all
    hits: int = 0


class FeedServer:
    """A threaded HTTP server on 127.0.0.1 answering the routes tests register."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path, _, query = self.path.partition("?")
                route = routes.get(path)
                if route is None:
                    self.send_error(404)
                    return
                route.hits += 1
                if route.delay:
                    time.sleep(route.delay)
                if route.hits <= route.failures:
                    self.send_error(503)
                    return
                params = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
                body = route.body(params) if callable(route.body) else route.body
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(body if route.truncate is None else body[:route.truncate])
                except (BrokenPipeError, ConnectionResetError):
                    pass
                if route.truncate is not None:
                    self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def serve(self, path: str, body: Any = b"", **options: Any) -> str:
        """Register `path` and return its URL."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[path] = Route(body=body, **options)
        return self.url(path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def feeds() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


# --------------------------------------------------------------------------- Hangzhou data


@pytest.fixture(scope="session")
def hangzhou() -> list[dict[str, Any]]:
    return convert.read()


def departments(records: list[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The records split by (所属区县, 发布部门), in file order."""
    split: dict[tuple[str, str], list[dict[str, Any]]] = collections.defaultdict(list)
    for record in records:
        split[record["所属区县"], record["发布部门"]].append(record)
    return split


def department_feed(records: list[dict[str, Any]], smallest: int, largest: int, skip: int = 0) -> list[dict[str, Any]]:
    """The records of a department with between `smallest` and `largest` records (the
    `skip`-th such department), so the tests stay fast."""
    found = [part for part in departments(records).values() if smallest <= len(part) <= largest]
    return found[skip]


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")


def gbk_csv(records: list[dict[str, Any]], encoding: str = "gbk") -> bytes:
    """The records as a CSV with the source's Chinese headings, in `encoding`."""
    headings = list(dict.fromkeys(key for record in records for key in record))
    text = io.StringIO()
    writer = csv.DictWriter(text, headings, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(records)
    return text.getvalue().encode(encoding)


def workbook_bytes(packages: list[dict[str, Any]], provider: str) -> bytes:
    """The entries in the 1272 workbook layout (sheets 目录 and 信息项)."""
    from ckanext.datong.workbook import layout

    current = layout.layout()
    book = openpyxl.Workbook()
    catalog = book.active
    catalog.title = layout.CATALOG_SHEET
    catalog.append([column.heading for column in current.catalog])
    for package in packages:
        row = []
        for column in current.catalog:
            if column.field_name == layout.PROVIDER:
                row.append(provider)
            elif column.field_name == "tag_string":
                row.append(None)
            else:
                row.append(layout.cell_value(column, package.get(column.field_name)))
        catalog.append(row)
    items = book.create_sheet(layout.ITEMS_SHEET)
    items.append([column.heading for column in current.items])
    for package in packages:
        for item in package.get("items", []):
            items.append([layout.cell_value(c, package.get(c.field_name) if c.field_name in (layout.KEY, layout.TITLE)
                                            else item.get(c.field_name)) for c in current.items])
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


# --------------------------------------------------------------------------- CKAN side


@dataclasses.dataclass
class World:
    """A department with an editor, and the site's vocabularies extended with Hangzhou's regions."""

    org: dict[str, Any]
    editor: dict[str, Any]
    other_org: dict[str, Any]
    other_editor: dict[str, Any]


@pytest.fixture(scope="module")
def world(reset_db) -> Iterator[World]:
    plugins.load_all()
    reset_db()
    convert.vocabularies_with_districts(VOCABULARIES)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(tk.config, convert.VOCABULARY_OPTION, str(VOCABULARIES))
        editor, other_editor = factories.User(), factories.User()
        org, other_org = worlds.department(editor=editor), worlds.department(editor=other_editor)
        yield World(org, editor, other_org, other_editor)
    plugins.unload_all()
    VOCABULARIES.unlink(missing_ok=True)


_SOURCE_NUMBERS = itertools.count(1)


def create_source(user: dict[str, Any], org: dict[str, Any], url: str, source_type: str,
                  config: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """harvest_source_create as `user` (a department editor), owned by `org`."""
    number = next(_SOURCE_NUMBERS)
    data = {
        "name": f"source-{number}",
        "title": f"来源{number}",
        "url": url,
        "source_type": source_type,
        "owner_org": org["id"],
        "frequency": "MANUAL",
        "config": json.dumps(config or {}, ensure_ascii=False),
        **extra,
    }
    return helpers.call_action("harvest_source_create", context={"user": user["name"], "ignore_auth": False},
                               **data)


@dataclasses.dataclass
class Run:
    """What one harvest job did."""

    job: HarvestJob
    objects: list[HarvestObject]
    gather_errors: list[str]

    def count(self, status: str) -> int:
        return sum(1 for obj in self.objects if obj.report_status == status)

    def errors(self) -> list[tuple[str, str]]:
        return [(obj.guid, error.message) for obj in self.objects for error in obj.errors]

    @property
    def stats(self) -> dict[str, int]:
        return dict(collections.Counter(obj.report_status for obj in self.objects))


def run_job(source: dict[str, Any]) -> Run:
    """Create a job for `source` and run its gather, fetch and import stages, then let
    harvest_jobs_run finish it."""
    context = {"ignore_auth": True, "user": helpers.call_action("get_site_user")["name"]}
    job_dict = helpers.call_action("harvest_job_create", context=dict(context), source_id=source["id"], run=False)
    job = HarvestJob.get(job_dict["id"])
    job.status = "Running"
    job.save()
    harvester = queue.get_harvester(source["source_type"])
    ids = queue.gather_stage(harvester, job)
    for obj_id in ids if isinstance(ids, list) else []:
        queue.fetch_and_import_stages(harvester, HarvestObject.get(obj_id))
    helpers.call_action("harvest_jobs_run", context=dict(context), source_id=source["id"])
    model.Session.expire_all()
    job = HarvestJob.get(job.id)
    objects = model.Session.query(HarvestObject).filter(HarvestObject.harvest_job_id == job.id).all()
    return Run(job, objects, [error.message for error in job.gather_errors])


def harvested(source: dict[str, Any], include_private: bool = True) -> list[dict[str, Any]]:
    """The datasets whose current harvest object belongs to `source`, as package_show gives them."""
    ids = {row[0] for row in model.Session.query(HarvestObject.package_id)
           .filter(HarvestObject.harvest_source_id == source["id"], HarvestObject.current.is_(True))}
    context = {"ignore_auth": True}
    shown = [helpers.call_action("package_show", context=dict(context), id=package_id) for package_id in ids]
    return [d for d in shown if d["state"] == "active" and (include_private or not d["private"])]
