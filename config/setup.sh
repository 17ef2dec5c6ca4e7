#!/usr/bin/env bash
# Set up what the portal needs on a Debian/Ubuntu machine, one step at a time.
#   config/setup.sh services          install (if absent) and start PostgreSQL and Redis
#   config/setup.sh venv              create .venv and install the extension with its pinned deps
#   config/setup.sh browser           install Debian's chromium (and a Chinese font) for the browser tests
#   config/setup.sh database INI      create roles and databases named in INI, migrate them,
#                                     build the script translations
#   config/setup.sh ini TEMPLATE INI  write INI from TEMPLATE with a new secret key; an existing
#                                     INI is never overwritten: when TEMPLATE is newer, the
#                                     settings that differ are listed and INI is kept
# Every step says what it does; a failing step says which one and why, and exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '==> %s\n' "$*"; }
fail() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

apt_install() {
  command -v apt-get >/dev/null || fail "$* missing and apt-get is not available: install $* by hand"
  step "installing $* with apt-get"
  if [ ! -f /var/lib/apt/periodic/datong-updated ]; then
    apt-get update -qq || fail "apt-get update failed"
    mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/datong-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || fail "apt-get install $* failed"
}

as_postgres() { runuser -u postgres -- "$@"; }

start_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432; then step "PostgreSQL is running"; return; fi
  step "starting PostgreSQL"
  local version
  version=$(ls /etc/postgresql | sort -n | tail -1)
  [ -n "$version" ] || fail "PostgreSQL is installed but has no cluster in /etc/postgresql"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
    || pg_ctlcluster "$version" main start \
    || fail "PostgreSQL is not running and could not be started: see /var/log/postgresql/"
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return; sleep 1; done
  fail "PostgreSQL was started but does not answer on 127.0.0.1:5432"
}

start_redis() {
  if redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then step "Redis is running"; return; fi
  step "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/datong.log \
    || fail "Redis is not running and could not be started: see /var/log/redis/datong.log"
  for _ in $(seq 20); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && return; sleep 0.5; done
  fail "Redis was started but does not answer on 127.0.0.1:6379"
}

services() {
  local missing=()
  command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ -f /usr/include/postgresql/libpq-fe.h ] || missing+=(libpq-dev)
  command -v gcc >/dev/null || missing+=(gcc)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
  start_postgres
  start_redis
}

python_bin() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      echo "$candidate"; return
    fi
  done
  fail "Python 3.11 is required (CKAN 2.11 and the pinned dependencies): install python3.11 and python3.11-venv"
}

venv() {
  local stamp=.venv/.installed-$(sha1sum setup.py | cut -c1-12)
  if [ ! -x .venv/bin/python ]; then
    step "creating .venv"
    "$(python_bin)" -m venv .venv || { apt_install python3-venv python3-dev; "$(python_bin)" -m venv .venv; }
  fi
  if [ ! -f "$stamp" ]; then
    step "installing ckanext-datong and its pinned dependencies (first run: about two minutes)"
    .venv/bin/pip install -q --upgrade 'pip==25.3' 'setuptools==75.8.0' wheel || fail "could not upgrade pip"
    .venv/bin/pip install -q --config-settings editable_mode=strict -e '.[test]' \
      || fail "pip install of the extension failed (see the lines above)"
    rm -f .venv/.installed-* && touch "$stamp"
  else
    # Strict editable mode links files one by one: refresh the links for files added since.
    .venv/bin/pip install -q --no-deps --config-settings editable_mode=strict -e . >/dev/null \
      || fail "pip could not refresh the editable install"
    step "virtualenv is up to date"
  fi
}

browser() {
  command -v chromium >/dev/null || apt_install chromium
  # a Chinese font, so the browser tests' screenshots show text instead of empty boxes
  fc-list :lang=zh 2>/dev/null | grep -q . || apt_install fonts-wqy-microhei
  step "chromium: $(chromium --version 2>/dev/null | head -1)"
}

# The user, password and database of the database URL `key` of INI, one a line, read as CKAN
# reads them: the ini through CKAN's own loader (%% for %, %(here)s), the URL by SQLAlchemy's
# make_url (user and password percent-decoded; no password: an empty line). An unusable URL
# stops with the reason.
db_parts() { .venv/bin/python - "$1" "$2" <<'PY'
import sys
from ckan.cli import CKANConfigLoader
from sqlalchemy.engine import make_url
ini, key = sys.argv[1:]
try:
    value = CKANConfigLoader(ini).get_config().get(key) or ""
    url = make_url(value)
except Exception as error:
    sys.exit(f"{key} in {ini} cannot be read: {error}")
if key == "sqlalchemy.url" and "%" in value:
    sys.exit(f"{key} in {ini} holds a percent-encoded character: CKAN's migrations (alembic) cannot "
             "use such a URL, so give this role a password without % or @")
parts = [url.username or "", url.password or "", url.database or ""]
if not parts[0] or not parts[2]:
    sys.exit(f"{key} in {ini} must name a user and a database: {url.render_as_string(hide_password=True)}")
if any("\n" in part for part in parts):
    sys.exit(f"{key} in {ini}: a line break in a user, password or database name is not supported")
print("\n".join(parts))
PY
}

# psql as the superuser; statements come on stdin, where :'var' and :"var" quote the values
# given with -v var=... as a literal and an identifier (any quote, $ or space is safe).
psql_admin() { as_postgres psql -X -v ON_ERROR_STOP=1 -qtA "$@"; }

