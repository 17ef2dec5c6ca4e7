"""The configuration reference (harvesters/reference.py, shown at /harvest/help, and
docs/harvesting.md) names exactly the keys each harvester accepts, and every example config
in it is accepted by its harvester as it stands."""
from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

from ckanext.datong.harvesters import base, reference
from tests.hangzhou import convert
from tests.harvest.conftest import VOCABULARIES

pytestmark = pytest.mark.ckan_config(convert.VOCABULARY_OPTION, str(VOCABULARIES))
DOCS = Path(__file__).resolve().parents[2] / "docs" / "harvesting.md"
MODULES = {"datong_json": "json", "datong_table": "table", "datong_ckan": "ckan", "datong_dcat": "dcat"}


def _harvester(name: str):
    module = importlib.import_module(f"ckanext.datong.harvesters.{MODULES[name]}")
    return module, next(value for key, value in vars(module).items()
                        if key.startswith("Datong") and key.endswith("Harvester") and value.__module__ == module.__name__)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_key_is_in_the_reference_and_the_docs(world, name) -> None:
    module, _ = _harvester(name)
    assert {key.name for key in reference.HARVESTERS[name]["keys"]} == set(module.OWN_KEYS)
    assert {key.name for key in reference.COMMON} == set(base.COMMON_KEYS)
    docs = DOCS.read_text(encoding="utf-8")
    section = docs.split(f"### `{name}`", 1)[1].split("\n### ", 1)[0]
    for key in module.OWN_KEYS:
        assert f"`{key}`" in section, (name, key)
    for key in base.COMMON_KEYS:
        assert f"| `{key}` |" in docs


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_example_config_is_accepted(world, name) -> None:
    _, harvester = _harvester(name)
    example = json.dumps(reference.HARVESTERS[name]["example"], ensure_ascii=False)
    harvester().validate_config(example)
    docs = DOCS.read_text(encoding="utf-8")
    section = docs.split(f"### `{name}`", 1)[1].split("\n### ", 1)[0]
    pasted = re.search(r"```json\n(.*?)```", section, re.S)
    assert pasted, name
    harvester().validate_config(pasted.group(1))


def test_the_required_fields_and_rules_come_from_the_schema_and_vocabularies(world) -> None:
    required = {field["name"]: field for field in reference.required_fields()}
    assert {"title", "notes", "resource_class", "industry_domain", "catalog_format", "share_type", "open_type",
            "update_frequency", "spatial_scope", "data_grade"} <= set(required)
    assert required["title"]["max_length"] == 50 and "电子表格" in required["catalog_format"]["values"]
    rules = reference.cross_field_rules()
    assert "数据分级为核心的数据不得编入目录" in rules
    assert "数据分级为重要时，共享类型最宽为有条件共享，开放属性最宽为不予开放" in rules
