#!/bin/sh
# Run once by the postgres image when it initialises its volume (docker-entrypoint-initdb.d): the
# runtime login of Herald's API and workers, which can be nothing but herald_app (docs/tenancy.md).
# `herald migrate` (as the image's superuser) then adopts the role and grants it what it needs.
set -eu
psql -v ON_ERROR_STOP=1 -v password="$HERALD_APP_PASSWORD" --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
create role herald_app login password :'password';
SQL
