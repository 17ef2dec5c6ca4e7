"""Re-classification reaches the history: an entry's activities are read by those who may
see the entry now, and `ckan datong access relabel` brings older histories in step."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from ckan import model
from ckan.cli.cli import ckan as ckan_command
from ckan.tests import helpers

from tests import factories, worlds

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")
HIDDEN = dict(open_type="不予开放", share_type="不予共享", data_grade="重要",
              share_condition="《中华人民共和国个人信息保护法》第十三条")


def activity_ids(user: str, package_id: str) -> set[str]:
    found = helpers.call_action("recently_changed_packages_activity_list",
                                context={"user": user, "ignore_auth": False}, limit=100)
    return {activity["id"] for activity in found if activity["object_id"] == package_id}


def test_hiding_an_entry_hides_its_history_and_relabel_restores_stale_labels(cli) -> None:
    sysadmin = factories.Sysadmin()
    editor, citizen = factories.User(), factories.User()
    org = worlds.organization(sysadmin, "大同市交通运输局", editor=editor)
    entry = helpers.call_action("package_create", context={"user": editor["name"]},
                                **factories.entry(title="公交线路", owner_org=org["id"]))
    assert activity_ids(citizen["name"], entry["id"])

    helpers.call_action("package_patch", context={"user": editor["name"]}, id=entry["id"], **HIDDEN)
    assert activity_ids(citizen["name"], entry["id"]) == set()
    assert len(activity_ids(editor["name"], entry["id"])) == 2  # created, changed

    # a history written before the labels were kept in step: public labels on a hidden entry
    model.Session.execute(sa.text("UPDATE activity SET permission_labels = '{public}' "
                                  "WHERE object_id = :id"), {"id": entry["id"]})
    model.Session.commit()
    assert len(activity_ids(citizen["name"], entry["id"])) == 2
    result = cli.invoke(ckan_command, ["datong", "access", "relabel"])
    assert result.exit_code == 0, result.output
    assert "relabelled the activity history of" in result.output
    assert activity_ids(citizen["name"], entry["id"]) == set()
