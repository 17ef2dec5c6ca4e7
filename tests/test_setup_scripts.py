"""The set-up scripts on the real machine: `make` never overwrites an edited development ini,
config/setup.sh reads database URLs as CKAN does and quotes what it passes to PostgreSQL, and
a failing step shows why."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import pathlib
import re
import shutil
import subprocess
import uuid
from typing import Iterator

import pytest

ROOT = pathlib.Path(__file__).parents[1]


def make_development_ini(root: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-s", "config/development.ini"], cwd=root, capture_output=True,
                          text=True, timeout=120)


def test_make_never_overwrites_an_edited_development_ini(tmp_path):
    (tmp_path / "config").mkdir()
    shutil.copy(ROOT / "Makefile", tmp_path)
    for name in ("setup.sh", "development.ini.tmpl"):
        shutil.copy2(ROOT / "config" / name, tmp_path / "config")
    ini, template = tmp_path / "config" / "development.ini", tmp_path / "config" / "development.ini.tmpl"

    first = make_development_ini(tmp_path)
    assert first.returncode == 0, first.stderr
    secret = re.search(r"^SECRET_KEY = (\S+)$", ini.read_text(encoding="utf-8"), re.M)[1]
    assert secret != "@SECRET_KEY@" and len(secret) >= 40

    edited = ini.read_text(encoding="utf-8").replace("ckan.site_id = datong", "ckan.site_id = my_portal")
    ini.write_text(edited, encoding="utf-8")
    template.write_text(template.read_text(encoding="utf-8").replace(
        "ckanext.datong.search.backend = postgres",
        "ckanext.datong.search.backend = postgres\nckanext.datong.new_setting = 7"), encoding="utf-8")
    earlier = template.stat().st_mtime - 60
    os.utime(ini, (earlier, earlier))  # the template is newer, as after a `git pull`

    second = make_development_ini(tmp_path)
    assert second.returncode == 0, second.stderr
    assert ini.read_text(encoding="utf-8") == edited  # settings and secret key kept
    assert "+ [app:main] ckanext.datong.new_setting = 7" in second.stdout
    assert "~ [app:main] ckan.site_id: the template has “datong”, yours “my_portal”" in second.stdout
    assert "touch config/development.ini" in second.stdout
    assert "SECRET_KEY" not in second.stdout


# ------------------------------------------------------------------ database URLs


def superuser_sql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-XqtA", "-v", "ON_ERROR_STOP=1",
                           "-d", database, "-c", sql],
                          capture_output=True, text=True, check=True, timeout=60).stdout.strip()


def password_matches(stored: str, role: str, password: str) -> bool:
    """Whether pg_authid's `stored` verifier (SCRAM-SHA-256 or md5) is that of `password`."""
    if stored.startswith("md5"):
        return stored == "md5" + hashlib.md5((password + role).encode()).hexdigest()
    _, iterations_salt, keys = stored.split("$")
    iterations, salt = iterations_salt.split(":")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return base64.b64encode(hashlib.sha256(client_key).digest()).decode() == keys.split(":")[0]


@pytest.fixture
def throwaway() -> Iterator[dict[str, str]]:
    """Names of a role, a read-only role and two databases that exist only during the test."""
    tag = uuid.uuid4().hex[:8]
    names = {"owner": f"datong_setup_{tag}", "ro": f"datong_setup_ro_{tag}",
             "db": f"datong_setup_{tag}", "ds": f"datong_setup_ds_{tag}"}
    yield names
    for database in (names["db"], names["ds"]):
        superuser_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    for role in (names["ro"], names["owner"]):
        superuser_sql(f'DROP ROLE IF EXISTS "{role}"')


