"""The OpenAPI document generates and lists the endpoints API.md promises (those built so far)."""

import pytest

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
