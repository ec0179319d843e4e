"""The suite's own database engine (tests/db_backend) gives a transactional test the migrations' rows, as Django's
serialized rollback would; and a data migration can be run again on today's schema (tests/migrator.py)."""

import pytest
from django.core.management import call_command
from django.db import connection

from catalog.models import Category
from tests.db_backend.base import SNAPSHOT_SCHEMA
from tests.migrator import data_migration_rerun


def _differences(tables: list[str]) -> dict[str, tuple[int, int]]:
    """Per table, the rows only in the table and the rows only in its copy (tables that differ only)."""
    quote = connection.ops.quote_name
    found = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT (SELECT count(*) FROM (TABLE {quote(table)} EXCEPT TABLE {SNAPSHOT_SCHEMA}.{quote(table)}) a),"
                f" (SELECT count(*) FROM (TABLE {SNAPSHOT_SCHEMA}.{quote(table)} EXCEPT TABLE {quote(table)}) b)"
            )
            extra, missing = cursor.fetchone()
            if extra or missing:
                found[table] = (extra, missing)
    return found


def _copied() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [SNAPSHOT_SCHEMA])
        return sorted(name for (name,) in cursor.fetchall())


def _rows(tables: list[str]) -> dict[str, int]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {quote(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.django_db(transaction=True)
def test_after_a_flush_the_reload_gives_back_exactly_the_migrations_rows():
    serialized = connection.creation.serialized_tables()
    copied = _copied()
    assert Category._meta.db_table in copied and set(copied) <= set(serialized)
    # given a row added and one changed after the reload, then a flush as a transactional test ends with
    Category.objects.create(code="test-added", name_zh="测试", name_en="test")
    Category.objects.filter(pk=Category.objects.order_by("pk").values("pk")[:1]).update(name_en="changed")
    # as TransactionTestCase calls it (manage.py flush's default would also restart every sequence)
    call_command("flush", interactive=False, verbosity=0, reset_sequences=False, inhibit_post_migrate=True)
    assert not any(_rows(serialized).values())

    # when the next transactional test starts
    connection.creation.deserialize_db_from_string(connection._test_serialized_contents)

    # then the copied tables hold exactly the copies, row for row, and the others nothing
    assert _differences(copied) == {}
    assert not any(_rows(sorted(set(serialized) - set(copied))).values())


@pytest.mark.django_db(transaction=True)
def test_a_reload_without_a_flush_before_it_still_gives_back_exactly_the_migrations_rows():
    # given the migrations' rows with one added and one changed, and no flush (the first transactional test of a
    # run finds the rows the plain tests before it rolled back to)
    Category.objects.create(code="test-added", name_zh="测试", name_en="test")
    Category.objects.filter(pk=Category.objects.order_by("pk").values("pk")[:1]).update(name_en="changed")

    connection.creation.deserialize_db_from_string(connection._test_serialized_contents)

    assert _differences(_copied()) == {}


@pytest.mark.django_db
def test_a_migration_that_changes_the_schema_is_not_run_again():
    with pytest.raises(AssertionError, match="changes the schema"):
        data_migration_rerun("payments", "0011_refund_timeline")
