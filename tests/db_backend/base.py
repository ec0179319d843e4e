"""The test suite's database engine (``chefu.settings.test``): Chefu's own (``chefu.db.postgis``) with a transactional
test's reset done in SQL.

A transactional test ends with a flush and, with serialized rollback (every one here: tests/conftest.py), the next
starts by loading again what the migrations wrote. Django does both generically: the flush truncates every table
(about 0.75 s for Chefu's, each TRUNCATE a new file per table and index), and the reload saves each serialized
object through the ORM (about 1.3 s for 280 KB of JSON). Here:

- *serialize* copies each table that holds rows after the migrations into a schema of its own, ``test_snapshot``,
  once per test database;
- *deserialize* copies them back, one ``INSERT ... SELECT`` per table; a row already there stays (the first
  transactional test of a run finds the migrations' rows in place, as the plain tests rolled back to them);
- the flush deletes the rows rather than truncating the tables.

Both write with ``session_replication_role = replica``, which sets the foreign keys' and the tables' own triggers
aside for the transaction (rows go in and out in any order; a trigger that keeps published rows as published would
refuse the delete), so the test role must be a superuser: scripts/setup.sh makes it one. The tables copied are the
ones Django would serialize: the models of the apps with migrations, less ``TEST_NON_SERIALIZED_APPS``.
"""

import contextlib
from collections.abc import Iterator

from django.apps import apps
from django.conf import settings
from django.db import router, transaction

from chefu.db.postgis.base import DatabaseWrapper as ChefuDatabaseWrapper

SNAPSHOT_SCHEMA = "test_snapshot"
_REPLICA_ROLE = "SET LOCAL session_replication_role = replica"


@contextlib.contextmanager
def _replica_role(connection) -> Iterator[None]:
    """A transaction with ``session_replication_role = replica``: foreign keys and triggers set aside."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(_REPLICA_ROLE)
        yield


class DatabaseCreation(ChefuDatabaseWrapper.creation_class):
    def _serialized_tables(self) -> list[str]:
        skipped = set(getattr(settings, "TEST_NON_SERIALIZED_APPS", ()))
        tables = []
        for config in apps.get_app_configs():
            if config.label in skipped or config.models_module is None:
                continue
            for model in config.get_models(include_auto_created=True):
                meta = model._meta
                if meta.managed and not meta.proxy and router.allow_migrate_model(self.connection.alias, model):
                    tables.append(meta.db_table)
        return sorted(set(tables) & set(self.connection.introspection.table_names()))

    def serialize_db_to_string(self) -> str:
        """Copy the tables that hold rows into ``test_snapshot``; what is returned only names them (Django keeps it
        and hands it back to :meth:`deserialize_db_from_string`)."""
        quote = self.connection.ops.quote_name
        copied = []
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE")
            cursor.execute(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}")
            for table in self._serialized_tables():
                cursor.execute(f"SELECT EXISTS (SELECT FROM {quote(table)})")
                if not cursor.fetchone()[0]:
                    continue
                cursor.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                    "AND table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
                    [table],
                )
                columns = ", ".join(quote(name) for (name,) in cursor.fetchall())
                cursor.execute(f"CREATE TABLE {SNAPSHOT_SCHEMA}.{quote(table)} AS SELECT {columns} FROM {quote(table)}")
                copied.append(f"{table}:{columns}")
        return "\n".join(copied)

    def deserialize_db_from_string(self, data: str) -> None:
        quote = self.connection.ops.quote_name
        with self.connection.cursor() as cursor, _replica_role(self.connection):
            for line in filter(None, data.split("\n")):
                table, columns = line.split(":", 1)
                cursor.execute(
                    f"INSERT INTO {quote(table)} ({columns}) "
                    f"SELECT {columns} FROM {SNAPSHOT_SCHEMA}.{quote(table)} ON CONFLICT DO NOTHING"
                )


class DatabaseOperations(ChefuDatabaseWrapper.ops_class):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        """Delete every row rather than truncate (see the module). With ``reset_sequences`` (a test that asks for
        its ids from 1), PostgreSQL's TRUNCATE ... RESTART IDENTITY as Django writes it."""
        if reset_sequences or not tables:
            return super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        quote = self.quote_name
        return [_REPLICA_ROLE] + [f"DELETE FROM {quote(t)}" for t in tables]


class DatabaseWrapper(ChefuDatabaseWrapper):
    creation_class = DatabaseCreation
    ops_class = DatabaseOperations
