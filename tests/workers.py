"""One CKAN per pytest-xdist worker (`make test` runs `pytest -n 2`): each worker's ini is the
ini given with --ckan-ini with its own CKAN and DataStore databases, Redis database, storage
path and site id (so its harvest queues, jobs and caches are its own), written beside it
(config/demo/ and %(here)s stay where the base ini finds them; git-ignored).

`python -m tests.workers INI COUNT` writes the inis of COUNT workers and prints their paths:
the Makefile creates their databases with `config/setup.sh database` before the run."""
from __future__ import annotations

import configparser
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DATABASE_URLS = ("sqlalchemy.url", "ckan.datastore.write_url", "ckan.datastore.read_url")
REDIS_DATABASES = 16  # Redis's default `databases`
# A worker's second CKAN (tests/harvest_remote) takes the worker's Redis database + 2.
REDIS_STRIDE = 4


def worker_ini(base: Path, worker: str) -> Path:
    """Write the ini of xdist worker `worker` ("gw0", "gw1", ...) derived from `base`; its path."""
    index = int(worker.removeprefix("gw"))
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    if not parser.read(base, encoding="utf-8"):
        raise FileNotFoundError(f"no CKAN ini at {base}")
    app = parser["app:main"]
    for key in DATABASE_URLS:
        url = urlsplit(app[key])
        app[key] = urlunsplit(url._replace(path=f"{url.path}_{worker}"))
    redis = urlsplit(app["ckan.redis.url"])
    database = int(redis.path.lstrip("/") or 0) + REDIS_STRIDE * (index + 1)
    if database + 2 >= REDIS_DATABASES:
        raise ValueError(f"{base}: Redis has {REDIS_DATABASES} databases, too few for worker {worker}"
                         f" (database {database}); run fewer workers or start from a lower one")
    app["ckan.redis.url"] = urlunsplit(redis._replace(path=f"/{database}"))
    app["ckan.storage_path"] = f"{app['ckan.storage_path']}-{worker}"
    app["ckan.site_id"] = f"{app['ckan.site_id']}_{worker}"
    target = base.resolve().with_name(f"{base.stem}-{worker}.ini")
    written = target.with_suffix(f".{os.getpid()}.tmp")  # replaced at once: a running worker may read it
    with written.open("w", encoding="utf-8") as out:
        out.write(f"# Written by tests/workers.py from {base.resolve()}: do not edit.\n")
        parser.write(out)
    written.replace(target)
    return target


if __name__ == "__main__":
    base_ini, count = Path(sys.argv[1]), int(sys.argv[2])
    for number in range(count):
        print(worker_ini(base_ini, f"gw{number}"))