def setup_database(request, tmp_path: pathlib.Path, urls: dict[str, str],
                   storage: pathlib.Path | None = None) -> subprocess.CompletedProcess:
    """config/setup.sh database on the run's ini with `urls` (written as in an ini file: % as %%)."""
    text = pathlib.Path(request.config.option.ckan_ini).read_text(encoding="utf-8")
    for key, url in urls.items():
        text, replaced = re.subn(rf"^{re.escape(key)} = .*$", lambda _: f"{key} = {url}", text, flags=re.M)
        assert replaced == 1
    text = re.sub(r"^ckan.storage_path = .*$", f"ckan.storage_path = {storage or tmp_path / 'storage'}", text,
                  flags=re.M)
    ini = tmp_path / "setup.ini"
    ini.write_text(text, encoding="utf-8")
    return subprocess.run([str(ROOT / "config" / "setup.sh"), "database", str(ini)], capture_output=True,
                          text=True, timeout=600, env={**os.environ, "PYTHONWARNINGS": "ignore"})


def stored_password(role: str) -> str:
    return superuser_sql(f"SELECT coalesce(rolpassword, 'NULL') FROM pg_authid WHERE rolname = '{role}'")


def test_setup_reads_database_urls_as_ckan_does(request, tmp_path, throwaway):
    """Passwords with a space, quotes, $ and a backslash as written, and percent-encoded ones
    (only where CKAN's migrations do not read the URL), reach PostgreSQL intact."""
    owner, ro, db, ds = throwaway["owner"], throwaway["ro"], throwaway["db"], throwaway["ds"]
    password = "my pass'word\"$HOME\\"
    result = setup_database(request, tmp_path, {
        "sqlalchemy.url": f"postgresql://{owner}:{password}@127.0.0.1:5432/{db}",
        "ckan.datastore.write_url": f"postgresql://{owner}:{password}@127.0.0.1:5432/{ds}",
        "ckan.datastore.read_url": f"postgresql://{ro}:r%%40o%%20pw'$1@127.0.0.1:5432/{ds}",
    })
    assert result.returncode == 0, result.stdout + result.stderr
    assert password_matches(stored_password(owner), owner, password)
    assert password_matches(stored_password(ro), ro, "r@o pw'$1")
    assert superuser_sql(f"SELECT datname, pg_get_userbyid(datdba) FROM pg_database "
                         f"WHERE datname IN ('{db}', '{ds}') ORDER BY datname") == f"{db}|{owner}\n{ds}|{owner}"
    assert superuser_sql("SELECT count(*) FROM pg_tables WHERE tablename = 'package'", db) == "1"  # migrated
    assert superuser_sql(f"SELECT has_database_privilege('{ro}', '{ds}', 'CONNECT')") == "t"


def test_a_percent_in_ckans_own_url_is_refused_with_the_reason(request, tmp_path, throwaway):
    owner, db = throwaway["owner"], throwaway["db"]
    result = setup_database(request, tmp_path, {
        "sqlalchemy.url": f"postgresql://{owner}:a%%40b@127.0.0.1:5432/{db}"})
    assert result.returncode != 0
    assert "holds a percent-encoded character: CKAN's migrations (alembic) cannot use such a URL" in result.stderr
    assert stored_password(owner) == ""  # nothing created


def test_a_role_without_password_and_a_failing_step_with_its_reason(request, tmp_path, throwaway):
    owner, ro, db, ds = throwaway["owner"], throwaway["ro"], throwaway["db"], throwaway["ds"]
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    result = setup_database(request, tmp_path, {
        "sqlalchemy.url": f"postgresql://{owner}:pw@127.0.0.1:5432/{db}",
        "ckan.datastore.write_url": f"postgresql://{owner}:pw@127.0.0.1:5432/{ds}",
        "ckan.datastore.read_url": f"postgresql://{ro}@127.0.0.1:5432/{ds}",
    }, storage=blocker / "storage")
    assert stored_password(ro) == "NULL"  # no password in its URL: none set (peer or trust login)
    assert superuser_sql(f"SELECT has_database_privilege('{ro}', '{ds}', 'CONNECT')") == "t"
    assert result.returncode != 0
    assert "ERROR: ckan translation js failed" in result.stderr
    assert "Not a directory" in result.stderr  # the reason, from the failing command's own output
