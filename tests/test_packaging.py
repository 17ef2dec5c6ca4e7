"""The non-editable install (`pip install .`) ships and loads every part of the extension, and
the core plugin loads without ckanext-harvest (the harvesters depend on the core, never the
reverse)."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).parent.parent

CHECK = """
import os, sys
import ckanext.datong, ckanext.datong.schemas, ckanext.datong.harvesters
from ckan.cli import load_config
from ckan.config.middleware import make_app
from ckan import plugins
from ckan.cli.db import _resolve_alembic_config

target = sys.argv[1]
make_app(load_config(sys.argv[2]))
plugin = plugins.get_plugin("datong")
assert type(plugin).__module__ == "ckanext.datong.plugin"
for module in (ckanext.datong, ckanext.datong.schemas, ckanext.datong.harvesters,
               sys.modules[type(plugin).__module__]):
    assert module.__file__.startswith(target), module.__file__
alembic_ini = _resolve_alembic_config("datong")
assert alembic_ini.startswith(target) and os.path.exists(alembic_ini), alembic_ini
versions = os.path.join(os.path.dirname(alembic_ini), "versions")
assert any(name.endswith(".py") for name in os.listdir(versions))
assert os.path.exists(os.path.join(os.path.dirname(ckanext.datong.__file__), "config_declaration.yaml"))
print("loaded from", os.path.dirname(ckanext.datong.__file__))
"""


def test_non_editable_install_loads_every_plugin_part(request, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--target", str(target), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    package = target / "ckanext" / "datong"
    for shipped in ("migration/datong/alembic.ini", "config_declaration.yaml",
                    "templates/home/index.html", "templates/base.html",
                    "assets/webassets.yml", "assets/css/frame.css",
                    "harvesters/templates/harvest/overview.html"):
        assert (package / shipped).exists(), shipped
    env = {**os.environ, "PYTHONPATH": str(target), "PYTHONWARNINGS": "ignore"}
    result = subprocess.run([sys.executable, "-c", CHECK, str(target), request.config.option.ckan_ini],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "loaded from " + str(target) in result.stdout


WITHOUT_HARVEST = """
import importlib.abc, sys

class NoHarvest(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "ckanext.harvest" or name.startswith("ckanext.harvest."):
            raise ImportError("ckanext-harvest is not installed")

sys.meta_path.insert(0, NoHarvest())
from ckan.cli import load_config
from ckan.config.middleware import make_app
from werkzeug.test import Client

client = Client(make_app(load_config(sys.argv[1])))
for page in ("/", "/dataset/", "/organization/"):
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
loaded = sorted(name for name in sys.modules if name.startswith("ckanext.harvest"))
assert not loaded, loaded
print("core without harvest: ok")
"""


def test_core_plugin_loads_without_ckanext_harvest(request, tmp_path):
    ini = tmp_path / "core.ini"
    source = pathlib.Path(request.config.option.ckan_ini).read_text(encoding="utf-8")
    harvest_plugins = {"harvest", "datong_harvest", "datong_json", "datong_table", "datong_ckan",
                       "datong_dcat"}
    lines = []
    for line in source.splitlines():
        if line.startswith("ckan.plugins"):
            kept = [name for name in line.split("=", 1)[1].split() if name not in harvest_plugins]
            line = "ckan.plugins = " + " ".join(kept)
        lines.append(line)
    ini.write_text("\n".join(lines), encoding="utf-8")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    result = subprocess.run([sys.executable, "-c", WITHOUT_HARVEST, str(ini)],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "core without harvest: ok" in result.stdout
