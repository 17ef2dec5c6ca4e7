"""A small catalog for the page, facet and form tests: two departments, their staff, a citizen,
and entries of every audience (open, open on application, government only)."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Iterator

import pytest
from ckan import plugins

from tests import factories, worlds

PASSWORD = "Datong-ui-2025"


@pytest.fixture(scope="module")
def catalog(reset_db) -> Iterator[SimpleNamespace]:
    """Entries, by who may see them: bus-lines (无条件开放) and bus-stops (有条件开放) are
    public; building-permits (不予开放, 无条件共享) and emergency-plans (重要, 不予开放) are
    seen by government users only."""
    plugins.load_all()
    reset_db()
    sysadmin = factories.SysadminWithToken(name="ui-admin", password=PASSWORD)
    editor, county, citizen = (factories.UserWithToken(name=name, password=PASSWORD)
                               for name in ("jtj-editor", "pcq-staff", "citizen"))
    transport = worlds.department("大同市交通运输局", name="dt-jtj", dept_code="013", editor=editor)
    pingcheng = worlds.county("平城区人民政府", "140213", name="dt-pcq", dept_code="001", member=county)
    bus_lines = factories.Dataset(
        name="bus-lines", title="大同市公交线路", owner_org=transport["id"], industry_domain="交通",
        theme=["公共服务", "城乡建设"], modality=["表格"], share_method=["接口", "文件"],
        publish_date="2024-03-01",
        items=[{"item_name": "线路名称", "data_type": "C", "length": "50", "item_grade": "一般-1"}],
        resources=[{"url": "https://data.example/lines.csv", "name": "线路表", "format": "CSV"}])
    bus_stops = factories.Dataset(
        name="bus-stops", title="大同市公交站点", owner_org=transport["id"], industry_domain="交通",
        catalog_format="数据库", spatial_scope="140213", update_frequency="每日", theme=["公共服务"],
        share_type="有条件共享", share_condition="仅用于公共交通管理",
        open_type="有条件开放", open_condition="签署数据利用协议", data_grade="一般-2",
        items=[{"item_name": "站点名称", "data_type": "C", "length": "50", "item_grade": "一般-1"},
               {"item_name": "驾驶员身份证号", "data_type": "C", "length": "18",
                "personal_info": "true", "sensitive": "true", "item_grade": "一般-2"}],
        resources=[{"url": "https://data.example/stops.csv", "name": "站点表", "format": "CSV"}])
    permits = factories.Dataset(
        name="building-permits", title="平城区建设工程规划许可", owner_org=pingcheng["id"],
        industry_domain="政务", catalog_format="服务接口", spatial_scope="140213",
        update_frequency="每年", open_type="不予开放", data_grade="一般-4")
    plans = factories.Dataset(
        name="emergency-plans", title="大同市突发事件应急预案", owner_org=transport["id"],
        industry_domain="应急", catalog_format="电子文件", update_frequency="实时",
        share_type="有条件共享", share_condition="仅限应急管理部门", open_type="不予开放",
        data_grade="重要")
    yield SimpleNamespace(
        sysadmin=sysadmin, editor=editor, county=county, citizen=citizen,
        transport=transport, pingcheng=pingcheng,
        bus_lines=bus_lines, bus_stops=bus_stops, permits=permits, plans=plans)
    plugins.unload_all()
