#!/usr/bin/env bash
# Back up the database at DATABASE_URL into FILE (default: backups/htg-<UTC time>.dump), in pg_dump's custom
# format (compressed; pg_restore can restore one table from it). The dump is written beside its name first, read
# back with pg_restore --list, and only then given its name: a file with the name is a whole backup.
#
#   DATABASE_URL=postgres://user@host:5432/htg deploy/backup.sh [FILE]
#
# PG_BIN names the folder of pg_dump/pg_restore when those on PATH are older than the server (pg_dump must be at
# least the server's version). docs/operations.md has the whole procedure.
set -euo pipefail
: "${DATABASE_URL:?Set DATABASE_URL to the database to back up.}"
bin="${PG_BIN:+${PG_BIN%/}/}"
file="${1:-backups/htg-$(date -u +%Y%m%dT%H%M%SZ).dump}"
mkdir -p "$(dirname "$file")"
partial="$file.partial"
trap 'rm -f "$partial"' EXIT
"${bin}pg_dump" --format=custom --no-owner --no-privileges --file="$partial" "$DATABASE_URL"
"${bin}pg_restore" --list "$partial" >/dev/null
mv "$partial" "$file"
echo "$file"
