"""ORM querysets compiled once per shape and run again with new parameter values.

Building and compiling a queryset costs Django about as much as PostgreSQL needs to answer an
indexed geo query (~0.7 ms each on the reference machine). For the hottest reads the ORM still
writes the SQL, but only once per *shape* (which optional filters are on, which sort): the
queryset is built with marker values that no real input can take, the compiled parameters that
equal a marker become slots, and later calls bind real values to those slots.

Markers must be impossible inputs of the parameter's own type (a latitude of -1001.25, a NUL-free
but absurd string) and must survive Django's value preparation unchanged.

Each statement is also prepared on the server, once per database connection (``PREPARE``, then ``EXECUTE`` with the
values): PostgreSQL plans it once instead of on every call, which for the store search was about a third of its
database time. A statement PostgreSQL cannot prepare (a parameter whose type it cannot infer) runs as plain SQL.
Prepared statements belong to the session: behind a pooler that shares sessions between clients by transaction
(PgBouncer's transaction mode) they would not be found; Chefu connects to PostgreSQL directly.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, DataError, NotSupportedError, ProgrammingError, connections, router
from django.db.models import JSONField, Model, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONObject


@dataclass(frozen=True)
class _Template:
    model: type
    sql: str
    count_sql: str
    slots: tuple[str | None, ...]
    count_slots: tuple[str | None, ...]
    constants: tuple[Any, ...]
    count_constants: tuple[Any, ...]
    # ``sql`` with the total number of rows (before LIMIT) as a last column, for :meth:`PreparedQuery.page`.
    counted_sql: str | None


def _slots(sql: str, params: tuple, markers: Mapping[str, Any]) -> tuple[tuple[str | None, ...], tuple[Any, ...]]:
    slots: list[str | None] = []
    for param in params:
        names = [name for name, marker in markers.items() if type(param) is type(marker) and param == marker]
        if len(names) > 1:
            raise ImproperlyConfigured(f"Markers {names} are equal: give each slot a distinct marker.")
        slots.append(names[0] if names else None)
    # A lookup that rewrites its value (startswith adds "%", iexact lowercases) or inlines it would
    # leave the marker baked into the template: refuse rather than answer for the marker.
    for name, marker in markers.items():
        text = str(marker)
        leaked = text in sql or any(
            slot is None and text in str(param) for slot, param in zip(slots, params, strict=True)
        )
        if leaked:
            raise ImproperlyConfigured(f"Marker {name!r} was transformed or inlined; bind it with an exact lookup.")
    return tuple(slots), tuple(params)


def _counted(sql: str) -> str | None:
    """``sql`` with ``COUNT(*) OVER ()`` as its last column (an ORDER BY may name columns by position), or None when
    a window count would not count its rows (DISTINCT is applied after window functions) or the SQL cannot be read."""
    if not sql.startswith("SELECT ") or sql.startswith("SELECT DISTINCT"):
        return None
    at = _top_level_from(sql)
    if at is None:
        return None
    return f"{sql[:at]}, COUNT(*) OVER () AS {_TOTAL}{sql[at:]}"


_TOTAL = '"prepared_total"'
_BIGINT_MAX = 2**63 - 1


def _top_level_from(sql: str) -> int | None:
    """Where the outermost `` FROM `` of ``sql`` starts: outside parentheses, quoted names and string literals."""
    depth, quote = 0, None
    for i, char in enumerate(sql):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and sql.startswith(" FROM ", i):
            return i
    return None


def _bind(slots: tuple[str | None, ...], constants: tuple[Any, ...], values: Mapping[str, Any]) -> list[Any]:
    return [constants[i] if slot is None else values[slot] for i, slot in enumerate(slots)]


_PLACEHOLDER = re.compile(r"%[s%]")
# Statement names: the SQL's digest, so that every process and thread gives one text the same name.
_NAME_PREFIX = "chefu_"
# Texts PostgreSQL refused to prepare, in this process: they run as plain SQL from then on.
_UNPREPARABLE: set[str] = set()
# Per prepared statement, its integer parameters: (position, least, greatest value their type holds). PostgreSQL
# gives a parameter the type of what it is compared with, so an id beyond that range ("999999999999999999999")
# is an error where the plain statement would compare it and find nothing: such a call runs as plain SQL.
_INTEGER_RANGES = {"smallint": 2**15, "integer": 2**31, "bigint": 2**63}
_INTEGER_PARAMS: dict[str, tuple[tuple[int, int, int], ...]] = {}


def _numbered(sql: str) -> tuple[str, int]:
    """``sql`` with Django's ``%s`` placeholders numbered ``$1, $2, ...`` and ``%%`` unescaped, for ``PREPARE``; and
    the number of parameters."""
    count = 0

    def number(match: re.Match) -> str:
        nonlocal count
        if match.group() == "%%":
            return "%"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql), count


# What PostgreSQL says when a session's prepared statement can no longer run: its result's type changed under it (a
# migration altered a column while this release still served), or it is gone (DEALLOCATE).
_STALE = {"0A000", "26000"}
# Left in place of a session's names when one of its statements was stale.
_STALE_SESSION: frozenset[str] = frozenset()


def _prepared_names(connection) -> set[str]:
    """The statements prepared on ``connection``'s current session (a reconnection starts an empty set). After a
    stale statement, the session's statements are all deallocated first: each is prepared again on its next run."""
    session = connection.connection
    held = getattr(connection, "_chefu_prepared", None)
    if held is None or held[0] is not session:
        held = (session, set())
        connection._chefu_prepared = held
    elif held[1] is _STALE_SESSION:
        with connection.wrap_database_errors, session.cursor() as raw:
            raw.execute("DEALLOCATE ALL")
        held = (session, set())
        connection._chefu_prepared = held
    return held[1]


