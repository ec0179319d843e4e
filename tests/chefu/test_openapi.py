"""The OpenAPI document generates and lists the endpoints API.md promises (those built so far)."""

import collections
import enum
import sys
from pathlib import Path

import pydantic
import pytest
from django.conf import settings

# (method, path) from API.md's Health, Accounts and Partner-stores sections.
CONTRACT = [
    ("get", "/api/v1/health"),
    ("post", "/api/v1/auth/sms-code"),
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/token"),
    ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/me"),
    ("post", "/api/v1/me/vehicles"),
    ("get", "/api/v1/me/vehicles"),
    ("post", "/api/v1/partner/applications"),
    ("get", "/api/v1/qa/applications"),
    ("post", "/api/v1/qa/applications/{application_id}/approve"),
    ("post", "/api/v1/qa/applications/{application_id}/reject"),
    ("get", "/api/v1/stores/nearby"),
    ("get", "/api/v1/stores/{store_id}"),
    ("get", "/api/v1/geo/geocode"),
    ("put", "/api/v1/partner/stores/{store_id}/opening-hours"),
    ("post", "/api/v1/partner/stores/{store_id}/closures"),
]

PUBLIC = {
    ("get", "/api/v1/health"),
    ("post", "/api/v1/auth/sms-code"),
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/token"),
    ("get", "/api/v1/stores/nearby"),
    ("get", "/api/v1/stores/{store_id}"),
}
# API.md does not say whether geocoding needs a token.
UNSPECIFIED_AUTH = {("get", "/api/v1/geo/geocode")}


