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
