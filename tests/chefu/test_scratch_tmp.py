import pytest
from django.test import Client

@pytest.mark.django_db
def test_probe(api, make_client, monkeypatch):
    from tests.factories import UserFactory
    class F(UserFactory):
        class Meta:
            exclude=('PASSWORD',)
    owner_client = make_client(F())
    c = Client()
    for method, path, body in [
        ("post", "/api/v1/auth/register", "{bad json"),
        ("post", "/api/v1/auth/register", "[1,2]"),
        ("post", "/api/v1/auth/register", ""),
    ]:
        r = getattr(c, method)(path, body, content_type="application/json")
        print(method, path, repr(body), r.status_code, r.headers.get("Content-Type"), r.content[:300])
    r = c.post("/api/v1/auth/register", "phone=1", content_type="text/plain")
    print("textplain", r.status_code, r.content[:300])
    for path in ["/api/v1/nope", "/api/v1/stores/999999", "/api/v1/stores/nearby?lat=abc&lng=1"]:
        r = c.get(path)
        print(path, r.status_code, r.content[:300])
    r = c.delete("/api/v1/auth/token")
    print("405", r.status_code, r.headers, r.content[:300])
    r = owner_client.get("qa/applications")
    print("403", r.status_code, r.content[:300])
    r = c.get("/api/v1/me")
    print("401", r.status_code, r.headers, r.content[:300])
    r = c.get("/api/v1/docs")
    print("docs", r.status_code)
    import stores.selectors
    def boom(**kw):
        raise RuntimeError("kaboom secret")
    monkeypatch.setattr(stores.selectors, "store_get_public", boom)
    c2 = Client(raise_request_exception=False)
    r = c2.get("/api/v1/stores/1")
    print("500", r.status_code, r.content[:300])
    r = c.get("/api/v1/health")
    print("health", r.status_code, r.content)