def _execute(connection, cursor, sql: str, params: list[Any]) -> None:
    """Runs ``sql`` with ``params`` on ``cursor`` as a statement prepared on ``connection``'s session (prepared on its
    first run there), or as plain SQL when PostgreSQL cannot prepare it or an integer is beyond its parameter's type
    (as the plain statement would, it then finds nothing instead of failing)."""
    name = _NAME_PREFIX + hashlib.blake2b(sql.encode(), digest_size=10).hexdigest()
    if name in _UNPREPARABLE:
        cursor.execute(sql, params)
        return
    prepared = _prepared_names(connection)
    if name not in prepared:
        numbered, count = _numbered(sql)
        if count != len(params):
            raise ImproperlyConfigured(f"{count} placeholders for {len(params)} values in {sql[:200]}")
        try:
            _prepare(connection, name, numbered)
        except (ProgrammingError, DataError):  # refused (a lost connection is an OperationalError: it propagates)
            _UNPREPARABLE.add(name)
            cursor.execute(sql, params)
            return
        prepared.add(name)
    if not _in_range(_INTEGER_PARAMS[name], params):
        cursor.execute(sql, params)
        return
    try:
        cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}", params)
    except (NotSupportedError, ProgrammingError) as error:
        if getattr(error.__cause__, "pgcode", None) not in _STALE:
            raise
        connection._chefu_prepared = (connection.connection, _STALE_SESSION)
        if not connection.get_autocommit():
            raise  # the transaction is aborted: this request fails; the next statement on the session prepares anew
        _prepared_names(connection)  # deallocates them all
        cursor.execute(sql, params)


def _in_range(integers: tuple[tuple[int, int, int], ...], params: list[Any]) -> bool:
    return all(type(params[i]) is not int or least <= params[i] <= greatest for i, least, greatest in integers)


def _prepare(connection, name: str, numbered: str) -> None:
    """``PREPARE`` on the driver's own cursor: not one of the request's queries (their count and their log stay the
    statements that answer). Inside a transaction, behind a savepoint, so that a refusal does not abort it."""
    in_transaction = not connection.get_autocommit()
    with connection.wrap_database_errors, connection.connection.cursor() as raw:
        if in_transaction:
            raw.execute("SAVEPOINT chefu_prepare")
        try:
            raw.execute(f"PREPARE {name} AS {numbered}")
        except Exception:
            if in_transaction:
                raw.execute("ROLLBACK TO SAVEPOINT chefu_prepare")
            raise
        finally:
            if in_transaction:
                raw.execute("RELEASE SAVEPOINT chefu_prepare")
        if name not in _INTEGER_PARAMS:
            raw.execute("SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = %s", [name])
            types = raw.fetchone()[0]
            _INTEGER_PARAMS[name] = tuple(
                (i, -_INTEGER_RANGES[t], _INTEGER_RANGES[t] - 1) for i, t in enumerate(types) if t in _INTEGER_RANGES
            )


_NAMED = re.compile(r"%\((\w+)\)s")


@functools.lru_cache(maxsize=64)
def _positional(sql: str) -> tuple[str, tuple[str, ...]]:
    return _NAMED.sub("%s", sql), tuple(_NAMED.findall(sql))


def execute_prepared(connection, cursor, sql: str, params: Mapping[str, Any]) -> None:
    """Runs raw ``sql`` with ``%(name)s`` placeholders (a name may come back) on ``cursor`` as a statement prepared on
    ``connection``'s session, as :class:`PreparedQuery`'s are: for hand-written statements that run on every request
    (the booking engine's calendar)."""
    positional, names = _positional(sql)
    _execute(connection, cursor, positional, [params[name] for name in names])


def any_of(values: list, sql_type: str) -> RawSQL:
    """``values`` as one array parameter for an ``__in`` lookup, whatever their number (``id__in=any_of(ids,
    "bigint")``): with a list marker (``[-7_000_051]``) it is one slot of a :class:`PreparedQuery`, not a statement per
    length. ``sql_type`` names the elements' type, which PostgreSQL could not infer from ``unnest`` alone."""
    return RawSQL(f"SELECT unnest(%s::{sql_type}[])", (values,))


