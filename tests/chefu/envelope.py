"""The error envelope of API.md, checked the same way in every test."""

import json


def assert_error(response, status: int, code: str) -> dict:
    """Assert ``response`` is a ``status`` answer carrying the envelope with ``code``; return ``error``."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    error = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["details"], dict)
    return error
