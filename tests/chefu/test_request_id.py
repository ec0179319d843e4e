"""Every answer carries X-Request-ID, the caller's own when it looks sane, and every log line of the request carries
the same id (chefu.observability)."""

import json
import logging
import logging.config

import pytest

from chefu.observability.context import request_id_clean, request_id_get
from chefu.observability.logs import RequestIdFilter, logging_config


@pytest.fixture
def logs(caplog):
    """The records of the test, through the filter the console handler has (LOGGING), at INFO."""
    added = RequestIdFilter()
    caplog.handler.addFilter(added)
    caplog.set_level(logging.INFO)
    yield caplog
    caplog.handler.removeFilter(added)


@pytest.mark.django_db
def test_an_answer_without_an_incoming_id_gets_a_new_one(api):
    first = api.get("health")["X-Request-ID"]
    second = api.get("health")["X-Request-ID"]

    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second


@pytest.mark.django_db
def test_a_sane_incoming_id_is_kept(api):
    for sane in ("4bf92f35-77b3-4da6-a3ce-929d0e0e4736", "Root=1-67891233-abcdef012345678912345678", "a" * 128):
        assert api.get("health", headers={"X-Request-ID": sane})["X-Request-ID"] == sane


@pytest.mark.django_db
@pytest.mark.parametrize("insane", ["short", "a" * 129, "has space inside it", "semi;colon;1234", "-leading-dash"])
def test_an_insane_incoming_id_is_replaced(api, insane):
    answered = api.get("health", headers={"X-Request-ID": insane})["X-Request-ID"]

    assert answered != insane
    assert request_id_clean(answered) == answered


@pytest.mark.django_db
def test_error_answers_and_pages_carry_it_too(api, client):
    assert api.get("no-such-endpoint", headers={"X-Request-ID": "req-404-abcdef"})["X-Request-ID"] == "req-404-abcdef"
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9")["X-Request-ID"]


@pytest.mark.django_db
def test_the_request_log_lines_carry_its_id(api, logs, settings):
    # given: a request that logs on its way (the health probe warns that the broker, on a closed port, is down)
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    # when
    response = api.get("health", headers={"X-Request-ID": "trace-me-0001"})

    # then: every record logged while it ran carries the id: the probe's warning and the request's own line
    assert response["X-Request-ID"] == "trace-me-0001"
    [warning] = [r for r in logs.records if r.name == "chefu.health_checks"]
    [line] = [r for r in logs.records if r.name == "chefu.request"]
    assert warning.request_id == line.request_id == "trace-me-0001"
    assert (line.method, line.path, line.status) == ("GET", "/api/v1/health", 200)
    assert line.duration_ms >= 0
    # and nothing logged after it does
    assert request_id_get() is None
    logging.getLogger("tests").info("after the request")
    assert logs.records[-1].request_id == "-"


def _json_line(config: dict, record: logging.LogRecord) -> dict:
    formatter = logging.config.DictConfigurator(config).configure_formatter(next(iter(config["formatters"].values())))
    RequestIdFilter().filter(record)
    return json.loads(formatter.format(record))


def test_json_logs_are_one_object_a_line_with_the_request_id():
    from chefu.observability.context import request_id_bound

    config = logging_config(log_format="json", level="INFO")
    with request_id_bound("json-line-0001"):
        record = logging.LogRecord("chefu.test", logging.WARNING, __file__, 1, "门店 %s closed", ("42",), None)
        line = _json_line(config, record)

    assert line["level"] == "WARNING"
    assert line["logger"] == "chefu.test"
    assert line["message"] == "门店 42 closed"
    assert line["request_id"] == "json-line-0001"
    assert line["time"].endswith("+00:00")


def test_plain_logs_show_the_request_id():
    from chefu.observability.context import request_id_bound

    config = logging_config(log_format="plain", level="INFO")
    formatter = logging.config.DictConfigurator(config).configure_formatter(config["formatters"]["plain"])
    record = logging.LogRecord("chefu.test", logging.INFO, __file__, 1, "hello", (), None)
    with request_id_bound("plain-line-0001"):
        RequestIdFilter().filter(record)

    assert formatter.format(record).endswith("INFO chefu.test [plain-line-0001] hello")


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_config(log_format="xml", level="INFO")
