"""A wrong setting stops start-up with one clear line, not a traceback."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

CKAN = pathlib.Path(sys.executable).parent / "ckan"


def start_with(ini_path: str, tmp_path: pathlib.Path, old: str, new: str) -> subprocess.CompletedProcess:
    """The run's ini (a worker's own under xdist) with `old` replaced by `new`, started."""
    text = pathlib.Path(ini_path).read_text(encoding="utf-8")
    assert old in text
    ini = tmp_path / "broken.ini"
    ini.write_text(text.replace(old, new), encoding="utf-8")
    return subprocess.run([str(CKAN), "-c", str(ini), "search-index", "check"], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONWARNINGS": "ignore"})


@pytest.mark.parametrize(("old", "new", "message"), [
    ("ckanext.datong.search.backend = postgres", "ckanext.datong.search.backend = elastic",
     "ckanext.datong.search.backend: Value must be one of ['postgres', 'solr']"),
    ("@127.0.0.1:5432/", "@127.0.0.1:1/", "无法连接数据库 postgresql://datong:***@127.0.0.1:1/"),
    (" harvest datong_harvest ", " harvest ",
     "ckan.plugins 启用了 harvest 却缺少 datong_harvest"),
])
def test_wrong_setting_stops_startup_with_one_clear_line(request, tmp_path, old, new, message):
    result = start_with(request.config.option.ckan_ini, tmp_path, old, new)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert message in output
    assert "Traceback" not in output


BACKEND = "ckanext.datong.search.backend = postgres"
VOCABULARIES = pathlib.Path(__file__).parents[1] / "schemas" / "vocabularies.yaml"


def _vocabularies_without_grades_and_a_value(path: pathlib.Path) -> None:
    text = VOCABULARIES.read_text(encoding="utf-8")
    start, end = text.index("\ngrades:"), text.index("\n# 共享类型")
    text = (text[:start] + text[end:]).replace("- {value: 公共服务, en: Public services}",
                                              "- {en: Public services}")
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(("setting", "prepare", "message"), [
    ("ckanext.datong.catalog.code_pattern = ^[1-3](\\d{5}/\\d{14}$", None,
     "ckanext.datong.catalog.code_pattern“^[1-3](\\d{5}/\\d{14}$”不是有效的正则表达式："
     "missing ), unterminated subpattern at position 6"),
    ("ckanext.datong.catalog.code_pattern = ", None, "ckanext.datong.catalog.code_pattern 为空"),
    ("ckanext.datong.catalog.vocabularies = {tmp}/missing.yaml", None,
     "ckanext.datong.catalog.vocabularies：词表文件 {tmp}/missing.yaml 无法读取："),
    ("ckanext.datong.catalog.vocabularies = ckanext.datong.nowhere:vocabularies.yaml", None,
     "ckanext.datong.catalog.vocabularies：词表文件 ckanext.datong.nowhere:vocabularies.yaml 无法读取："),
    ("ckanext.datong.catalog.vocabularies = {tmp}/broken.yaml",
     lambda path: path.write_text("classes: [1\ngrades: x\n", encoding="utf-8"),
     "ckanext.datong.catalog.vocabularies：词表文件 {tmp}/broken.yaml 不是有效的 YAML："),
    ("ckanext.datong.catalog.vocabularies = {tmp}/partial.yaml", _vocabularies_without_grades_and_a_value,
     "ckanext.datong.catalog.vocabularies：词表文件 {tmp}/partial.yaml 词表 themes 的第1项缺少 value；缺少词表 grades"),
])
def test_a_wrong_catalog_setting_stops_startup_naming_the_key(request, tmp_path, setting, prepare, message):
    """The code pattern and the vocabulary file are checked at start-up, not at first use."""
    if prepare:
        prepare(tmp_path / setting.rsplit("/", 1)[-1])
    setting, message = (text.replace("{tmp}", str(tmp_path)) for text in (setting, message))
    result = start_with(request.config.option.ckan_ini, tmp_path, BACKEND, f"{BACKEND}\n{setting}")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert message in output
    assert "Traceback" not in output


def test_a_copied_vocabulary_file_and_a_local_code_pattern_start(request, tmp_path):
    copy = tmp_path / "vocabularies.yaml"
    copy.write_text(VOCABULARIES.read_text(encoding="utf-8"), encoding="utf-8")
    settings = (f"{BACKEND}\nckanext.datong.catalog.vocabularies = {copy}\n"
                "ckanext.datong.catalog.code_pattern = ^[1-3]\\d{5,8}/\\d{10,14}$")
    result = start_with(request.config.option.ckan_ini, tmp_path, BACKEND, settings)
    assert result.returncode == 0, result.stdout + result.stderr
