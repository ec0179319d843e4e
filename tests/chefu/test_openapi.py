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
