import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Value
from django.db.models.expressions import RawSQL

from catalog.models import Category
from chefu.prepared import (
    PreparedQuery,
    _counted,
    _execute,
    _numbered,
    execute_prepared,
    instance_from_row,
    json_value,
)
from stores.models import Store, StoreStatusEvent
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_connection():
    """A connection of its own, in autocommit (the test's is inside its transaction), closed afterwards."""
    own = connections.create_connection(DEFAULT_DB_ALIAS)
    yield own
    own.close()


def _codes(shape, *, code):
    queryset = Category.objects.order_by("code").values("code")
    return queryset.filter(code=code) if shape == "one" else queryset.exclude(code=code)


def test_rows_and_count_bind_each_call_s_values():
    query = PreparedQuery(_codes, {"code": "chefu:marker"})

    assert query.rows("one", {"code": "consignment"}, limit=10) == [{"code": "consignment"}]
    assert query.rows("one", {"code": "washing"}, limit=10) == [{"code": "washing"}]
    assert query.count("all-but", {"code": "washing"}) == 3
    assert query.rows("all-but", {"code": "washing"}, limit=2, offset=1) == [
        {"code": "maintenance"},
        {"code": "parts_install"},
    ]


def test_a_lookup_that_rewrites_the_marker_is_refused():
    def build(shape, *, prefix):
        return Category.objects.filter(code__startswith=prefix).values("code")

    with pytest.raises(ImproperlyConfigured, match="transformed"):
        PreparedQuery(build, {"prefix": "chefu:marker"}).template("s")


def test_a_value_equal_to_a_constant_of_the_query_is_not_taken_for_a_marker():
    def build(shape, *, code):
        return Category.objects.filter(code=code).exclude(code="washing").values("code")

    query = PreparedQuery(build, {"code": "chefu:marker"})
    template = query.template("s")
    assert template.slots.count("code") == 1 and None in template.slots
    assert query.rows("s", {"code": "washing"}, limit=5) == []
    assert query.rows("s", {"code": "maintenance"}, limit=5) == [{"code": "maintenance"}]


def test_equal_markers_are_refused():
    def build(shape, *, a, b):
        return Category.objects.filter(code=a).annotate(x=Value(b)).values("code")

    with pytest.raises(ImproperlyConfigured):
        PreparedQuery(build, {"a": "same", "b": "same"}).template("s")


def test_a_page_is_the_rows_and_their_count_in_one_statement(django_assert_num_queries):
    query = PreparedQuery(_codes, {"code": "chefu:marker"})
    for offset in range(3):  # three rows in all
        with django_assert_num_queries(1):
            page = query.page("all-but", {"code": "washing"}, limit=2, offset=offset)
        assert page == (query.rows("all-but", {"code": "washing"}, limit=2, offset=offset), 3)
    with django_assert_num_queries(2):  # past the last row: no row carries the count, it is asked apart
        assert query.page("all-but", {"code": "washing"}, limit=2, offset=3) == ([], 3)
    with django_assert_num_queries(1):  # beyond PostgreSQL's bigint OFFSET: the count alone, never an error
        assert query.page("all-but", {"code": "washing"}, limit=2, offset=10**30) == ([], 3)
    with django_assert_num_queries(1):
        assert query.page("one", {"code": "nope"}, limit=2) == ([], 0)


def test_a_page_keeps_an_order_by_column_position_and_counts_distinct_rows_apart():
    def by_position(shape, *, code):
        rows = Category.objects.exclude(code=code).annotate(first=Value("(a FROM b)")).values("code", "first")
        return (rows.distinct() if shape == "distinct" else rows).order_by("code")

    query = PreparedQuery(by_position, {"code": "chefu:marker"})
    plain = query.template("plain")
    # The count is the last column, before the outermost FROM (not one inside a literal or parentheses): an
    # ORDER BY 1 (the store search's tie-break) still names the first column.
    head, tail = plain.counted_sql.split(' AS "prepared_total"', 1)
    assert head.endswith("COUNT(*) OVER ()") and tail.startswith(" FROM ") and plain.sql.endswith(tail)
    assert query.template("distinct").counted_sql is None
    for shape in ("plain", "distinct"):
        rows, count = query.page(shape, {"code": "washing"}, limit=10)
        assert [r["code"] for r in rows] == ["consignment", "maintenance", "parts_install"] and count == 3


