"""Data-migration tests move the shared test database to an older schema: :func:`migrator` always brings it back to
the latest one, whether the test passes or fails, so no later test runs on an old schema."""

import contextlib
from collections.abc import Iterator

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


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
