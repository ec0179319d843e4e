"""Bad input is a 4xx, never a 500 (API.md): NUL and invisible control characters, dates at the calendar's edges,
bodies over the limit, too many fields, unreadable multipart bodies."""

import datetime as dt
import json

import pytest
from django.http import QueryDict
from django.test import Client, RequestFactory
from django.utils import timezone

from chefu.api import ChefuParser
from chefu.errors import ValidationFailed
from chefu.inputs import text_problem
from stores.models import Closure
from tests.bookings.conftest import book, local, make_shop, tomorrow
from tests.chefu.envelope import assert_error
from tests.factories import VehicleFactory

pytestmark = pytest.mark.django_db

NEARBY = "/api/v1/stores/nearby?lat=31.23&lng=121.47"
EDGES = ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59+08:00", "1999-12-31T10:00Z"]


def _fields(response, status=422, code="validation_error") -> dict:
    return assert_error(response, status, code)["details"].get("fields", {})


def _raw(method: str, path: str, body: bytes, content_type: str = "application/json", token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return getattr(Client(), method)(path, body, content_type=content_type, headers=headers)


# --- NUL ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("param", ["category", "service", "sort", "coord", "lat"])
def test_nul_in_a_query_value_is_422_naming_the_parameter(api, param):
    response = api.get(f"{NEARBY}&{param}=%00")

    assert param in _fields(response)


def test_nul_in_a_query_parameter_name_is_422(api):
    assert _fields(api.get(f"{NEARBY}&x%00=1"))


def test_nul_in_a_string_path_parameter_is_422_naming_it(store, manager_client):
    response = manager_client.put(
        f"/api/v1/partner/stores/{store.pk}/offerings/minor%00", {"labour": "1.00", "parts": [], "duration_min": 30}
    )

    assert list(_fields(response)) == ["service_code"]


def test_nul_in_a_json_body_is_422_naming_the_field(api):
    response = api.post("auth/register", {"phone": "13800138000", "password": "blue-kettle-sings-7", "name": "a\x00"})

    assert list(_fields(response)) == ["name"]


def test_nul_deep_in_a_json_body_names_the_nested_field(owner_client):
    body = {
        "name": "好车行",
        "address": "上海市黄浦区人民大道100号",
        "city": "上海",
        "lat": 31.23,
        "lng": 121.47,
        "phone": "021-63210000",
        "categories": ["maintenance"],
        "bays": [{"name": "1号\x00", "categories": ["maintenance"]}],
        "opening_hours": [{"weekday": 0, "opens": "08:30", "closes": "19:00"}],
    }

    response = owner_client.post("partner/applications", body)

    assert list(_fields(response)) == ["bays.0.name"]


def test_nul_in_a_json_key_is_422(api):
    body = json.dumps({"phone": "13800138000", "password": "x", "name": "n", "a\x00": 1}).encode()

    assert _fields(_raw("post", "/api/v1/auth/token", body))


@pytest.mark.parametrize("escape", [b'"\\u0000"', b'"\\ud800"'])
def test_a_json_escape_that_decodes_to_a_refused_character_is_422(escape):
    body = b'{"phone": "13800138000", "password": ' + escape + b"}"

    assert list(_fields(_raw("post", "/api/v1/auth/token", body))) == ["password"]


def test_a_form_value_with_nul_is_refused_by_the_parser():
    request = RequestFactory().post("/api/v1/anything")

    with pytest.raises(ValidationFailed) as caught:
        ChefuParser().parse_querydict(QueryDict("note=a%00b&ok=1"), [], request)

    assert list(caught.value.details["fields"]) == ["note"]


def test_nan_is_not_json_and_is_400():
    body = b'{"store_id": NaN, "service_code": "x", "vehicle_id": 1, "start": "2030-01-01T10:00+08:00"}'

    assert_error(_raw("post", "/api/v1/auth/token", body), 400, "bad_request")


@pytest.mark.parametrize(
    "path",
    [
        "/?q=%00",
        "/stores/1/?q=a%00",
        "/me/bookings/?status=%00",
        "/partner/schedule/?date=%00",
        "/admin/login/?next=%00",
        "/admin/pages/search/?q=%00",
        "/django-admin/login/?next=%E2%80%AE",
        "/%00/",
        "/api/v1/payments/sandbox/CF1?out_trade_no=%00",
    ],
)
def test_pages_answer_400_to_nul_not_500(path):
    response = Client(raise_request_exception=False).get(path)

    # 400 (the sandbox's pay page, under /api/, answers the API's 422), or 404 where no page matches.
    assert 400 <= response.status_code < 500, response.status_code


def test_a_page_query_with_nul_is_400():
    assert Client().get("/?q=%00").status_code == 400


def test_the_payment_notify_endpoint_answers_400_to_nul_in_its_form():
    response = _raw(
        "post", "/api/v1/payments/notify/sandbox", b"out_trade_no=a%00&sign=x", "application/x-www-form-urlencoded"
    )

    assert 400 <= response.status_code < 500


# --- Control and invisible characters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "char",
    [
        "\u202e",
        "\u202d",
        "\u2066",
        "\u2069",
        "\u200b",
        "\u200e",
        "\u200f",
        "\ufeff",
        "\u00ad",
        "\x07",
        "\x1b",
        "\x7f",
        "\x85",
        "\u2028",
        "\u061c",
    ],
)
def test_invisible_and_control_characters_are_refused(char):
    assert text_problem(f"张三{char}") is not None