def test_the_count_goes_before_the_outermost_from_only():
    sql = (
        'SELECT \'a FROM b\' AS "x", (SELECT 1 FROM t WHERE t.id = s.id) AS "y FROM z", s.id FROM s'
        " WHERE s.name <> ') FROM (' ORDER BY 1 ASC"
    )
    assert _counted(sql) == sql.replace(" FROM s WHERE", ', COUNT(*) OVER () AS "prepared_total" FROM s WHERE')
    assert _counted("SELECT DISTINCT a FROM s") is None
    assert _counted("WITH w AS (SELECT 1) SELECT * FROM w") is None


def _prepared_here() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'chefu\\_%%'")
        return {name for (name,) in cursor.fetchall()}


def test_each_statement_is_prepared_once_per_connection_and_then_executed_with_the_values(
    django_assert_num_queries,
):
    def build(shape, *, code):  # a statement no other test runs, so not yet prepared on this session
        return Category.objects.filter(code=code).order_by("-code").values("code")

    query = PreparedQuery(build, {"code": "chefu:marker"})
    before = _prepared_here()
    # when: the same shape runs twice with different values
    with django_assert_num_queries(1) as first:  # the PREPARE is not one of the answer's queries
        assert query.rows("s", {"code": "washing"}, limit=10) == [{"code": "washing"}]
    with django_assert_num_queries(1) as second:
        assert query.rows("s", {"code": "consignment"}, limit=10) == [{"code": "consignment"}]
    # then: one statement was prepared on this session, and each call executed it with its own values
    added = _prepared_here() - before
    assert len(added) == 1, added
    (name,) = added
    assert [q["sql"].split("(")[0] for q in (*first.captured_queries, *second.captured_queries)] == [
        f"EXECUTE {name}"
    ] * 2
    assert "'consignment'" in second.captured_queries[0]["sql"]


def test_a_new_session_prepares_again():
    # given: a connection of its own that ran a statement, prepared on its session
    own = connections.create_connection(DEFAULT_DB_ALIAS)
    sql, params = 'SELECT "code" FROM "catalog_category" WHERE "code" = %s', ["washing"]
    try:
        for _ in range(2):
            with own.cursor() as cursor:
                _execute(own, cursor, sql, params)
                assert cursor.fetchall() == [("washing",)]
        # when: it reconnects (CONN_MAX_AGE, a restarted PostgreSQL): the new session holds no statement
        own.close()
        # then: the statement is prepared on the new session (an EXECUTE of one it does not hold would fail)
        with own.cursor() as cursor:
            _execute(own, cursor, sql, ["consignment"])
            assert cursor.fetchall() == [("consignment",)]
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'chefu\\_%%'")
            assert cursor.fetchone() == (1,)
    finally:
        own.close()


def test_a_statement_postgresql_cannot_prepare_runs_as_plain_sql_inside_the_transaction():
    def untyped(shape, *, code):
        # "$1 IS NULL": PostgreSQL cannot tell the parameter's type, so it refuses to prepare the statement
        return Category.objects.annotate(unset=RawSQL("%s IS NULL", (code,))).filter(code=code).values("code", "unset")

    query = PreparedQuery(untyped, {"code": "chefu:marker"})
    before = _prepared_here()
    # when: it runs inside the test's transaction, twice
    assert query.rows("s", {"code": "washing"}, limit=5) == [{"code": "washing", "unset": False}]
    assert query.rows("s", {"code": "consignment"}, limit=5) == [{"code": "consignment", "unset": False}]
    # then: nothing was prepared, and the transaction the refusal happened in still works
    assert _prepared_here() == before
    assert Category.objects.filter(code="washing").exists()


def test_numbering_turns_django_placeholders_into_postgresql_ones_and_unescapes_percents():
    assert _numbered("SELECT %s, '50%%', %s LIMIT %s") == ("SELECT $1, '50%', $2 LIMIT $3", 3)


def test_an_integer_beyond_its_parameter_s_type_finds_nothing_as_the_plain_statement_would():
    def store_by_id(shape, *, pk):
        return Store.objects.filter(pk=pk).values("id")

    query = PreparedQuery(store_by_id, {"pk": -1_000_003})
    assert query.rows("s", {"pk": 1}, limit=1) == []  # prepared: its parameter is a bigint
    # when: ids beyond bigint and beyond PostgreSQL's numbers altogether, then a fitting one
    assert query.rows("s", {"pk": 10**30}, limit=1) == []
    assert query.rows("s", {"pk": -(10**30)}, limit=1) == []
    assert query.rows("s", {"pk": 2**63 - 1}, limit=1) == []
    # then: no error, and the transaction is still usable
    assert Category.objects.filter(code="washing").exists()


