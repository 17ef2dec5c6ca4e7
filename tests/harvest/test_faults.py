"""Source faults: the job fails with a Chinese reason and the datasets already harvested stay
as they are (nothing imported, nothing withdrawn); transient faults are retried with backoff."""
from __future__ import annotations

import io
import random
import socket
import time
import zipfile
from typing import Any

import pytest

from ckanext.datong.harvesters import http
from tests.hangzhou import convert
from tests.harvest.conftest import (
    HANGZHOU_CONFIG, VOCABULARIES, create_source, department_feed, gbk_csv, harvested,
    json_bytes, run_job, workbook_bytes,
)

pytestmark = pytest.mark.ckan_config(convert.VOCABULARY_OPTION, str(VOCABULARIES))
FAST = {"timeout": 0.5, "retries": 1, "backoff": 0.05}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def harvested_source(world, feeds, hangzhou) -> dict[str, Any]:
    """A source harvested once, its feed then broken in the tests' various ways."""
    records = department_feed(hangzhou, 4, 6, skip=9)
    url = feeds.serve("/faults/feed.json", json_bytes(records))
    source = create_source(world.editor, world.org, url, "datong_json", {**HANGZHOU_CONFIG, **FAST})
    assert run_job(source).stats == {"added": len(records)}
    return {"source": source, "records": records}


def _fails_untouched(harvested_source, feeds, reason: str, **route: Any) -> None:
    source, records = harvested_source["source"], harvested_source["records"]
    before = {d["id"]: d["metadata_modified"] for d in harvested(source)}
    feeds.serve("/faults/feed.json", **route)
    run = run_job(source)
    assert run.objects == []
    assert len(run.gather_errors) == 1 and reason in run.gather_errors[0], run.gather_errors
    assert run.job.status == "Finished"
    after = harvested(source, include_private=False)
    assert {d["id"]: d["metadata_modified"] for d in after} == before  # none withdrawn or changed
    feeds.serve("/faults/feed.json", json_bytes(records))
    assert run_job(source).stats == {"not modified": len(records)}


def test_a_server_error_is_retried_then_fails_the_job(harvested_source, feeds) -> None:
    _fails_untouched(harvested_source, feeds, "服务器错误 503", failures=10**6)


def test_retries_with_backoff_recover_from_transient_errors(harvested_source, feeds) -> None:
    records = harvested_source["records"]
    url = feeds.serve("/faults/flaky.json", json_bytes(records), failures=2)
    started = time.monotonic()
    path = http.fetch(url, timeout=2, retries=2, backoff=0.1)
    assert time.monotonic() - started >= 0.1 + 0.2  # waited backoff, then twice the backoff
    assert feeds.routes["/faults/flaky.json"].hits == 3
    with open(path, "rb") as stream:
        assert stream.read() == json_bytes(records)
    feeds.serve("/faults/flaky.json", json_bytes(records), failures=5)
    with pytest.raises(http.FetchError, match="已重试 2 次"):
        http.fetch(url, timeout=2, retries=2, backoff=0.01)
    assert feeds.routes["/faults/flaky.json"].hits == 3  # bounded: 1 try + 2 retries


def test_a_slow_source_times_out(harvested_source, feeds) -> None:
    _fails_untouched(harvested_source, feeds, "秒内没有响应", body=b"[]", delay=1.2)


def test_an_unreachable_source_fails_the_job(world) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = create_source(world.editor, world.org, f"http://127.0.0.1:{port}/feed.json", "datong_json",
                           {**HANGZHOU_CONFIG, **FAST})
    run = run_job(source)
    assert run.objects == [] and "无法连接" in run.gather_errors[0]


def test_an_html_error_page_with_status_200(harvested_source, feeds) -> None:
    page = "<!DOCTYPE html><html><head><title>系统维护</title></head><body>系统维护中</body></html>"
    _fails_untouched(harvested_source, feeds, "网页（HTML）", body=page, content_type="text/html")


def test_a_missing_feed(harvested_source, feeds) -> None:
    _fails_untouched(harvested_source, feeds, "返回错误 410", body=b"gone", status=410)