@pytest.mark.parametrize(
    "text",
    [
        "张三",
        "第一行\n第二行\r\n",
        "a\tb",
        "👨\u200d👩\u200d👧",
        "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
        "می\u200cخواهم",
        "沪A12345",
        "Zoë",
    ],
)
def test_ordinary_text_passes(text):
    assert text_problem(text) is None


def test_a_right_to_left_override_in_a_name_is_422(api):
    body = {"phone": "13800138000", "password": "blue-kettle-sings-7", "name": "李\u202egpj.exe"}

    response = api.post("auth/register", body)

    assert list(_fields(response)) == ["name"]
    assert "U+202E" in _fields(response)["name"][0]


def test_a_zero_width_space_in_free_text_is_422(owner_client, owner):
    store = make_shop()
    booking = book(owner, store, local(tomorrow(), 10))

    response = owner_client.post(f"bookings/{booking.pk}/cancel", {"reason": "不去了\u200b"})

    assert list(_fields(response)) == ["reason"]
    booking.refresh_from_db()
    assert booking.status == "pending_payment"


def test_a_control_character_in_a_query_is_422(api):
    assert list(_fields(api.get(f"{NEARBY}&category=%E2%80%AE"))) == ["category"]


# --- Dates at the calendar's edges ---------------------------------------------------------------------------


@pytest.mark.parametrize("start", EDGES)
def test_booking_at_the_calendar_edge_is_422(owner_client, owner, start):
    store = make_shop()
    car = VehicleFactory(owner=owner)
    body = {"store_id": store.pk, "service_code": "minor_service", "vehicle_id": car.pk, "start": start}

    response = owner_client.post("bookings", body)

    assert list(_fields(response)) == ["start"]


@pytest.mark.parametrize("start", EDGES)
def test_reschedule_to_the_calendar_edge_is_422(owner_client, owner, start):
    booking = book(owner, make_shop(), local(tomorrow(), 10))

    response = owner_client.post(f"bookings/{booking.pk}/reschedule", {"start": start})

    assert list(_fields(response)) == ["start"]


@pytest.mark.parametrize("edge", EDGES)
@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_closure_at_the_calendar_edge_is_422(store, manager_client, field, edge):
    soon = timezone.now() + dt.timedelta(days=1)
    body = {"starts_at": soon.isoformat(), "ends_at": (soon + dt.timedelta(hours=2)).isoformat(), "reason": "检修"}

    response = manager_client.post(f"partner/stores/{store.pk}/closures", {**body, field: edge})

    assert field in _fields(response)
    assert not Closure.objects.exists()