def test_a_statement_a_migration_made_stale_runs_as_plain_sql_and_is_prepared_again(own_connection):
    # given: a statement prepared on a session, over a column ...
    with own_connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE plates (n integer)")
        cursor.execute("INSERT INTO plates VALUES (1), (2)")
    sql = "SELECT n FROM plates WHERE n >= %s ORDER BY n"

    def run(least):
        with own_connection.cursor() as cursor:
            _execute(own_connection, cursor, sql, [least])
            return [n for (n,) in cursor.fetchall()]

    assert run(1) == [1, 2]
    # ... whose type a migration then changes while this process serves: PostgreSQL refuses the prepared plan
    with own_connection.cursor() as cursor:
        cursor.execute("ALTER TABLE plates ALTER COLUMN n TYPE bigint")
    # then: the call still answers, and the next one runs a statement prepared again on the new type
    assert run(2) == [2]
    assert run(1) == [1, 2]
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone() == (1,)


def test_a_list_marker_binds_an_array_of_any_length_and_no_limit_returns_every_row():
    def build(shape, *, codes):  # the codes as one array parameter, whatever their number
        return Category.objects.filter(code__in=RawSQL("SELECT unnest(%s::text[])", (codes,))).values("code")

    query = PreparedQuery(build, {"codes": ["chefu:marker"]})

    assert query.template("s").slots.count("codes") == 1
    assert query.rows("s", {"codes": ["washing"]}, limit=None) == [{"code": "washing"}]
    assert query.rows("s", {"codes": ["washing", "maintenance", "nope"]}, limit=None) == [
        {"code": "maintenance"},
        {"code": "washing"},
    ]
    assert query.rows("s", {"codes": []}, limit=None) == []


def test_a_named_raw_statement_is_prepared_once_and_answers_as_the_plain_one():
    # a name used twice takes its value twice; the statement is one no other test runs
    sql = (
        'SELECT "code" FROM "catalog_category" WHERE "code" >= %(low)s AND "code" <> %(skip)s AND %(low)s <> \'\''
        ' ORDER BY "code" DESC'
    )
    values = {"low": "m", "skip": "parts_install"}
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        plain = cursor.fetchall()
    before = _prepared_here()

    with connection.cursor() as cursor:
        execute_prepared(connection, cursor, sql, values)
        first = cursor.fetchall()
        execute_prepared(connection, cursor, sql, {"low": "a", "skip": "washing"})
        second = cursor.fetchall()

    assert first == plain == [("washing",), ("maintenance",)]
    assert second == [("parts_install",), ("maintenance",), ("consignment",)]
    assert len(_prepared_here() - before) == 1


def test_json_value_decodes_the_text_a_raw_row_holds():
    assert json_value('{"a": [1, "b"]}') == {"a": [1, "b"]}
    assert json_value({"a": 1}) == {"a": 1}
    assert json_value(None) is None


def test_an_instance_from_a_raw_row_is_the_one_the_orm_loads_with_its_json_decoded():
    def build(shape, *, digest):
        names = [f.attname for f in StoreStatusEvent._meta.concrete_fields]
        return StoreStatusEvent.objects.filter(reason=digest).values(*names, *(f"store__{n}" for n in ("id", "name")))

    store = StoreFactory(name="店")
    event = StoreStatusEvent.objects.create(
        store=store, to_status="active", reason="chefu-row-test", evidence={"kpis": {"rate": 0.5}, "n": [1, 2]}
    )
    (row,) = PreparedQuery(build, {"digest": "chefu:marker"}).rows(None, {"digest": "chefu-row-test"}, limit=None)

    loaded = instance_from_row(StoreStatusEvent, DEFAULT_DB_ALIAS, row)
    named = instance_from_row(
        Store, DEFAULT_DB_ALIAS, row, prefix="store__", fields=[Store._meta.pk, Store._meta.get_field("name")]
    )

    fresh = StoreStatusEvent.objects.get(pk=event.pk)
    assert {f.attname: getattr(loaded, f.attname) for f in StoreStatusEvent._meta.concrete_fields} == {
        f.attname: getattr(fresh, f.attname) for f in StoreStatusEvent._meta.concrete_fields
    }
    assert loaded.evidence == {"kpis": {"rate": 0.5}, "n": [1, 2]}
    assert (named.pk, named.name) == (store.pk, "店")
    assert named.get_deferred_fields() >= {"address", "location"}
