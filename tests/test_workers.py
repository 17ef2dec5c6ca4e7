"""Each pytest-xdist worker's ini (tests/workers.py) names its own databases, Redis database,
storage path and site id, and so does the second CKAN tests/harvest_remote derives from it;
every other setting is the base ini's."""
from __future__ import annotations

import configparser
from pathlib import Path

from tests.harvest_remote.conftest import remote_ini
from tests.workers import worker_ini

BASE = Path(__file__).resolve().parents[1] / "config" / "test.ini"
OWN = {"sqlalchemy.url", "ckan.datastore.write_url", "ckan.datastore.read_url", "ckan.redis.url",
       "ckan.storage_path", "ckan.site_id"}


def settings(ini: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(ini, encoding="utf-8")
    return dict(parser["app:main"])


def test_workers_share_no_database_queue_or_folder(tmp_path):
    base = settings(BASE)
    workers = [worker_ini(BASE, f"gw{index}") for index in range(2)]
    remotes = [remote_ini(ini, tmp_path / f"remote-{ini.stem}.ini", 5000) for ini in workers]
    sites = [base] + [settings(ini) for ini in workers + remotes]
    for key in OWN:
        values = [site[key] for site in sites]
        assert len(set(values)) == len(values), (key, values)


def test_workers_keep_every_other_setting():
    base = settings(BASE)
    for index in range(2):
        ini = worker_ini(BASE, f"gw{index}")
        assert ini.parent == BASE.parent  # config/demo/ and %(here)s are found beside the ini
        worker = settings(ini)
        assert worker.keys() == base.keys()
        assert {key: worker[key] for key in base.keys() - OWN} == {key: base[key] for key in base.keys() - OWN}