def test_a_closure_beyond_the_horizon_and_a_year_is_422(store, manager_client):
    # the store's horizon is the default 30 days: a closure may start up to 30 + 366 days from now
    late = timezone.now() + dt.timedelta(days=30 + 366, hours=1)
    body = {"starts_at": late.isoformat(), "ends_at": (late + dt.timedelta(hours=2)).isoformat(), "reason": "检修"}

    response = manager_client.post(f"partner/stores/{store.pk}/closures", body)

    assert list(_fields(response)) == ["starts_at"]
    assert not Closure.objects.exists()


def test_a_closure_within_the_horizon_and_a_year_is_taken(store, manager_client):
    late = timezone.now() + dt.timedelta(days=30 + 365)
    body = {"starts_at": late.isoformat(), "ends_at": (late + dt.timedelta(hours=2)).isoformat(), "reason": "检修"}

    assert manager_client.post(f"partner/stores/{store.pk}/closures", body).status_code == 201


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01", "2026-02-30"])
def test_availability_at_the_calendar_edge_is_422(api, store, date):
    response = api.get(f"stores/{store.pk}/availability", {"service": "minor_service", "date": date})

    assert list(_fields(response)) == ["date"]


# --- Bodies: size, fields, multipart ---------------------------------------------------------------------------


def test_a_body_over_the_limit_is_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"phone": "13800138000", "password": "x" * 2000}).encode()

    assert_error(_raw("post", "/api/v1/auth/token", body), 413, "payload_too_large")


