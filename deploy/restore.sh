#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh into an EMPTY database (create it first: createdb, or CREATE DATABASE).
# It refuses a database that already has tables, so it never mixes a backup into live data. One transaction: a
# restore that fails leaves the database as empty as it was.
#
#   deploy/restore.sh FILE postgres://user@host:5432/htg_restored
#
# Then point the app at it (DATABASE_URL) and run `manage.py migrate` (a no-op when the code is the backup's).
set -euo pipefail
file="${1:?Give the backup file.}"
target="${2:?Give the URL of the empty database to restore into.}"
bin="${PG_BIN:+${PG_BIN%/}/}"
tables="$("${bin}psql" --no-psqlrc --tuples-only --no-align --dbname="$target" \
  --command="SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
if [ "$tables" != "0" ]; then
  echo "Refused: the target database has $tables tables. Restore into an empty database." >&2
  exit 2
fi
"${bin}pg_restore" --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$target" "$file"
echo "Restored $file"