def instance_from_row(model: type[Model], db: str, row: Mapping[str, Any], *, prefix: str = "", fields=None) -> Model:
    """A ``model`` instance from a :class:`PreparedQuery` row whose columns are ``prefix`` + each field's attname
    (``fields``: those loaded, default every concrete one; the rest are deferred), as the ORM would load it: a raw row
    holds a JSON column as text, decoded here by the field itself."""
    fields = fields or model._meta.concrete_fields
    values = []
    for field in fields:
        value = row[prefix + field.attname]
        if value is not None and isinstance(field, JSONField):
            value = field.from_db_value(value, None, connections[db])
        values.append(value)
    return model.from_db(db, [field.attname for field in fields], values)


def json_rows(queryset: QuerySet, **extra) -> ArraySubquery:
    """``queryset``'s rows, in its order, as one array column of JSON objects holding every concrete column (and
    ``extra``): a relation read in the same statement as its owner. :func:`instance_from_json` reads each back."""
    names = {f.attname: f.attname for f in queryset.model._meta.concrete_fields}
    return ArraySubquery(queryset.values(row=JSONObject(**names, **extra)))


def instance_from_json(model: type[Model], db: str, item) -> Model:
    """A ``model`` instance from one of :func:`json_rows`'s objects, its values as the ORM would give them: each read
    from its JSON form by its field (a JSON column's value is already the decoded JSON)."""
    item = json_value(item)
    fields = model._meta.concrete_fields
    values = [
        item[f.attname] if item[f.attname] is None or isinstance(f, JSONField) else f.to_python(item[f.attname])
        for f in fields
    ]
    return model.from_db(db, [f.attname for f in fields], values)


def json_value(value):
    """A jsonb value as a row of :class:`PreparedQuery` holds it, decoded: Django's connection hands jsonb over as text
    (its fields decode it), and a raw row is read without the fields."""
    return json.loads(value) if isinstance(value, str) else value


def _connection(template: _Template):
    # Where the ORM would read the queryset: the replica for a page's search when one is configured
    # (chefu/db_router.py). Both connections speak the same SQL, so one template serves them.
    return connections[router.db_for_read(template.model) or DEFAULT_DB_ALIAS]


class PreparedQuery:
    """``build(shape, **markers) -> QuerySet`` (a ``.values()`` queryset, ordered) compiled per shape.

    ``rows()`` answers dicts keyed by the selected names, like ``.values()``; ``count()`` the number
    of rows without LIMIT. Thread-safe; templates live as long as the process.
    """

    def __init__(self, build: Callable[..., QuerySet], markers: Mapping[str, Any]):
        self._build = build
        self._markers = dict(markers)
        self._templates: dict[Hashable, _Template] = {}
        self._lock = threading.Lock()

    def template(self, shape: Hashable) -> _Template:
        template = self._templates.get(shape)
        if template is None:
            queryset = self._build(shape, **self._markers)
            sql, params = queryset.query.sql_with_params()
            slots, constants = _slots(sql, params, self._markers)
            count_sql, count_params = queryset.order_by().values("pk").query.sql_with_params()
            count_slots, count_constants = _slots(count_sql, count_params, self._markers)
            template = _Template(
                model=queryset.model,
                sql=sql,
                count_sql=f"SELECT COUNT(*) FROM ({count_sql}) AS matches",
                slots=slots,
                count_slots=count_slots,
                constants=constants,
                count_constants=count_constants,
                counted_sql=_counted(sql),
            )
            with self._lock:
                self._templates.setdefault(shape, template)
        return template

    def rows(self, shape: Hashable, values: Mapping[str, Any], *, limit: int | None, offset: int = 0) -> list[dict]:
        """The rows for ``values`` (``limit`` None: all of them)."""
        template = self.template(shape)
        params = [*_bind(template.slots, template.constants, values), limit, offset]
        connection = _connection(template)
        with connection.cursor() as cursor:
            _execute(connection, cursor, f"{template.sql} LIMIT %s OFFSET %s", params)
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def page(
        self, shape: Hashable, values: Mapping[str, Any], *, limit: int, offset: int = 0
    ) -> tuple[list[dict], int]:
        """``(rows(...), count(...))`` in one statement: the total rides on every row as a window count. The count
        is asked apart only for a page past the end (no row to carry it)."""
        template = self.template(shape)
        if template.counted_sql is None or offset + limit > _BIGINT_MAX:  # PostgreSQL's OFFSET is a bigint
            count = self.count(shape, values)
            return (self.rows(shape, values, limit=limit, offset=offset) if offset < count else []), count
        params = [*_bind(template.slots, template.constants, values), limit, offset]
        connection = _connection(template)
        with connection.cursor() as cursor:
            _execute(connection, cursor, f"{template.counted_sql} LIMIT %s OFFSET %s", params)
            names = [column.name for column in cursor.description[:-1]]
            found = cursor.fetchall()
        if not found:
            return [], self.count(shape, values) if offset else 0
        return [dict(zip(names, row[:-1], strict=True)) for row in found], found[0][-1]

    def count(self, shape: Hashable, values: Mapping[str, Any]) -> int:
        template = self.template(shape)
        connection = _connection(template)
        with connection.cursor() as cursor:
            params = _bind(template.count_slots, template.count_constants, values)
            _execute(connection, cursor, template.count_sql, params)
            return cursor.fetchone()[0]
