#!/usr/bin/env bash
# Creates the portal's roles and databases. The postgres image runs this once, when its data
# volume is empty (/docker-entrypoint-initdb.d), as the superuser.
#   ckan          owns the CKAN database and the DataStore database (CKAN's write user)
#   datastore_ro  the DataStore's read-only user; its grants come from CKAN itself, with
#                 `ckan datastore set-permissions` (docker/README.md, first start)
# Passwords arrive as psql variables, so no quoting of their characters is needed here.
set -euo pipefail

psql --set ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  --set ckan_password="$CKAN_DB_PASSWORD" \
  --set ro_password="$DATASTORE_RO_PASSWORD" <<'SQL'
CREATE ROLE ckan LOGIN PASSWORD :'ckan_password';
CREATE ROLE datastore_ro LOGIN PASSWORD :'ro_password';
CREATE DATABASE ckan OWNER ckan ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE datastore OWNER ckan ENCODING 'UTF8' TEMPLATE template0;
SQL
