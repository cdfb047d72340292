"""On PostgreSQL, refuse UPDATE of any audit row and DELETE of one younger than six years.

The app already refuses both; this also stops raw SQL. Six years is a floor:
the retention job may keep rows longer (PEERLINK_AUDIT_RETENTION_YEARS), never
purge them sooner. TRUNCATE (a test database being emptied) is not a row change.
"""

from django.db import migrations

TABLES = {"audit_staffread": "at", "audit_disclosure": "first_visible_at"}

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit rows cannot be changed';
    END IF;
    IF (to_jsonb(OLD) ->> TG_ARGV[0])::timestamptz > now() - interval '6 years' THEN
        RAISE EXCEPTION 'audit rows are kept for six years';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION)
    for table, time_column in TABLES.items():
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION audit_refuse_change('{time_column}')"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS audit_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_staff_reads_and_disclosures")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
