"""datong_table: department catalogs of the Hangzhou data as an .xlsx in the 1272 workbook
layout and as CSV files (GBK, GB18030, UTF-8 with BOM) read through a column mapping."""
from __future__ import annotations

import pytest

from ckanext.datong.harvesters import table
from tests.hangzhou import convert
from tests.harvest.conftest import (
    HANGZHOU_CONFIG, HANGZHOU_FIELDS, VOCABULARIES, create_source, department_feed, gbk_csv, harvested,
    run_job, workbook_bytes,
)

pytestmark = pytest.mark.ckan_config(convert.VOCABULARY_OPTION, str(VOCABULARIES))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONFIG = {**HANGZHOU_CONFIG, "fields": HANGZHOU_FIELDS}


def test_a_workbook_in_the_1272_layout(world, feeds, hangzhou) -> None:
    records = department_feed(hangzhou, 8, 14, skip=7)
    entries = convert.entries(records)
    packages = [dict(entry.package) for entry in entries]
    packages[0]["items"] = [{"item_name": "统一社会信用代码", "data_type": "C", "length": "18"},
                            {"item_name": "单位名称", "data_type": "C"}]
    url = feeds.serve("/table/department.xlsx", workbook_bytes(packages, "某部门"), content_type=XLSX)
    source = create_source(world.editor, world.org, url, "datong_table", {"timeout": 5})
    run = run_job(source)
    assert run.gather_errors == [] and run.errors() == []
    assert run.stats == {"added": len(packages)}
    stored = {d["title"]: d for d in harvested(source)}
    assert set(stored) == {p["title"] for p in packages}
    first = stored[packages[0]["title"]]
    assert [item["item_name"] for item in first["items"]] == ["统一社会信用代码", "单位名称"]
    for package in packages:
        entry = stored[package["title"]]
        assert entry["owner_org"] == world.org["id"]  # the 提供方 column is not obeyed
        for field in ("open_type", "update_frequency", "spatial_scope", "share_method", "data_grade"):
            assert entry[field] == package[field]
    assert run_job(source).stats == {"not modified": len(packages)}


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig"])
def test_a_csv_with_a_column_mapping(world, feeds, hangzhou, encoding) -> None:
    records = department_feed(hangzhou, 5, 8, skip=8)
    url = feeds.serve(f"/table/department-{encoding}.csv", gbk_csv(records, encoding), content_type="text/csv")
    source = create_source(world.editor, world.org, url, "datong_table", CSV_CONFIG)
    run = run_job(source)
    assert run.gather_errors == [] and run.errors() == []
    assert run.stats == {"added": len(records)}
    stored = {d["resources"][0]["url"]: d for d in harvested(source)}
    assert {d["title"] for d in stored.values()} == {r["资源名称"] for r in records}
    assert run_job(source).stats == {"not modified": len(records)}


def test_gbk_is_detected_on_a_prefix(hangzhou) -> None:
    data = gbk_csv(department_feed(hangzhou, 30, 60), "gbk")
    assert table.detect_encoding(data[: table.PREFIX]) == "gb18030"
    assert data.decode("gb18030").startswith("资源名称")
    assert table.detect_encoding("资源名称,摘要\n".encode("utf-8")) == "utf-8"


def test_a_csv_in_the_1272_layout(world, feeds, hangzhou) -> None:
    """Without a column mapping a CSV carries the 目录 sheet's headings."""
    import csv
    import io

    from ckanext.datong.workbook import layout

    packages = [e.package for e in convert.entries(department_feed(hangzhou, 4, 6, skip=13))]
    current = layout.layout()
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([c.heading for c in current.catalog])
    for package in packages:
        writer.writerow([layout.cell_value(c, package.get(c.field_name)) or "" for c in current.catalog])
    url = feeds.serve("/table/layout.csv", text.getvalue().encode("gb18030"), content_type="text/csv")
    source = create_source(world.editor, world.org, url, "datong_table", {"timeout": 5})
    run = run_job(source)
    assert run.gather_errors == [] and run.errors() == []
    assert {d["title"]: d["share_method"] for d in harvested(source)} == {p["title"]: p["share_method"] for p in packages}
    feeds.serve("/table/layout.csv", "信息资源名称,摘要\n某资源,某摘要\n".encode("utf-8"), content_type="text/csv")
    failed = run_job(source)
    assert failed.objects == [] and "目录表缺少列" in failed.gather_errors[0]