@pytest.fixture(scope="module")
def document():
    from django.test import Client

    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_openapi_document_generates(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"]
    assert document["paths"]


@pytest.mark.parametrize(("method", "path"), CONTRACT)
def test_openapi_document_lists_the_contract_endpoints(document, method, path):
    assert method in document["paths"].get(path, {}), f"{method.upper()} {path} is missing"


@pytest.mark.parametrize(("method", "path"), [c for c in CONTRACT if c not in PUBLIC | UNSPECIFIED_AUTH])
def test_protected_endpoints_declare_the_bearer_token(document, method, path):
    operation = document["paths"][path][method]
    schemes = {name for requirement in operation.get("security", []) for name in requirement}

    assert schemes
    assert all(document["components"]["securitySchemes"][s]["scheme"] == "bearer" for s in schemes)


@pytest.mark.parametrize(("method", "path"), sorted(PUBLIC))
def test_public_endpoints_need_no_token(document, method, path):
    assert not document["paths"][path][method].get("security")


def test_register_documents_its_201_answer(document):
    responses = document["paths"]["/api/v1/auth/register"]["post"]["responses"]

    assert "201" in responses


def test_the_sms_code_and_sign_in_bodies_are_documented(document):
    def fields(path: str) -> set[str]:
        body = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        ref = body["$ref"].rsplit("/", 1)[-1]
        return set(document["components"]["schemas"][ref]["properties"])

    assert "202" in document["paths"]["/api/v1/auth/sms-code"]["post"]["responses"]
    assert fields("/api/v1/auth/sms-code") == {"phone", "purpose"}
    assert {"phone", "code", "password", "name"} <= fields("/api/v1/auth/register")
    assert {"phone", "code", "password"} <= fields("/api/v1/auth/token")
    assert {"phone", "code", "password"} <= fields("/api/v1/auth/session")


@pytest.mark.django_db
def test_interactive_docs_answer(api):
    response = api.get("/api/v1/docs")

    assert response.status_code == 200
    assert b"openapi.json" in response.content


def _operations_of(document: dict, module: str) -> list[tuple[str, str, dict]]:
    """(method, path, operation) for every operation whose handler lives in ``module`` (ninja's operationId is the
    handler's module and name)."""
    prefix = f"{module.replace('.', '_')}_"
    return [
        (method, path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if operation["operationId"].startswith(prefix)
    ]


def _schema(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_every_review_operation_is_checked(document):
    # API.md's Reviews section: 5 for owners, 1 public, 2 for stores, 10 for QA.
    assert len(_operations_of(document, "reviews.api")) == 18


def test_every_review_operation_documents_the_shape_of_its_answer(document):
    shapeless = []
    for method, path, operation in _operations_of(document, "reviews.api"):
        ok = [status for status in operation["responses"] if status.startswith("2")]
        for status in ok:
            content = operation["responses"][status].get("content", {}).get("application/json", {})
            if not _schema(document, content.get("schema", {})).get("properties"):
                shapeless.append(f"{method.upper()} {path} {status}")
        if not ok:
            shapeless.append(f"{method.upper()} {path}: no 2xx")

    assert not shapeless


def test_every_review_operation_has_a_summary_and_a_description(document):
    for method, path, operation in _operations_of(document, "reviews.api"):
        assert operation.get("summary"), f"{method.upper()} {path}"
        assert operation.get("description"), f"{method.upper()} {path}"
        # Not the handler's name made readable (ninja's default).
        assert operation["summary"] != operation["operationId"].rsplit("api_", 1)[1].replace("_", " ").title()


def test_every_review_operation_documents_its_errors_as_the_envelope(document):
    envelope = document["components"]["schemas"]["ErrorOut"]
    body = _schema(document, envelope["properties"]["error"])
    assert set(body["properties"]) == {"code", "message", "details"}

    for method, path, operation in _operations_of(document, "reviews.api"):
        errors = {status: answer for status, answer in operation["responses"].items() if int(status) >= 400}
        assert errors, f"{method.upper()} {path} declares no error"
        for status, answer in errors.items():
            schema = answer["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}, f"{method.upper()} {path} {status}"
        if operation.get("security"):
            assert "401" in errors, f"{method.upper()} {path}"
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= set(errors), f"{method.upper()} {path}"
        if "{" in path:
            assert "404" in errors, f"{method.upper()} {path}"


def test_the_review_answers_document_every_field_they_carry(document):
    def fields(name: str) -> set[str]:
        return set(document["components"]["schemas"][name]["properties"])

    public = {
        "id", "ratings", "overall", "text", "tags", "photos", "author", "vehicle", "service", "created_at", "edited",
        "follow_up", "reply", "follow_up_hidden", "reply_hidden",
    }  # fmt: skip
    owner = public | {"booking_id", "store_id", "status", "editable_until", "follow_up_until"}

    assert fields("ReviewPublicOut") == public
    assert fields("ReviewOwnerOut") == owner
    assert fields("ReviewQaOut") == owner | {"store_name", "owner_id", "held_for", "moderation", "revisions", "reports"}
    assert fields("StoreReviewsOut") == {
        "items", "count", "rating", "review_count", "means", "distribution", "hidden_count", "held_count",
    }  # fmt: skip


# --- every operation (issue 12, item 6) ---------------------------------------------------------------------------


def _all_operations(document: dict) -> list[tuple[str, str, dict]]:
    return [
        (method, path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def _ids(document: dict) -> list[str]:
    return [f"{method.upper()} {path}" for method, path, _ in _all_operations(document)]


def _handler_name(operation: dict) -> str:
    """The handler's name as ninja would make a summary of it (``booking_create`` -> ``Booking Create``)."""
    module_and_name = operation["operationId"]
    names = {module_and_name.rsplit("_api_", 1)[-1], module_and_name.rsplit("api_", 1)[-1], module_and_name}
    return {name.replace("_", " ").title() for name in names}


def test_every_operation_has_a_human_summary_and_a_description(document):
    missing = []
    for method, path, operation in _all_operations(document):
        summary = operation.get("summary", "")
        if not summary or summary in _handler_name(operation):
            missing.append(f"{method.upper()} {path}: summary {summary!r}")
        if not operation.get("description", "").strip():
            missing.append(f"{method.upper()} {path}: no description")

    assert not missing, "\n".join(missing)


def test_every_tag_is_described(document):
    described = {tag["name"]: tag.get("description") for tag in document.get("tags", [])}
    used = {tag for _, _, operation in _all_operations(document) for tag in operation.get("tags", [])}

    assert all(operation.get("tags") for _, _, operation in _all_operations(document))
    assert used <= set(described), f"tags without a description: {sorted(used - set(described))}"
    assert all(described[tag] for tag in used)


def _typed(document: dict, schema: dict) -> bool:
    """A $ref to a schema with properties, an array of typed items, or a scalar: anything but an empty object."""
    schema = _schema(document, schema)
    if schema.get("type") == "array":
        return _typed(document, schema.get("items", {}))
    if schema.get("type") == "object" or not schema.get("type"):
        return bool(schema.get("properties")) or any(
            _typed(document, option) for option in schema.get("anyOf", []) + schema.get("oneOf", [])
        )
    return True


def test_every_success_answer_has_a_typed_schema(document):
    shapeless = []
    for method, path, operation in _all_operations(document):
        ok = {status: answer for status, answer in operation["responses"].items() if status.startswith("2")}
        if not ok:
            shapeless.append(f"{method.upper()} {path}: no 2xx")
        for status, answer in ok.items():
            if status == "204":
                assert not answer.get("content"), f"{method.upper()} {path} 204 has a body"
                continue
            contents = answer.get("content", {})
            if not contents:
                shapeless.append(f"{method.upper()} {path} {status}: no content")
            for media_type, content in contents.items():
                if not _typed(document, content.get("schema", {})):
                    shapeless.append(f"{method.upper()} {path} {status} {media_type}")

    assert not shapeless, "\n".join(shapeless)


def test_every_error_answer_is_the_envelope(document):
    wrong = []
    for method, path, operation in _all_operations(document):
        errors = {status: answer for status, answer in operation["responses"].items() if int(status) >= 400}
        label = f"{method.upper()} {path}"
        if not errors and (operation.get("security") or operation.get("parameters") or "requestBody" in operation):
            wrong.append(f"{label}: declares no error")
        for status, answer in errors.items():
            schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
            envelope = schema == {"$ref": "#/components/schemas/ErrorOut"} or "error" in _schema(document, schema).get(
                "properties", {}
            )
            if not envelope:
                wrong.append(f"{label} {status}: not the envelope")
        if operation.get("security") and "401" not in errors:
            wrong.append(f"{label}: needs a token but does not declare 401")
        if "application/json" in operation.get("requestBody", {}).get("content", {}):
            missing = {"400", "413", "415", "422"} - set(errors)
            if missing:
                wrong.append(f"{label}: a JSON body but no {sorted(missing)}")
        if "{" in path and "404" not in errors:
            wrong.append(f"{label}: a path parameter but no 404")
        if any(p["in"] == "query" for p in operation.get("parameters", [])) and "422" not in errors:
            wrong.append(f"{label}: query parameters but no 422")
        text_in_path = any(
            p["in"] == "path" and _schema(document, p["schema"]).get("type") == "string"
            for p in operation.get("parameters", [])
        )
        if text_in_path and "422" not in errors:  # chefu.inputs refuses control characters in any string
            wrong.append(f"{label}: a text path parameter but no 422")

    assert not wrong, "\n".join(wrong)


def test_every_operation_says_which_error_codes_it_answers(document):
    """Each declared error status is explained in words: the codes it may carry, in the description of the answer."""
    silent = []
    for method, path, operation in _all_operations(document):
        for status, answer in operation["responses"].items():
            if int(status) >= 400 and not answer.get("description", "").strip():
                silent.append(f"{method.upper()} {path} {status}")

    assert not silent, "\n".join(silent)


def test_the_provider_notification_documents_its_form_body(document):
    operation = document["paths"]["/api/v1/payments/notify/{provider}"]["post"]
    form = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    form = _schema(document, form)

    assert {"out_trade_no", "trade_no", "total_amount", "trade_status", "sign"} <= set(form["properties"])
    assert operation["responses"]["200"]["content"]["text/plain"]["schema"]["type"] == "string"


def _project_classes(base: type):
    """Every subclass of ``base`` defined in the project's own modules (not in an installed package)."""
    root = Path(settings.BASE_DIR)
    stack, seen = [base], set()
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub in seen:
                continue
            seen.add(sub)
            stack.append(sub)
            path = Path(getattr(sys.modules.get(sub.__module__), "__file__", None) or "/")
            if path.is_relative_to(root) and "site-packages" not in path.parts:
                yield sub


def test_no_two_schemas_share_a_component_name(document):
    """ninja files every Schema (and enum) under its class name: two classes of one name share one component, and
    the operations of one document the other's shape (the catalogue's PartOut once stood for the reviews' one)."""
    where = collections.defaultdict(set)
    for cls in [*_project_classes(pydantic.BaseModel), *_project_classes(enum.Enum)]:
        where[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")

    shared = {
        name: sorted(classes)
        for name, classes in where.items()
        if name in document["components"]["schemas"] and len(classes) > 1
    }
    assert not shared, shared
