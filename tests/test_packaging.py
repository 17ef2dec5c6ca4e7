"""The non-editable install (`pip install .`) ships and loads every part of the extension."""
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


def test_non_editable_install_loads_every_plugin_part(tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--target", str(target), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    package = target / "ckanext" / "datong"
    for shipped in ("migration/datong/alembic.ini", "config_declaration.yaml",
                    "templates/home/snippets/promoted.html", "templates/base.html"):
        assert (package / shipped).exists(), shipped
    env = {**os.environ, "PYTHONPATH": str(target), "PYTHONWARNINGS": "ignore"}
    result = subprocess.run([sys.executable, "-c", CHECK, str(target), str(ROOT / "config" / "test.ini")],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "loaded from " + str(target) in result.stdout