def test_a_form_over_the_limit_is_413_at_the_notify_endpoint(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = b"out_trade_no=" + b"x" * 2000

    response = _raw("post", "/api/v1/payments/notify/sandbox", body, "application/x-www-form-urlencoded")

    assert_error(response, 413, "payload_too_large")


def test_too_many_form_fields_is_400(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = "&".join(f"f{i}=1" for i in range(20)).encode()

    response = _raw("post", "/api/v1/payments/notify/sandbox", body, "application/x-www-form-urlencoded")

    assert_error(response, 400, "bad_request")


def test_too_many_query_parameters_is_400(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10

    response = api.get(NEARBY + "".join(f"&f{i}=1" for i in range(20)))

    assert_error(response, 400, "bad_request")


def test_too_many_query_parameters_on_a_page_is_400(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10

    assert Client().get("/?" + "&".join(f"f{i}=1" for i in range(20))).status_code == 400


def test_multipart_without_a_boundary_is_400_at_the_notify_endpoint():
    response = _raw("post", "/api/v1/payments/notify/sandbox", b"--x\r\n\r\n", "multipart/form-data")

    assert_error(response, 400, "bad_request")


def test_multipart_without_a_boundary_is_400_for_a_photo(owner_client):
    response = _raw("post", "/api/v1/reviews/1/photos", b"--x\r\n\r\n", "multipart/form-data", owner_client.token)

    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize("key", ["\x00", "key\u202e"])
def test_an_idempotency_key_with_a_refused_character_is_422(owner_client, owner, key):
    store = make_shop()
    car = VehicleFactory(owner=owner)
    body = {"store_id": store.pk, "service_code": "minor_service", "vehicle_id": car.pk}
    body["start"] = local(tomorrow(), 10).isoformat()

    response = owner_client.post("bookings", body, headers={"Idempotency-Key": key})

    assert list(_fields(response)) == ["Idempotency-Key"]


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/stores/nearby?lat=31&lng=121"])
def test_a_session_cookie_with_nul_is_400_not_500(path):
    response = Client(raise_request_exception=False).get(path, HTTP_COOKIE="sessionid=abcdefghij\x00klm")

    assert_error(response, 400, "bad_request")


def test_a_page_with_a_nul_cookie_is_400():
    response = Client(raise_request_exception=False).get("/me/bookings/", HTTP_COOKIE="sessionid=abcdefghij\x00klm")

    assert response.status_code == 400


def test_too_many_fields_is_logged_where_django_logs_it(settings, caplog):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = "&".join(f"f{i}=1" for i in range(20)).encode()

    with caplog.at_level("ERROR", logger="django.security"):
        _raw("post", "/api/v1/payments/notify/sandbox", body, "application/x-www-form-urlencoded")

    assert any(r.name == "django.security.TooManyFieldsSent" for r in caplog.records)


# --- The guard, wherever it stands in MIDDLEWARE -------------------------------------------------------------------

GUARD = "chefu.inputs.InputGuardMiddleware"


def _guard_at(settings, where: str) -> None:
    """The guard ``early`` (right after SecurityMiddleware and WhiteNoise, before the session) or ``last``."""
    rest = [m for m in settings.MIDDLEWARE if m != GUARD]
    index = rest.index("django.contrib.sessions.middleware.SessionMiddleware") if where == "early" else len(rest)
    settings.MIDDLEWARE = [*rest[:index], GUARD, *rest[index:]]


@pytest.fixture(params=["early", "last"])
def guard_at(request, settings):
    _guard_at(settings, request.param)
    return request.param


def test_the_guard_answers_the_same_wherever_it_stands(guard_at, store, manager_client, settings):
    client = Client(raise_request_exception=False)

    assert_error(client.get("/api/v1/me", HTTP_COOKIE="sessionid=abcdefghij\x00klm"), 400, "bad_request")
    assert client.get("/me/bookings/", HTTP_COOKIE="sessionid=abcdefghij\x00klm").status_code == 400
    assert list(_fields(client.get(f"{NEARBY}&category=%00"))) == ["category"]
    assert client.get("/?q=%00").status_code == 400
    response = manager_client.put(
        f"/api/v1/partner/stores/{store.pk}/offerings/minor%00", {"labour": "1.00", "parts": [], "duration_min": 30}
    )
    assert list(_fields(response)) == ["service_code"]
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    many = "".join(f"&f{i}=1" for i in range(20))
    assert assert_error(client.get(NEARBY + many), 400, "bad_request")["message"] == "请求中的字段过多。"
    assert client.get("/?" + many).status_code == 400


@pytest.mark.parametrize(
    ("language", "message"), [("en", "The request's cookies cannot be read."), ("zh-hans", "无法读取请求中的 Cookie。")]
)
def test_the_guard_answers_in_the_requests_language_even_before_locale_middleware(settings, language, message):
    _guard_at(settings, "early")
    client = Client(raise_request_exception=False)

    for _ in range(2):  # the language the last request left active must not leak into this answer
        response = client.get("/api/v1/me", HTTP_COOKIE="sessionid=abcdefghij\x00klm", HTTP_ACCEPT_LANGUAGE=language)

        assert assert_error(response, 400, "bad_request")["message"] == message
        client.get("/api/v1/health", HTTP_ACCEPT_LANGUAGE="en" if language != "en" else "zh-hans")


def test_early_the_guard_keeps_a_nul_cookie_from_a_middleware_that_reads_the_session(settings):
    # Last, the guard would come after the reader: its query of the session key with NUL is a 500.
    _guard_at(settings, "early")
    auth = settings.MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    reader = "tests.chefu.middleware.SessionReadingMiddleware"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[: auth + 1], reader, *settings.MIDDLEWARE[auth + 1 :]]

    response = Client(raise_request_exception=False).get("/api/v1/health", HTTP_COOKIE="sessionid=abcdefghij\x00klm")

    assert_error(response, 400, "bad_request")


def test_too_many_query_parameters_are_logged_where_django_logs_them(api, settings, caplog):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10

    with caplog.at_level("ERROR", logger="django.security"):
        api.get(NEARBY + "".join(f"&f{i}=1" for i in range(20)))

    assert any(r.name == "django.security.TooManyFieldsSent" for r in caplog.records)


def test_too_many_fields_say_so_in_a_query_and_in_a_form_alike(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    many = "&".join(f"f{i}=1" for i in range(20))

    in_query = assert_error(api.get(f"{NEARBY}&{many}"), 400, "bad_request")
    form = _raw("post", "/api/v1/payments/notify/sandbox", many.encode(), "application/x-www-form-urlencoded")
    in_form = assert_error(form, 400, "bad_request")

    assert in_query["message"] == in_form["message"] == "请求中的字段过多。"