# Run a step's command with its output held back: on success its stdout is passed on (to a
# pipe or a redirection), on failure everything it printed (stdout and stderr) is shown.
quiet() {
  local out err status=0
  out=$(mktemp) err=$(mktemp)
  "$@" >"$out" 2>"$err" || status=$?
  if [ "$status" -eq 0 ]; then cat "$out"; else cat "$out" "$err" >&2; fi
  rm -f "$out" "$err"
  return "$status"
}

ensure_role() {  # name password (empty: a role without a password)
  if [ -z "$(psql_admin -v name="$1" <<<"SELECT 1 FROM pg_roles WHERE rolname = :'name'")" ]; then
    step "creating PostgreSQL role $1"
    if [ -n "$2" ]; then
      psql_admin -v name="$1" -v password="$2" <<<"CREATE ROLE :\"name\" LOGIN PASSWORD :'password'"
    else
      psql_admin -v name="$1" <<<"CREATE ROLE :\"name\" LOGIN"
    fi || fail "could not create role $1"
  fi
}

ensure_database() {  # name owner
  if [ -z "$(psql_admin -v name="$1" <<<"SELECT 1 FROM pg_database WHERE datname = :'name'")" ]; then
    step "creating database $1 (owner $2, UTF-8)"
    psql_admin -v name="$1" -v owner="$2" \
      <<<"CREATE DATABASE :\"name\" OWNER :\"owner\" ENCODING 'UTF8' TEMPLATE template0" \
      || fail "could not create database $1"
  fi
}

database() {
  local ini=$1 parts user password name ro_user ro_password ds_name
  [ -f "$ini" ] || fail "configuration file $ini does not exist"
  parts=$(db_parts "$ini" sqlalchemy.url) || fail "the database URLs of $ini cannot be used"
  { IFS= read -r user; IFS= read -r password; IFS= read -r name; } <<<"$parts"
  parts=$(db_parts "$ini" ckan.datastore.write_url) || fail "the database URLs of $ini cannot be used"
  { IFS= read -r _; IFS= read -r _; IFS= read -r ds_name; } <<<"$parts"
  parts=$(db_parts "$ini" ckan.datastore.read_url) || fail "the database URLs of $ini cannot be used"
  { IFS= read -r ro_user; IFS= read -r ro_password; } <<<"$parts"
  ensure_role "$user" "$password"
  ensure_role "$ro_user" "$ro_password"
  ensure_database "$name" "$user"
  ensure_database "$ds_name" "$user"
  step "migrating $name (CKAN core and every enabled plugin)"
  quiet .venv/bin/ckan -c "$ini" db init >/dev/null || fail "ckan db init failed for $name (its output is above)"
  step "granting the DataStore read-only role $ro_user on $ds_name"
  quiet .venv/bin/ckan -c "$ini" datastore set-permissions | psql_admin -d "$ds_name" >/dev/null \
    || fail "could not set DataStore permissions on $ds_name (the reason is above)"
  step "building the translations of CKAN's page scripts (into ckan.storage_path)"
  quiet .venv/bin/ckan -c "$ini" translation js >/dev/null \
    || fail "ckan translation js failed for $ini (its output is above)"
}

ini() {  # template ini
  local template=$1 ini=$2 secret
  [ -f "$template" ] || fail "template $template does not exist"
  if [ ! -e "$ini" ]; then
    step "writing $ini with a new secret key"
    secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))') || fail "python3 is required"
    sed "s|@SECRET_KEY@|$secret|" "$template" >"$ini.tmp" && mv "$ini.tmp" "$ini" || fail "could not write $ini"
    return
  fi
  [ "$template" -nt "$ini" ] || return 0
  step "$template changed after $ini was written: $ini is kept as it is (settings, secret key)"
  python3 - "$template" "$ini" <<'PY' || fail "could not compare $ini with $template"
import re, sys

SETTING = re.compile(r"^(#\s*)?([A-Za-z_][\w.\-]*)\s*=\s?(.*)$")

def settings(path):
    """{(section, key): (value, commented)} of an ini file, commented-out settings included."""
    found, section = {}, ""
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("["):
            section = line.strip()
        elif match := SETTING.match(line):
            key, commented = (section, match[2]), bool(match[1])
            if key not in found or not commented:  # a set value wins over a commented one
                found[key] = (match[3].strip(), commented)
    return found

template, yours = settings(sys.argv[1]), settings(sys.argv[2])
lines = []
for (section, key), (value, commented) in template.items():
    if (section, key) not in yours:
        lines.append(f"  + {section} {key} = {value}" + ("  (commented out in the template)" if commented else ""))
    elif not commented and not yours[(section, key)][1] and "@SECRET_KEY@" not in value \
            and yours[(section, key)][0] != value:
        lines.append(f"  ~ {section} {key}: the template has “{value}”, yours “{yours[(section, key)][0]}”")
lines += [f"  - {section} {key} (yours only: not in the template)"
          for (section, key), (_, commented) in yours.items() if not commented and (section, key) not in template]
print("\n".join(lines) if lines else "  no setting differs (only comments or layout changed)")
PY
  printf '    see all changes: diff -u %s %s\n' "$ini" "$template"
  printf '    merge what you need by hand, then `touch %s` to stop this notice\n' "$ini"
}

case "${1:-}" in
  services) services ;;
  venv) venv ;;
  browser) browser ;;
  database) database "${2:?usage: setup.sh database INI}" ;;
  ini) ini "${2:?usage: setup.sh ini TEMPLATE INI}" "${3:?usage: setup.sh ini TEMPLATE INI}" ;;
  *) fail "usage: config/setup.sh services|venv|browser|database INI|ini TEMPLATE INI" ;;
esac
