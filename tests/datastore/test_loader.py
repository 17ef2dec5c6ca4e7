"""Uploaded tables become DataStore tables (ckanext.datong.loader): encodings, workbooks,
conservative types, bad files that change nothing, replacement, and the job queue."""
from __future__ import annotations

import datetime
import io
from types import SimpleNamespace
from typing import Any, Iterator

import openpyxl
import pytest
import ckan.plugins.toolkit as tk
from ckan import plugins
from ckan.lib import jobs as ckan_jobs
from ckan.tests import helpers
from ckan.tests.pytest_ckan.fixtures import FakeFileStorage

from ckanext.datong import loader
from tests import factories, worlds
from tests.access.conftest import make_entry, upload_csv

ELDERLY_CARE = (
    "机构名称,行政区划代码,所在县区,床位数,联系电话,登记日期\n"
    "平城区社会福利院,140213001,平城区,320,0352-5021234,2016年3月8日\n"
    "阳高县龙泉镇敬老院,140221100,阳高县,60,0352-6621234,2019/10/1\n"
    "灵丘县武灵镇日间照料中心,140224100001,灵丘县,0,,2023-06-18\n"
)


@pytest.fixture(scope="module")
def site(reset_db) -> Iterator[SimpleNamespace]:
    """A department with its editor, who makes the entries and uploads the files."""
    plugins.load_all()
    reset_db()
    editor = factories.User()
    department = worlds.department("大同市民政局", editor=editor)
    yield SimpleNamespace(editor=editor, department=department)
    plugins.unload_all()


@pytest.fixture
def entry(site) -> dict[str, Any]:
    return make_entry(site.editor, site.department, "养老服务机构测试")


def upload(site, entry: dict[str, Any], filename: str, data: bytes, **fields: Any) -> dict[str, Any]:
    """A resource of `entry` with `data` uploaded as `filename`."""
    return helpers.call_action("resource_create", context={"user": site.editor["name"]},
                               package_id=entry["id"], name=filename, url=filename,
                               upload=FakeFileStorage(io.BytesIO(data), filename), **fields)


def replace(site, resource: dict[str, Any], filename: str, data: bytes) -> dict[str, Any]:
    """The resource's file replaced by `data`, as the edit form does."""
    return helpers.call_action("resource_patch", context={"user": site.editor["name"]},
                               id=resource["id"], url=filename,
                               upload=FakeFileStorage(io.BytesIO(data), filename))


def search(resource_id: str) -> dict[str, Any]:
    site_user = helpers.call_action("get_site_user")["name"]
    return helpers.call_action("datastore_search", context={"user": site_user},
                               resource_id=resource_id, sort="_id", limit=1000)


def table(resource_id: str) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The table's column types by id (without _id) and its rows (without _id)."""
    found = search(resource_id)
    types = {field["id"]: field["type"] for field in found["fields"] if field["id"] != "_id"}
    rows = [{key: value for key, value in row.items() if key != "_id"} for row in found["records"]]
    return types, rows


def loaded(resource: dict[str, Any]) -> dict[str, Any]:
    """Run the job for the resource, as the worker would; its status afterwards."""
    loader.load(resource["id"])
    record = loader.status(resource["id"])
    assert record is not None
    return record


