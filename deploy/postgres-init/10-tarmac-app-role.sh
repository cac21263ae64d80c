#!/bin/sh
# Run by the postgres image once, when it initialises its volume: creates the
# least-privilege role the control plane connects as (docs/database-roles.md). The
# control plane, given the owner's URL too, grants it its privileges at every start.
set -eu
psql -v ON_ERROR_STOP=1 -v app_password="$TARMAC_APP_DB_PASSWORD" --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE tarmac_app LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
REVOKE ALL ON DATABASE :"DBNAME" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"DBNAME" TO tarmac_app;
SQL
