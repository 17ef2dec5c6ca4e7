"""Every dashboard table downloads as CSV and .xlsx with the numbers of the JSON; charts are
inline SVG with text labels and accessible titles."""
from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from bs4 import BeautifulSoup
from ckan.tests import helpers

from ckanext.datong.dashboards import charts, tables


def _headers(world, role: str) -> dict[str, str]:
    from tests import worlds

    return {"Authorization": worlds.token(world.users[role], "dashboards")}


@pytest.fixture(scope="module")
def dashboard(world) -> dict[str, Any]:
    return world.call("authority", "datong_dashboard_show")


@pytest.fixture(scope="module")
def app_headers(world) -> dict[str, str]:
    return _headers(world, "authority")


def every_table(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [table for section in dashboard["sections"] for table in section["tables"]]


def _json_cell(value: Any) -> str:
    return "" if value is None else str(value)


def test_csv_of_every_table_matches_the_json(world, dashboard, app_headers) -> None:
    app = helpers._get_test_app()
    assert len(every_table(dashboard)) == 9
    for table in every_table(dashboard):
        response = app.get(f"/dashboards/export/{table['key']}.csv", headers=app_headers)
        assert response.status_code == 200, table["key"]
        assert response.headers["Content-Type"].startswith("text/csv")
        assert "attachment" in response.headers["Content-Disposition"]
        body = response.get_data()
        assert body.startswith("\ufeff".encode("utf-8"))
        lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert lines[0] == table["columns"]
        assert lines[1:] == [[_json_cell(v) for v in row] for row in table["rows"]]


def test_xlsx_of_every_table_matches_the_json(world, dashboard, app_headers) -> None:
    app = helpers._get_test_app()
    for table in every_table(dashboard):
        response = app.get(f"/dashboards/export/{table['key']}.xlsx", headers=app_headers)
        assert response.status_code == 200, table["key"]
        sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert values[0] == table["columns"]
        assert values[1:] == table["rows"]


def test_a_departments_export_is_its_own(world) -> None:
    app = helpers._get_test_app()
    response = app.get("/dashboards/export/compilation_departments.csv", headers=_headers(world, "owner"))
    lines = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert [line[0] for line in lines[1:]] == ["大同市交通运输局"]
    refused = app.get("/dashboards/export/compilation_departments.csv?organization="
                      + world.orgs["other"]["name"], headers=_headers(world, "owner"))
    assert refused.status_code == 403


def test_unknown_tables_and_formats_are_not_found(world, app_headers) -> None:
    app = helpers._get_test_app()
    assert app.get("/dashboards/export/nothing.csv", headers=app_headers).status_code == 404
    assert app.get("/dashboards/export/sharing_states.pdf", headers=app_headers).status_code == 404


def test_cells_never_run_as_formulas() -> None:
    table = tables.Table("t", "测试", ("单位", "数"), (("=HYPERLINK(\"x\")", 1), ("-2", -2)))
    text = tables.csv_bytes(table).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'-2" in text and ",-2" in text
    sheet = openpyxl.load_workbook(io.BytesIO(tables.xlsx_bytes(table))).active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "=HYPERLINK(\"x\")"
    assert sheet["B3"].value == -2


def test_charts_are_inline_svg_with_labels_and_titles() -> None:
    table = tables.Table("t", "各单位目录数", ("单位", "目录数"), (("交通局", 5), ("文旅局", 3), ("<b>", 0)),
                         chart=(0, 1))
    svg = BeautifulSoup(str(charts.bar_chart(table)), "html.parser").find("svg")
    assert svg["role"] == "img"
    labelled = svg["aria-labelledby"].split()
    assert svg.find("title", id=labelled[0]).get_text() == "各单位目录数：目录数"
    assert svg.find("desc", id=labelled[1]) is not None
    texts = [t.get_text() for t in svg.find_all("text")]
    assert texts == ["交通局", "5", "文旅局", "3", "<b>", "0"]
    widths = [int(rect["width"]) for rect in svg.find_all("rect")]
    assert widths[0] > widths[1] > widths[2] == 0
    assert "http" not in str(svg).replace("http://www.w3.org/2000/svg", "")
    assert charts.bar_chart(tables.Table("e", "空", ("a", "b"), (), chart=(0, 1))) == ""