def test_a_truncated_transfer(harvested_source, feeds) -> None:
    body = json_bytes(harvested_source["records"])
    _fails_untouched(harvested_source, feeds, "不完整", body=body, truncate=len(body) // 2)


def test_a_truncated_json_document(harvested_source, feeds) -> None:
    body = json_bytes(harvested_source["records"])
    _fails_untouched(harvested_source, feeds, "JSON 格式错误或文件不完整", body=body[: len(body) // 2])


def test_malformed_json(harvested_source, feeds) -> None:
    _fails_untouched(harvested_source, feeds, "JSON 格式错误", body=b'[{"\xe8\xb5\x84": 1,,}]')


def test_json_in_an_encoding_other_than_utf8(harvested_source, feeds) -> None:
    body = json_bytes(harvested_source["records"]).decode("utf-8").encode("gbk")
    _fails_untouched(harvested_source, feeds, "JSON", body=body)


def test_a_body_over_the_size_limit(world, feeds, hangzhou) -> None:
    url = feeds.serve("/faults/large.json", json_bytes(department_feed(hangzhou, 30, 60)))
    source = create_source(world.editor, world.org, url, "datong_json", {**HANGZHOU_CONFIG, **FAST, "max_bytes": 1000})
    run = run_job(source)
    assert run.objects == [] and "超过上限 1000 字节" in run.gather_errors[0]


def test_redirects_are_followed(world, feeds, hangzhou) -> None:
    records = department_feed(hangzhou, 2, 3, skip=10)
    feeds.serve("/faults/moved.json", json_bytes(records))
    url = feeds.serve("/faults/old.json", b"", status=302, headers={"Location": "/faults/moved.json"})
    source = create_source(world.editor, world.org, url, "datong_json", {**HANGZHOU_CONFIG, **FAST})
    assert run_job(source).stats == {"added": len(records)}


def test_a_broken_workbook(world, feeds, hangzhou) -> None:
    records = department_feed(hangzhou, 2, 3, skip=11)
    whole = workbook_bytes([e.package for e in convert.entries(records)], "某部门")
    url = feeds.serve("/faults/broken.xlsx", whole[: len(whole) // 2], content_type=XLSX)
    source = create_source(world.editor, world.org, url, "datong_table", FAST)
    run = run_job(source)
    assert run.objects == [] and "工作簿无法读取" in run.gather_errors[0]
    feeds.serve("/faults/broken.xlsx", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "Workbook".encode("utf-16-le")) * 64)
    run = run_job(source)
    assert "Excel 97-2003" in run.gather_errors[0]
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    feeds.serve("/faults/broken.xlsx", stream.getvalue())
    assert "工作簿无法读取" in run_job(source).gather_errors[0]


def test_a_csv_in_an_encoding_nothing_decodes(world, feeds, hangzhou) -> None:
    generator = random.Random(4)
    noise = bytes(generator.choice(range(0x80, 0x100)) for _ in range(4000))
    url = feeds.serve("/faults/noise.csv", noise, content_type="text/csv")
    source = create_source(world.editor, world.org, url, "datong_table", {**HANGZHOU_CONFIG, **FAST})
    run = run_job(source)
    assert run.objects == [] and "编码无法识别" in run.gather_errors[0]
    # GBK at the start, bytes no GBK decoder accepts later on: stopped while streaming
    records = department_feed(hangzhou, 300, 800)
    mixed = gbk_csv(records) + b"\x80\xff\x80\xff\r\n"
    assert len(mixed) > 64 * 1024
    feeds.serve("/faults/noise.csv", mixed, content_type="text/csv")
    run = run_job(source)
    assert run.objects == [] and "无法解码" in run.gather_errors[0]
    assert harvested(source) == []


def test_a_bad_config_is_refused_in_chinese(world, feeds) -> None:
    from ckan.plugins import toolkit as tk

    url = feeds.serve("/faults/any.json", b"[]")
    for config, words in (({"fields": {}}, "fields"), ({**HANGZHOU_CONFIG, "pagin": {}}, "无法识别的键"),
                          ({**HANGZHOU_CONFIG, "timeout": "fast"}, "timeout")):
        with pytest.raises(tk.ValidationError, match=words):
            create_source(world.editor, world.org, url, "datong_json", config)
    with pytest.raises(tk.ValidationError, match="列映射|fields"):
        create_source(world.editor, world.org, url, "datong_table", {"fields": {"title": 3}})


def test_a_fault_on_a_later_page_drops_what_was_gathered(world, feeds, hangzhou, monkeypatch) -> None:
    from ckanext.datong.harvesters import base

    monkeypatch.setattr(base, "BATCH", 2)  # objects of the first page are already committed
    records = department_feed(hangzhou, 6, 10, skip=12)
    pages = {"1": json_bytes({"list": records[:4]}), "2": json_bytes({"list": records[4:]}), "3": json_bytes({"list": []})}
    broken = {"page": "2"}

    def page(params: dict[str, str]) -> bytes:
        if params["page"] == broken["page"]:
            return b'{"list": [{"\xe8\xb5\x84'  # cut off
        return pages[params["page"]]

    url = feeds.serve("/faults/paged", page)
    config = {**HANGZHOU_CONFIG, **FAST, "records": "list", "paging": {"param": "page"}}
    source = create_source(world.editor, world.org, url, "datong_json", config)
    run = run_job(source)
    assert run.objects == [] and "JSON 格式错误或文件不完整" in run.gather_errors[0]
    assert harvested(source) == []
    broken["page"] = None
    assert run_job(source).stats == {"added": len(records)}
