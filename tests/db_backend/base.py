"""The suite's database engine (``chefu.settings.test``): ``chefu.db.postgis`` with a transactional test's reset done
in SQL. The rows the migrations wrote are copied once into the schema ``test_snapshot`` (*serialize*), the flush
deletes every table's rows instead of truncating the tables, and the reload (*deserialize*) puts the copied rows back,
one ``INSERT ... SELECT`` a table, foreign keys checked at commit. The deletes set foreign keys and triggers aside
(``session_replication_role``), so the test role is a superuser, as scripts/setup.sh makes it.
"""

from django.apps import apps
from django.conf import settings
from django.db import router, transaction
from django.db.migrations.loader import MigrationLoader

from chefu.db.postgis.base import DatabaseWrapper as ChefuDatabaseWrapper

SNAPSHOT_SCHEMA = "test_snapshot"
_REPLICA_ROLE = "SET LOCAL session_replication_role = replica"
_DEFAULT_ROLE = "SET LOCAL session_replication_role = DEFAULT"


class DatabaseCreation(ChefuDatabaseWrapper.creation_class):
    def serialized_tables(self) -> list[str]:
        """The tables of the models Django's own serialize_db_to_string would read (their many-to-many tables
        too), in name order."""
        loader = MigrationLoader(self.connection)
        skipped = set(getattr(settings, "TEST_NON_SERIALIZED_APPS", ()))
        tables = set()
        for config in apps.get_app_configs():
            if config.models_module is None or config.label not in loader.migrated_apps or config.name in skipped:
                continue
            for model in config.get_models(include_auto_created=True):
                if model._meta.can_migrate(self.connection) and router.allow_migrate_model(
                    self.connection.alias, model
                ):
                    tables.add(model._meta.db_table)
        return sorted(tables & set(self.connection.introspection.table_names()))

    def serialize_db_to_string(self) -> str:
        """Copy the tables that hold rows into ``test_snapshot``. Answers ``table:columns`` lines, which Django keeps
        and hands back to :meth:`deserialize_db_from_string`."""
        quote = self.connection.ops.quote_name
        copied = []
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE")
            cursor.execute(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}")
            for table in self.serialized_tables():
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
        """Put the copied rows back. The copied tables are emptied first: the first transactional test of a run
        finds the migrations' rows still there (the plain tests before it rolled back to them)."""
        quote = self.connection.ops.quote_name
        copied = [line.split(":", 1) for line in data.splitlines() if line]
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            cursor.execute(_REPLICA_ROLE)
            for table, _columns in copied:
                cursor.execute(f"DELETE FROM {quote(table)}")
            cursor.execute(_DEFAULT_ROLE)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table, columns in copied:
                cursor.execute(
                    f"INSERT INTO {quote(table)} ({columns}) SELECT {columns} FROM {SNAPSHOT_SCHEMA}.{quote(table)}"
                )


class DatabaseOperations(ChefuDatabaseWrapper.ops_class):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        """Every row deleted rather than every table truncated (a TRUNCATE makes new files for the table and its
        indexes: 0.75 s for Chefu's tables, against 0.06 s). ``manage.py flush --reset-sequences`` keeps Django's."""
        if reset_sequences or not tables:
            return super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return [_REPLICA_ROLE, *(f"DELETE FROM {self.quote_name(table)}" for table in tables), _DEFAULT_ROLE]


class DatabaseWrapper(ChefuDatabaseWrapper):
    creation_class = DatabaseCreation
    ops_class = DatabaseOperations
