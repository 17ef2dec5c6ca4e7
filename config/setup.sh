#!/usr/bin/env bash
# Set up what the portal needs on a Debian/Ubuntu machine, one step at a time.
#   config/setup.sh services          install (if absent) and start PostgreSQL and Redis
#   config/setup.sh venv              create .venv and install the extension with its pinned deps
#   config/setup.sh browser           install Debian's chromium (and a Chinese font) for the browser tests
#   config/setup.sh database INI      create roles and databases named in INI, migrate them,
#                                     build the script translations
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

# Print "user password database" for a database URL key of the [app:main] section of INI.
db_parts() { .venv/bin/python - "$1" "$2" <<'PY'
import configparser, sys
from urllib.parse import urlsplit, unquote
parser = configparser.ConfigParser(interpolation=None)
parser.read(sys.argv[1])
url = urlsplit(parser["app:main"][sys.argv[2]])
print(unquote(url.username or ""), unquote(url.password or ""), url.path.lstrip("/"))
PY
}

psql_admin() { as_postgres psql -v ON_ERROR_STOP=1 -qtA "$@"; }

ensure_role() {  # name password
  if [ -z "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$1'")" ]; then
    step "creating PostgreSQL role $1"
    psql_admin -c "CREATE ROLE \"$1\" LOGIN PASSWORD '$2'" || fail "could not create role $1"
  fi
}

ensure_database() {  # name owner
  if [ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$1'")" ]; then
    step "creating database $1 (owner $2, UTF-8)"
    psql_admin -c "CREATE DATABASE \"$1\" OWNER \"$2\" ENCODING 'UTF8' TEMPLATE template0" \
      || fail "could not create database $1"
  fi
}

database() {
  local ini=$1 user password name ro_user ro_password ds_name
  [ -f "$ini" ] || fail "configuration file $ini does not exist"
  read -r user password name <<<"$(db_parts "$ini" sqlalchemy.url)"
  read -r _ _ ds_name <<<"$(db_parts "$ini" ckan.datastore.write_url)"
  read -r ro_user ro_password _ <<<"$(db_parts "$ini" ckan.datastore.read_url)"
  ensure_role "$user" "$password"
  ensure_role "$ro_user" "$ro_password"
  ensure_database "$name" "$user"
  ensure_database "$ds_name" "$user"
  step "migrating $name (CKAN core and every enabled plugin)"
  .venv/bin/ckan -c "$ini" db init >/dev/null || fail "ckan db init failed for $name"
  step "granting the DataStore read-only role $ro_user on $ds_name"
  .venv/bin/ckan -c "$ini" datastore set-permissions 2>/dev/null | psql_admin -d "$ds_name" >/dev/null \
    || fail "could not set DataStore permissions on $ds_name"
  step "building the translations of CKAN's page scripts (into ckan.storage_path)"
  .venv/bin/ckan -c "$ini" translation js >/dev/null 2>&1 || fail "ckan translation js failed for $ini"
}

case "${1:-}" in
  services) services ;;
  venv) venv ;;
  browser) browser ;;
  database) database "${2:?usage: setup.sh database INI}" ;;
  *) fail "usage: config/setup.sh services|venv|browser|database INI" ;;
esac