def workbook(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.create_sheet("第二张表").append(["不读取"])
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


# --------------------------------------------------------------------------- types, names


@pytest.mark.parametrize("text, kinds", [
    ("320", {"int", "numeric"}),
    ("-5", {"int", "numeric"}),
    ("0", {"int", "numeric"}),
    ("12.50", {"numeric"}),
    ("0.5", {"numeric"}),
    ("0352", set()),  # leading zero: a code
    ("007", set()),
    ("140213001", set()),  # 9 digits: an administrative code
    ("13912345678", set()),
    ("14022119800101123X", set()),
    ("1,234", set()),
    ("2026-01-05", {"date", "timestamp"}),
    ("2026/1/5", {"date", "timestamp"}),
    ("2026.1.5", {"date", "timestamp"}),
    ("2026年1月5日", {"date", "timestamp"}),
    ("2026-01-05 08:30", {"timestamp"}),
    ("2026年1月5日 8:30:15", {"timestamp"}),
    ("2026-02-30", set()),
    ("2026-1/5", set()),
    ("2026-01-05 25:00", set()),
    ("平城区", set()),
])
def test_value_kinds(text, kinds):
    assert loader.value_kinds(text) == kinds


def test_column_names_keep_the_header_text():
    header = ["名称", "", "名称", "名称_2", "", ""]
    assert loader.column_names(header, [True, True, True, True, False, False]) == [
        "名称", "列2", "名称_3", "名称_2", None, None]


@pytest.mark.parametrize("name, problem", [
    ("_id", "以下划线开头"),
    ('备注"', "含有英文双引号"),
    ("很" * 22, "过长"),
])
def test_unusable_names(name, problem):
    assert problem in loader.name_problem(name)
    assert loader.name_problem("很" * 21) is None


# --------------------------------------------------------------------------- loading


@pytest.mark.usefixtures("clean_queues")
def test_utf8_csv_is_queued_then_loaded(site, entry):
    resource = upload_csv(site.editor, entry["id"], "养老机构.csv", ELDERLY_CARE)
    queued = loader.status(resource["id"])
    assert (queued["state"], queued["message"]) == ("排队中", "已排队，等待导入数据存储")
    [job] = ckan_jobs.get_queue().jobs
    assert (job.func, job.args) == (loader.load, [resource["id"]])

    record = loaded(resource)
    assert (record["state"], record["rows"], record["error"]) == ("已导入", 3, None)
    assert record["message"] == "已导入 3 行、6 列"
    assert "年" in record["time"] and "月" in record["time"]
    types, rows = table(resource["id"])
    assert types == {"机构名称": "text", "行政区划代码": "text", "所在县区": "text", "床位数": "int4",
                     "联系电话": "text", "登记日期": "date"}
    assert rows[0] == {"机构名称": "平城区社会福利院", "行政区划代码": "140213001", "所在县区": "平城区",
                       "床位数": 320, "联系电话": "0352-5021234", "登记日期": "2016-03-08"}
    assert [row["登记日期"] for row in rows] == ["2016-03-08", "2019-10-01", "2023-06-18"]
    assert rows[2]["行政区划代码"] == "140224100001" and rows[2]["联系电话"] is None
    assert helpers.call_action("resource_show", id=resource["id"])["datastore_active"] is True


@pytest.mark.usefixtures("clean_queues")
def test_gbk_csv_with_semicolons(site, entry):
    body = ELDERLY_CARE.replace(",", ";").encode("gbk")
    resource = upload(site, entry, "养老机构-gbk.csv", body, format="CSV")
    assert loaded(resource)["state"] == "已导入"
    types, rows = table(resource["id"])
    assert list(types) == ["机构名称", "行政区划代码", "所在县区", "床位数", "联系电话", "登记日期"]
    assert rows[1]["机构名称"] == "阳高县龙泉镇敬老院" and rows[1]["床位数"] == 60


@pytest.mark.usefixtures("clean_queues")
def test_utf8_with_bom_and_tsv(site, entry):
    body = ("\ufeff" + ELDERLY_CARE.replace(",", "\t")).encode("utf-8")
    resource = upload(site, entry, "养老机构.tsv", body, format="TSV")
    assert loaded(resource)["state"] == "已导入"
    types, rows = table(resource["id"])
    assert list(types)[0] == "机构名称" and len(rows) == 3


@pytest.mark.usefixtures("clean_queues")
def test_xlsx_first_sheet(site, entry):
    data = workbook([
        [],
        ["机构名称", "行政区划代码", "床位数", "入住率", "开业日期", "", "机构名称", "最近检查"],
        ["云冈区社会福利中心", 140214001, 200, 0.85, datetime.date(2015, 5, 1), "备注一", "重名列",
         datetime.datetime(2026, 1, 5, 9, 30)],
        [None, None, None, None, None, None, None, None],
        ["天镇县玉泉镇敬老院", 140222100, 48, 1, datetime.date(2020, 9, 15), None, None,
         datetime.datetime(2026, 1, 6, 14, 0)],
        ["左云县云兴镇敬老院", "140226100", 36, "#N/A", "2021年7月1日", None, None, None],
    ])
    resource = upload(site, entry, "养老机构.xlsx", data, format="XLSX")
    record = loaded(resource)
    assert (record["state"], record["rows"]) == ("已导入", 3)
    types, rows = table(resource["id"])
    assert types == {"机构名称": "text", "行政区划代码": "text", "床位数": "int4", "入住率": "numeric",
                     "开业日期": "date", "列6": "text", "机构名称_2": "text", "最近检查": "timestamp"}
    assert rows[0]["行政区划代码"] == "140214001"
    assert [row["入住率"] for row in rows] == [0.85, 1, None]
    assert rows[2]["开业日期"] == "2021-07-01"
    assert rows[0]["最近检查"] == "2026-01-05T09:30:00"


@pytest.mark.usefixtures("clean_queues")
def test_leading_zeros_and_long_numbers_stay_text(site, entry):
    body = ("区号,区划,数量,人口\n"
            "0352,140213,007,1250000\n"
            "0351,140212,12,980000\n")
    resource = upload_csv(site.editor, entry["id"], "区号.csv", body)
    loaded(resource)
    types, rows = table(resource["id"])
    assert types == {"区号": "text", "区划": "int4", "数量": "text", "人口": "int4"}
    assert rows[0] == {"区号": "0352", "区划": 140213, "数量": "007", "人口": 1250000}


@pytest.mark.usefixtures("clean_queues")
def test_headers_naming_codes_stay_text(site, entry):
    body = "行政区划代码,邮编,机构ID,床位数\n140213,37000,12,50\n140221,38100,13,60\n"
    resource = upload_csv(site.editor, entry["id"], "代码.csv", body)
    loaded(resource)
    types, _ = table(resource["id"])
    assert types == {"行政区划代码": "text", "邮编": "text", "机构ID": "text", "床位数": "int4"}


@pytest.mark.usefixtures("clean_queues")
def test_chinese_dates(site, entry):
    body = ("日期,时间,混合\n"
            "2026年1月5日,2026-01-05 08:30,2026-01-05\n"
            "2026/1/6,2026/1/6 17:45:10,2026年2月30日\n")
    resource = upload_csv(site.editor, entry["id"], "日期.csv", body)
    loaded(resource)
    types, rows = table(resource["id"])
    assert types == {"日期": "date", "时间": "timestamp", "混合": "text"}
    assert [row["日期"] for row in rows] == ["2026-01-05", "2026-01-06"]
    assert [row["时间"] for row in rows] == ["2026-01-05T08:30:00", "2026-01-06T17:45:10"]


@pytest.mark.usefixtures("clean_queues")
def test_broken_upload_keeps_the_previous_table(site, entry):
    resource = upload_csv(site.editor, entry["id"], "养老机构.csv", ELDERLY_CARE)
    assert loaded(resource)["state"] == "已导入"
    before = table(resource["id"])

    replace(site, resource, "养老机构.xlsx", workbook([["机构名称"], ["某机构"]])[:300])
    assert loader.status(resource["id"])["state"] == "排队中"
    record = loaded(resource)
    assert record["state"] == "失败"
    assert record["error"].startswith("Excel 工作簿无法读取")
    assert record["message"].startswith("导入失败：Excel 工作簿无法读取")
    assert "数据存储中仍是" in record["message"] and "导入的 3 行" in record["message"]
    assert record["previous"]["rows"] == 3
    assert table(resource["id"]) == before


@pytest.mark.usefixtures("clean_queues")
def test_ragged_rows_are_refused(site, entry):
    resource = upload_csv(site.editor, entry["id"], "养老机构.csv", ELDERLY_CARE)
    loaded(resource)
    replace(site, resource, "养老机构.csv", (ELDERLY_CARE + "某敬老院,140213001,平城区,20,无,2020-01-01,多余\n").encode())
    record = loaded(resource)
    assert record["state"] == "失败"
    assert record["error"].startswith("第 5 行有 7 个值，多于表头（第 1 行）的 6 列")
    assert len(table(resource["id"])[1]) == 3


@pytest.mark.usefixtures("clean_queues")
@pytest.mark.parametrize("data, error", [
    (b"", "文件是空的（0 字节）"),
    (b"\n \n,,\n", "文件中没有任何内容"),
    ("机构名称,床位数\n".encode(), "文件只有表头（第 1 行），没有数据行"),
    ("机构名称,床位数\n".encode() + b"\xff\xfe\x80\x81abc,1\n", "无法识别文件的文字编码"),
    ("name\nCrème brûle\n".encode("latin-1"), "无法识别文件的文字编码"),  # valid GB18030 bytes
    (b"PNG\x00\x00\x01\x02", "其中含有二进制内容"),
    (b"%PDF-1.7\n", "这是 PDF 文件"),
    ("_id,名称\n1,甲\n".encode(), "表头（第 1 行）无法用作数据存储的列名：“_id”以下划线开头"),
])
def test_bad_files_change_nothing(site, entry, data, error):
    resource = upload(site, entry, "坏文件.csv", data, format="CSV")
    record = loaded(resource)
    assert record["state"] == "失败"
    assert error in record["error"]
    assert record["message"] == f"导入失败：{record['error']}"  # there was no table before
    with pytest.raises(tk.ObjectNotFound):
        search(resource["id"])


@pytest.mark.usefixtures("clean_queues")
@pytest.mark.ckan_config("ckanext.datong.datastore.max_file_mb", "0")
def test_files_above_the_limit_are_not_loaded(site, entry):
    resource = upload_csv(site.editor, entry["id"], "养老机构.csv", ELDERLY_CARE)
    record = loaded(resource)
    assert record["state"] == "失败"
    assert record["error"] == "文件有 0.0 MB，超过数据存储导入的上限 0 MB（文件仍可下载）"


@pytest.mark.usefixtures("clean_queues")
@pytest.mark.ckan_config("ckanext.datong.datastore.batch_rows", "2")
def test_rows_are_written_in_batches(site, entry):
    resource = upload_csv(site.editor, entry["id"], "养老机构.csv", ELDERLY_CARE)
    assert loaded(resource)["message"] == "已导入 3 行、6 列"
    found = search(resource["id"])
    assert found["total"] == 3
    assert [row["机构名称"] for row in found["records"]] == [
        "平城区社会福利院", "阳高县龙泉镇敬老院", "灵丘县武灵镇日间照料中心"]


@pytest.mark.usefixtures("clean_queues")
def test_reupload_replaces_the_table(site, entry):
    resource = upload_csv(site.editor, entry["id"], "养老机构.csv", ELDERLY_CARE)
    loaded(resource)
    replace(site, resource, "养老机构.csv", "机构名称,床位数\n新荣区敬老院,40\n".encode("gbk"))
    assert loaded(resource)["message"] == "已导入 1 行、2 列"
    assert table(resource["id"]) == ({"机构名称": "text", "床位数": "int4"},
                                     [{"机构名称": "新荣区敬老院", "床位数": 40}])


@pytest.mark.usefixtures("clean_queues")
def test_only_a_new_file_queues_a_load(site, entry):
    resource = upload_csv(site.editor, entry["id"], "养老机构.csv", ELDERLY_CARE)
    loaded(resource)  # datastore_create marks the resource datastore_active
    queue = ckan_jobs.get_queue()
    queue.empty()
    helpers.call_action("resource_patch", context={"user": site.editor["name"]},
                        id=resource["id"], description="说明改了")
    assert queue.jobs == [] and loader.status(resource["id"])["state"] == "已导入"
    replace(site, resource, "养老机构.csv", ELDERLY_CARE.encode())  # the same content, uploaded again
    assert len(queue.jobs) == 1 and loader.status(resource["id"])["state"] == "排队中"


@pytest.mark.usefixtures("clean_queues")
def test_links_and_other_formats_are_not_loaded(site, entry):
    link = helpers.call_action("resource_create", context={"user": site.editor["name"]},
                               package_id=entry["id"], name="接口", url="https://example.com/a.csv",
                               format="CSV")
    pdf = upload(site, entry, "说明.pdf", b"%PDF-1.7\n", format="PDF")
    assert loader.status(link["id"]) is None and loader.status(pdf["id"]) is None
    assert ckan_jobs.get_queue().jobs == []


@pytest.mark.usefixtures("clean_queues", "with_test_worker")
def test_the_worker_runs_the_queued_loads(site, entry):
    good = upload_csv(site.editor, entry["id"], "养老机构.csv", ELDERLY_CARE)
    bad = upload(site, entry, "坏文件.csv", b"\xff\xfe\x80\x81\x00", format="CSV")
    assert len(ckan_jobs.get_queue().jobs) == 2

    ckan_jobs.Worker().work(burst=True)

    assert loader.status(good["id"])["state"] == "已导入"
    assert len(table(good["id"])[1]) == 3
    assert loader.status(bad["id"])["state"] == "失败"  # recorded, not raised: the job succeeded
    assert ckan_jobs.get_queue().failed_job_registry.count == 0
