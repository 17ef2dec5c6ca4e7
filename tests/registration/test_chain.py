"""The registry chain against rows changed, deleted or inserted directly in the database
(SQL UPDATE/DELETE/INSERT): verification names the record and version, through the chain
module, the public action and the `ckan datong registration verify` command."""
from __future__ import annotations

import pathlib
import re
from typing import Any

import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa
from ckan import model
from click.testing import CliRunner

from ckanext.datong.cli import datong
from ckanext.datong.registration import chain
from tests.registration.conftest import World, fields, issued

pytestmark = pytest.mark.usefixtures("with_request_context")


@pytest.fixture
def registry(fresh: World) -> dict[str, Any]:
    """Two records: one issued (4 rows), one applied (1 row)."""
    done = issued(fresh, fresh.entries["bus"]["id"])
    other = fresh.call("owner", "datong_registration_create",
                       **fields(fresh.entries["taxi"]["id"], name="出租车运营数据资源"))
    assert chain.verify().ok
    return {"issued": done, "applied": other, "world": fresh}


def _sql(statement: str, **values: Any) -> None:
    model.Session.execute(sa.text(statement), values)
    model.Session.commit()


def _verify_action(world: World) -> dict[str, Any]:
    return world.call("anonymous", "datong_registration_verify")


def test_an_untouched_registry_verifies(registry: dict[str, Any]) -> None:
    result = _verify_action(registry["world"])
    assert result["ok"] and result["rows"] == 5 and result["records"] == 2
    assert result["summary"].startswith("登记簿完整")
    cli = CliRunner().invoke(datong, ["registration", "verify"])
    assert cli.exit_code == 0 and "登记簿完整" in cli.output


def test_a_changed_row_is_named(registry: dict[str, Any]) -> None:
    code = registry["issued"]["code"]
    _sql("""UPDATE datong_registration_version
            SET content = jsonb_set(content, '{holder_operation}', '"某公司"')
            WHERE registration_id = :id AND record_seq = 2""", id=registry["issued"]["id"])
    result = _verify_action(registry["world"])
    assert not result["ok"]
    assert [(p["record"], p["record_seq"]) for p in result["problems"]] == [(code, 2)]
    assert "内容与其哈希不符" in result["problems"][0]["message"]
    cli = CliRunner().invoke(datong, ["registration", "verify"])
    assert cli.exit_code == 1
    assert f"登记{code}第2版（第2号版本记录）的内容与其哈希不符" in cli.output


def test_a_changed_record_is_named(registry: dict[str, Any]) -> None:
    code = registry["issued"]["code"]
    _sql("UPDATE datong_registration SET content = jsonb_set(content, '{scale}', '\"1条\"') "
         "WHERE id = :id", id=registry["issued"]["id"])
    problems = _verify_action(registry["world"])["problems"]
    assert [(p["record"], p["record_seq"]) for p in problems] == [(code, 4)]
    assert "当前状态或内容与其最新版本记录（第4版）不符" in problems[0]["message"]


def test_a_deleted_row_is_named(registry: dict[str, Any]) -> None:
    code = registry["issued"]["code"]
    _sql("DELETE FROM datong_registration_version WHERE registration_id = :id AND record_seq = 3",
         id=registry["issued"]["id"])
    problems = _verify_action(registry["world"])["problems"]
    messages = " ".join(p["message"] for p in problems)
    assert "第3号版本记录缺失" in messages or "第3至" in messages
    assert any(p["record"] == code and "第3版记录缺失或重复" in p["message"] for p in problems)


def test_a_deleted_record_is_named(registry: dict[str, Any]) -> None:
    number = registry["applied"]["number"]
    _sql("DELETE FROM datong_registration_version WHERE registration_id = :id",
         id=registry["applied"]["id"])
    problems = _verify_action(registry["world"])["problems"]
    assert any(p["record"] == number and "没有任何版本记录" in p["message"] for p in problems)
    _sql("DELETE FROM datong_registration WHERE id = :id", id=registry["issued"]["id"])
    problems = _verify_action(registry["world"])["problems"]
    assert any("登记被直接删除" in p["message"] for p in problems)


def test_an_inserted_row_is_named(registry: dict[str, Any]) -> None:
    """A forged version row slipped in at the end, copying the last row's link fields."""
    record = registry["issued"]
    _sql("""INSERT INTO datong_registration_version
              (seq, registration_id, record_seq, version, reg_type, event, state, code, content,
               actor_name, reason, occurred, prev_record_hash, prev_registry_hash, hash)
            SELECT 6, registration_id, 5, 2, 'change', 'change_approve', state, code,
                   jsonb_set(content, '{holder_operation}', '"伪造公司"'), actor_name, '',
                   occurred, prev_record_hash, prev_registry_hash, repeat('a', 64)
            FROM datong_registration_version WHERE registration_id = :id AND record_seq = 4""",
         id=record["id"])
    problems = _verify_action(registry["world"])["problems"]
    found = {(p["record"], p["record_seq"]) for p in problems}
    assert (record["code"], 5) in found
    messages = " ".join(p["message"] for p in problems if p["record_seq"] == 5)
    assert "登记簿前一记录哈希不符" in messages and "本登记前一版本哈希不符" in messages
    assert "内容与其哈希不符" in messages


def test_the_expected_head_catches_a_deleted_tail(registry: dict[str, Any]) -> None:
    head = chain.verify().head_hash
    _sql("DELETE FROM datong_registration_version WHERE seq = 5")
    _sql("DELETE FROM datong_registration WHERE id = :id", id=registry["applied"]["id"])
    assert chain.verify().ok  # the tail is gone without a trace inside the table
    result = chain.verify(expect_head=head)
    assert not result.ok and "链头哈希不在登记簿中" in result.problems[0].message
    cli = CliRunner().invoke(datong, ["registration", "verify", "--expect-head", head])
    assert cli.exit_code == 1


def test_the_documented_independent_check_agrees(registry: dict[str, Any], capsys) -> None:
    """docs/registration.md's snippet, run as written against this database, finds every row
    OK, then the row changed directly TAMPERED."""
    docs = pathlib.Path(__file__).parents[2] / "docs" / "registration.md"
    snippet = re.search(r"```python\n(.*?)```", docs.read_text(encoding="utf-8"), re.S).group(1)
    snippet = snippet.replace('"postgresql://…/datong"', repr(tk.config["sqlalchemy.url"]))

    def run() -> list[str]:
        namespace: dict[str, Any] = {}
        exec(compile(snippet, str(docs), "exec"), namespace)
        namespace["rows"].connection.close()
        return capsys.readouterr().out.splitlines()

    lines = run()
    assert len(lines) == 5 and all(line.endswith(" OK") for line in lines)
    _sql("UPDATE datong_registration_version SET reason = '改' WHERE seq = 3")
    verdicts = [line.rsplit(" ", 1)[1] for line in run()]
    assert verdicts == ["OK", "OK", "TAMPERED", "OK", "OK"]
