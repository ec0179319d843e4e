"""Data-migration tests move the shared test database to an older schema: :func:`migrator` always brings it back to
the latest one, whether the test passes or fails, so no later test runs on an old schema. A test whose rows can be
written in the old schema itself takes :func:`fresh_database` instead: nothing to unapply, nothing to bring back. A
migration that only moves data (RunPython, RunSQL) is run again on today's schema with :func:`data_migration_rerun`:
nothing is unapplied at all."""

import contextlib
from collections.abc import Iterator

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython, RunSQL


class Migrator:
    def to(self, targets: list[tuple[str, str]]) -> Apps:
        """Migrate forward or back to ``targets``; the models as they are there."""
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    def to_latest(self) -> None:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def at_latest() -> bool:
    executor = MigrationExecutor(connection)
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


@contextlib.contextmanager
def migrator() -> Iterator[Migrator]:
    """``with migrator() as schema: schema.to([(app, name)])``; every migration is applied again on the way out."""
    schema = Migrator()
    try:
        yield schema
    finally:
        schema.to_latest()


@contextlib.contextmanager
def fresh_database() -> Iterator[Migrator]:
    """``with fresh_database() as schema: schema.to([(app, name)])`` in an empty database of the block's own, which
    the default connection uses until the block ends (then it is dropped). Reaching an old migration there applies
    it and what it depends on, a few seconds; :func:`migrator` unapplies every later migration of the shared test
    database and applies them all again afterwards, minutes for an app that every other one depends on (accounts).

    For a transactional test (``CREATE DATABASE`` runs outside any transaction)."""
    settings_dict = connection.settings_dict
    shared, fresh = settings_dict["NAME"], f"{settings_dict['NAME']}_fresh"
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(fresh)}")
        cursor.execute(f"CREATE DATABASE {quote(fresh)} {connection.creation.sql_table_creation_suffix()}")
    connection.close()
    settings_dict["NAME"] = fresh
    try:
        yield Migrator()
    finally:
        connection.close()
        settings_dict["NAME"] = shared
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE {quote(fresh)}")


def data_migration_rerun(app_label: str, name: str) -> None:
    """Run the migration ``app_label.name`` forward again on the current schema, with the models as they were before
    it (what its code is handed when ``migrate`` runs it), in its own transaction when it is atomic.

    Only for a migration that moves rows: RunPython, and RunSQL without state operations. Running it on rows written
    in the shape it expects is what ``migrate`` does to them; unapplying what depends on it instead would take
    minutes for an app others depend on (the 25 migrations after bookings 0003, 693 operations, about 4 minutes).
    The historical models meet today's tables: a write fails where a later migration added a column that has no
    database default. Any other migration: AssertionError (use :func:`migrator`)."""
    loader = MigrationLoader(connection)
    migration = loader.get_migration(app_label, name)
    schema_ops = [
        op
        for op in migration.operations
        if not isinstance(op, RunPython | RunSQL) or (isinstance(op, RunSQL) and op.state_operations)
    ]
    assert migration.operations and not schema_ops, f"{app_label}.{name} changes the schema: use migrator()"
    state = loader.project_state((app_label, name), at_end=False)
    with connection.schema_editor(atomic=migration.atomic) as schema_editor:
        migration.apply(state, schema_editor)
