"""The suite's own database engine (tests/db_backend): a transactional test starts from the migrations' rows, as
Django's serialized rollback would give it, and a data migration can be run again on today's schema."""

import pytest
from django.conf import settings
from django.db import connection

from catalog.models import Category
from tests.db_backend.base import SNAPSHOT_SCHEMA
from tests.migrator import data_migration_rerun


def _counts(schema: str) -> dict[str, int]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            [schema],
        )
        tables = [name for (name,) in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {quote(schema)}.{quote(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _serialized(table: str) -> bool:
    """A table of a model (not PostGIS's own, not Django's migration records) of an app that is serialized."""
    return table in connection.introspection.django_table_names() and not any(
        table.startswith(f"{app}_") for app in settings.TEST_NON_SERIALIZED_APPS
    )


@pytest.mark.parametrize("run", [1, 2])  # the second starts after the first's flush
@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_starts_with_the_migrations_rows_and_nothing_more(run):
    kept = _counts(SNAPSHOT_SCHEMA)
    assert kept.get(Category._meta.db_table), "the migrations' categories were not kept"

    now = {table: n for table, n in _counts("public").items() if _serialized(table) and n}

    assert now == kept
    Category.objects.create(code=f"test-{run}", name_zh="测试", name_en="test")  # gone by the next test


@pytest.mark.django_db
def test_a_migration_that_changes_the_schema_is_not_run_again():
    with pytest.raises(AssertionError, match="changes the schema"):
        data_migration_rerun("payments", "0011_refund_timeline")
