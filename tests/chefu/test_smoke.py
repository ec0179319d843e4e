def test_openapi_document_generates(api):
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/stores/nearby" in paths
    assert "/api/v1/auth/token" in paths
