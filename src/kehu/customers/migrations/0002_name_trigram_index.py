"""A trigram index so name search (``icontains``) stays fast at a million customers on PostgreSQL.

Django's ``icontains`` on PostgreSQL is ``UPPER(display_name::text) LIKE UPPER('%…%')``, so the
index is on that expression. SQLite has no equivalent; there the name index plus LIKE suffices.
Creating the extension needs privileges a hosted database may not grant: then the migration
warns and goes on (search still works, only slower).
"""

import logging

from django.db import migrations, transaction

log = logging.getLogger(__name__)

INDEX = "customer_name_trgm"


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {INDEX} ON customers_customer "
                "USING gin ((UPPER(display_name::text)) gin_trgm_ops)"
            )
    except Exception as exc:  # noqa: BLE001 - optional speed-up, never a reason to fail a migrate
        log.warning("pg_trgm name index not created (%s); name search will scan.", exc)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
